"""A live service on a loopback port and headless Debian Chromium, for the browser tests.

Chromium is the distribution's package (/usr/bin/chromium; `.ci/run` installs it): the tests never
download a browser and skip, saying why, when it is missing. Screenshots go to ``screenshots/``
(git-ignored).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.engine import Engine

from core.settings import Settings
from hotline.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 667}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    base_url: str
    engine: Engine
    app: Any


def serve(settings: Settings) -> Iterator[LiveServer]:
    """The whole service (worker on, fast) in a thread; stopped at the end."""
    app = create_app(settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, name="live-hotline", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.05)
    try:
        # Chromium keeps Secure cookies on loopback over plain http (a potentially trustworthy origin).
        yield LiveServer(f"http://127.0.0.1:{port}", app.state.engine, app)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def chromium() -> Any:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[test]' brings playwright")
    return playwright_api


def shot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
