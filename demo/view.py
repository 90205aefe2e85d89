"""The page's live part as a streamlit component: plain HTML and JavaScript in demo/component/.

`view(frame, key)` draws a frame of `demo.session.Demo` and returns what the page sent back:
{"events": [...], "layout": key of the graph layout it holds} (None before its first event).
"""
import pathlib

import streamlit.components.v1 as components

FOLDER = pathlib.Path(__file__).resolve().parent / "component"

_component = components.declare_component("micrograd_demo", path=str(FOLDER))


def view(frame, key, on_change=None):
    """Draw `frame`; the component's value (its events) is in `st.session_state[key]`."""
    return _component(frame=frame, key=key, default=None, on_change=on_change)
