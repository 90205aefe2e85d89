"""The demo's server: streamlit's, running demo/app.py, with the live part's own route.

    make demo          (that is: .venv/bin/streamlit run demo/server.py --client.toolbarMode minimal)

`streamlit run` finds the `st.App` below and serves demo/app.py with one more route, the
live part's channel (demo/live.py): the page posts its events there and gets the newest frame,
without a rerun of the app.
"""
import pathlib
import sys

# `streamlit run demo/server.py` puts only demo/ on the path; the kit runs from its own folder.
ROOT = pathlib.Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from starlette.concurrency import run_in_threadpool  # noqa: E402
from starlette.responses import Response  # noqa: E402
from starlette.routing import Route  # noqa: E402

from demo import live  # noqa: E402

# Play's thread holds the GIL for a whole step unless made to hand it over: the server's threads
# (a request takes several turns: read, answer, write) wait up to this long for each turn. 5 ms,
# Python's default, made a frame's request take 30 to 45 ms while playing; 1 ms, 20 to 25 ms, but
# each handover costs the training thread. With a frame asked for every 75 ms (demo.js FRAME_MS),
# 3 ms keeps requests well inside that period and Pause well under 200 ms, and Play kept a
# slightly larger share of the training alone (A/B, 5 runs each at load 4 to 11: a median of
# 66 % against 61 % at 1 ms).
SWITCH_SECONDS = 0.003
sys.setswitchinterval(SWITCH_SECONDS)


async def live_request(request):
    """A request of the live part: its events applied, the newest frame back (demo.live.answer)."""
    body = await request.body()
    # In a worker thread: Pause waits there for the step in flight, the server's loop goes on.
    status, text = await run_in_threadpool(live.answer, request.path_params["token"], body)
    # A connection per request: on a kept-alive one the body, written after the headers, waits for
    # the browser's delayed acknowledgement of them (about 40 ms; the server's sockets do not set
    # TCP_NODELAY), and a frame would take 40 ms instead of a few.
    headers = {"Cache-Control": "no-store", "Connection": "close"}
    return Response(text, status_code=status, media_type="application/json", headers=headers)


app = st.App("app.py", routes=[Route(live.ROUTE, live_request, methods=["POST"])])
