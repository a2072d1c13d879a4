"""The interactive API documentation renders in a real browser under the strict CSP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

pytestmark = pytest.mark.browser


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    """Serve the app on a free local port for the browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_swagger_ui_lists_the_api_after_signing_in_with_no_csp_violation(
        live_url: str, world: Any, page: Any) -> None:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" else None)
    page.goto(f"{live_url}/api/docs")
    assert "/login" in page.url
    page.fill("#email", world.a.emails["auditor"])
    page.fill("#password", "correct horse battery staple")
    page.click("button[type=submit]")
    page.goto(f"{live_url}/api/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=15_000)
    text = page.inner_text("body")
    assert "/api/proposals/{proposal_id}/decide" in text
    assert not [p for p in problems if "Content Security Policy" in p], problems
