"""The live part's own channel: the page posts its events and gets the newest frame, no streamlit rerun.

While playing, the page asks for a frame about thirteen times a second and draws it; a button or
a click on the map goes with the next request, sent at once. Streamlit's reruns are for the
rest of the page (the sidebar, the table of points): a frame costs the server a few
milliseconds, a rerun of the app a hundred or more, and a rerun that remounted the live part
would make it flicker.

Each tab's `Demo` is registered here under a random token that only its own page is given (in
the component's arguments); the process keeps a weak reference, so a tab's demo goes when its
session does. `answer` is what the server's route (demo/server.py) calls: plain Python, tested
without a server.
"""
import json
import math
import secrets
import threading
import weakref

ROUTE = "/api/micrograd-demo/{token}"  # under the server's root (streamlit's own routes are elsewhere)
MAX_BODY = 256 * 1024  # bytes: a page's pending events are a few hundred

_demos = weakref.WeakValueDictionary()
_registry_lock = threading.Lock()


def register(demo):
    """A new token for `demo`: the one the page sends with each request."""
    token = secrets.token_urlsafe(18)
    with _registry_lock:
        _demos[token] = demo
    return token


def lookup(token):
    """The demo registered under `token`, or None."""
    with _registry_lock:
        return _demos.get(token)


def answer(token, body):
    """(HTTP status, JSON text) for a request of the page: its events applied, then the newest frame.

    `body` is the request's bytes: {"events": [...], "have": key of the graph layout the page holds}.
    """
    demo = lookup(token)
    if demo is None:
        return 404, _dumps({"error": "This page's demo is gone (the server restarted or the tab was closed): reload the page."})
    if len(body) > MAX_BODY:
        return 413, _dumps({"error": f"A request of the page is at most {MAX_BODY} bytes."})
    try:
        request = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return 400, _dumps({"error": "A request of the page is a JSON object."})
    if not isinstance(request, dict):
        return 400, _dumps({"error": "A request of the page is a JSON object."})
    have = request.get("have")
    demo.handle(request.get("events"))
    return 200, _dumps(demo.frame(have if isinstance(have, str) else None))


def _dumps(value):
    # JSON as browsers read it: a number that is not finite (a loss that blew up) is sent as null.
    try:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)
    except ValueError:
        return json.dumps(_finite(value), separators=(",", ":"), allow_nan=False)


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
