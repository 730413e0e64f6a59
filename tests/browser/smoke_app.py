"""A throwaway Solara page for the browser smoke test: a heading, a counter text and a button.

Not part of govsim: it only proves that the fixtures in conftest.py work (a server starts, the page
loads over Solara's websocket, a click goes to the server and back, a screenshot is taken). The
Markdown heading also makes the page load its Markdown renderer's assets (mermaid, KaTeX) through
Solara's asset proxy, and puts Chinese text in the screenshot.
"""

import solara


@solara.component
def Page():
    clicks, set_clicks = solara.use_state(0)
    solara.Markdown("# govsim browser smoke test 基层治理")
    solara.Text(f"Clicked: {clicks}", classes=["smoke-counter"])
    solara.Button("Increment", on_click=lambda: set_clicks(clicks + 1))
