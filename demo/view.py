"""The page's live part as a streamlit component: plain HTML and JavaScript in demo/component/.

`view(frame, token, key)` draws a frame of `demo.session.Demo` and hands the page its token for
the live channel (demo/live.py), through which it sends its events and gets the frames while
playing. The component's value is {"table": points version}: set when the points changed on the
map, it reruns the app, so that the table of points shows them.
"""
import pathlib

import streamlit.components.v1 as components

from demo import live

FOLDER = pathlib.Path(__file__).resolve().parent / "component"

_component = components.declare_component("micrograd_demo", path=str(FOLDER))


def view(frame, token, key):
    """Draw `frame`; the page talks to its demo through `token` (demo.live.ROUTE)."""
    return _component(frame=frame, api=live.ROUTE.replace("{token}", token), key=key, default=None)
