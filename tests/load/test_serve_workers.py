"""`hotline serve --workers 2` on PostgreSQL: two processes on one port, one conversation across them."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import uvicorn

from hotline.cli import build_parser, listening_socket
from tests.api.wechat_helpers import signed_query, text_xml
from tests.conftest import TEST_TOKEN

ROOT = Path(__file__).resolve().parents[2]


def test_serve_takes_a_number_of_workers() -> None:
    assert build_parser().parse_args(["serve", "--workers", "3"]).workers == 3
    assert build_parser().parse_args(["serve"]).workers == 1


def _nodelay_of_a_connection(listening: socket.socket) -> int:
    """TCP_NODELAY as asyncio leaves it on a connection accepted from ``listening`` (as a worker serves it)."""
    seen: list[int] = []

    async def run() -> None:
        async def handle(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.append(writer.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(handle, sock=listening)
        _reader, writer = await asyncio.open_connection(*listening.getsockname())
        await _reader.read()
        writer.close()
        server.close()

    asyncio.run(run())
    return seen[0]


def test_the_workers_connections_send_replies_at_once() -> None:
    # A reply written in two pieces must not wait for the client's delayed ACK (40 ms a message).
    config = uvicorn.Config("hotline.app:worker_app", host="127.0.0.1", port=0, workers=2)
    assert _nodelay_of_a_connection(listening_socket(config)) == 1
    # uvicorn's own socket, for contrast: asyncio leaves Nagle's algorithm on there.
    assert _nodelay_of_a_connection(config.bind_socket()) == 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_two_workers_serve_one_conversation(empty_postgres_url: str, tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")} | {
        "HOTLINE_DATA_DIR": str(tmp_path),
        "HOTLINE_DATABASE_URL": empty_postgres_url,
        "HOTLINE_WECHAT_TOKEN": TEST_TOKEN,
        "HOTLINE_WECHAT_APPID": "wx0000000000000000",
        "HOTLINE_WORKER_ENABLED": "false",
        "HOTLINE_LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "hotline.cli", "serve", "--port", str(port), "--workers", "2"]
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert server.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.3)
        children = subprocess.run(["pgrep", "-P", str(server.pid)], capture_output=True, text=True).stdout.split()
        assert len(children) >= 2  # the two workers (uvicorn may add a resource tracker)
        replies = []
        with httpx.Client(base_url=base, timeout=10) as http:
            for said in ("我要申请抗原", "同意", "3", "2", "1"):
                response = http.post("/wechat", params=signed_query(), content=text_xml("oWorkers", said).encode())
                assert response.status_code == 200
                replies.append(response.text)
        assert "同意" in replies[0] and all("<xml>" in reply for reply in replies)
    finally:
        server.terminate()
        server.wait(timeout=20)
