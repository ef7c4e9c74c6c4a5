"""Load on POST /wechat: a realistic mix from thousands of residents, against a bare endpoint, loopback only.

Run from the repository root (bounded: about a minute and a half with the defaults):

    .venv/bin/python bench/load.py                                   # SQLite, one process
    .venv/bin/python bench/load.py --workers 2 \\
        --database-url postgresql://postgres@127.0.0.1:5432/hotline_bench --redis-url redis://127.0.0.1:6379/14

It starts, on free loopback ports, a bare FastAPI endpoint (verify the signature, parse the XML, render a
fixed reply: the floor of what any handler costs) and `hotline serve` on a fresh data folder. Against each
it runs phases of ``--seconds`` at 8 and 64 connections, then a burst of ``--burst-seconds`` at 256 on
the service, waits 5 s and times single messages one after another. Each request is a new message (its own
MsgId) from one of ``--residents`` residents. The client is a small asyncio HTTP/1.1 keep-alive client
(pre-built requests, no parsing beyond the status line and Content-Length): it pushes well over
ten thousand requests a second on one core, so it does not limit what it measures.

Per phase: messages/s, p50/p99 latency, errors (non-200 or a broken connection), how many were
answered ``success`` (the reply then follows as a customer-service message), and the ratio to the bare
endpoint at the same concurrency.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import yaml
from fastapi import FastAPI, Request
from fastapi.responses import Response

TOKEN = "bench-token"
APPID = "wx0000000000000000"
ROOT = Path(__file__).resolve().parents[1]

# What residents send on a busy night, by share. Policy questions are mostly the same few dozen.
REQUESTS = ("我要申请抗原", "帮我买点退烧药", "我想转诊去医院", "家里老人要买降压药", "社区有抗原发吗")
STATUS = ("查询进度", "帮助", "我的单子到哪了")
SMALL_TALK = ("谢谢", "你好", "好的谢谢", "辛苦了", "在吗")
EMERGENCIES = ("我爸胸口痛喘不上气", "老人晕倒了叫不醒")
MIX = (("policy", 0.55), ("request", 0.15), ("status", 0.12), ("small_talk", 0.15), ("emergency", 0.03))


def _policy_questions() -> list[str]:
    data = yaml.safe_load((ROOT / "bench" / "data" / "policy_questions.yaml").read_text(encoding="utf-8"))
    return [item["q"] for item in data["questions"]]


class Mix:
    """Draws (openid, text) pairs: a Zipf-like share over 30 popular policy questions, the rest rare."""

    def __init__(self, residents: int, seed: int = 13) -> None:
        self.random = random.Random(seed)
        questions = _policy_questions()
        self.popular, self.rare = questions[:30], questions[30:]
        self.weights = [1 / (rank + 1) for rank in range(len(self.popular))]
        self.residents = residents

    def text(self) -> str:
        draw, kind = self.random.random(), "policy"
        for name, share in MIX:
            if draw < share:
                kind = name
                break
            draw -= share
        if kind == "policy":
            if self.random.random() < 0.85:
                return self.random.choices(self.popular, self.weights)[0]
            return self.random.choice(self.rare)
        pool = {"request": REQUESTS, "status": STATUS, "small_talk": SMALL_TALK, "emergency": EMERGENCIES}[kind]
        return self.random.choice(pool)

    def openid(self) -> str:
        return f"oBench{self.random.randrange(self.residents):06d}"


def _sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


class Requests:
    """Pre-built HTTP/1.1 requests: a unique MsgId each, signed like WeChat's."""

    def __init__(self, mix: Mix, port: int) -> None:
        self.mix, self.port, self.sequence = mix, port, 0
        self.run = int(time.time() * 1000) % 10_000_000

    def next(self) -> bytes:
        self.sequence += 1
        stamp, nonce = str(int(time.time())), f"n{self.sequence}"
        query = f"signature={_sign(TOKEN, stamp, nonce)}&timestamp={stamp}&nonce={nonce}"
        text = self.mix.text()
        body = (
            f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{self.mix.openid()}]]>"
            f"</FromUserName><CreateTime>{stamp}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{text}]]></Content><MsgId>{self.run * 10_000_000 + self.sequence}</MsgId></xml>"
        ).encode()
        head = (
            f"POST /wechat?{query} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Content-Type: text/xml\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        return head + body


def cpu_seconds(pid: int) -> float:
    """CPU time used so far by ``pid`` and its children (uvicorn's workers), from /proc; 0 where unreadable."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


@dataclass
class Phase:
    name: str
    connections: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    success: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0  # server CPU seconds spent in the phase (all its processes)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))] * 1000


async def _one(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bytes]:
    writer.write(request)
    status_line = await reader.readline()
    length, headers = 0, True
    while headers:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            headers = False
        elif line[:15].lower() == b"content-length:":
            length = int(line[15:])
    body = await reader.readexactly(length)
    return int(status_line.split()[1]), body


async def _connection(port: int, requests: Requests, phase: Phase, stop_at: float) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < stop_at:
            request = requests.next()
            start = time.perf_counter()
            try:
                status, body = await asyncio.wait_for(_one(reader, writer, request), timeout=30)
            except (TimeoutError, OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                phase.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            if status != 200:
                phase.errors += 1
                continue
            phase.latencies.append(time.perf_counter() - start)
            if body == b"success":
                phase.success += 1
    finally:
        writer.close()


async def run_phase(port: int, requests: Requests, phase: Phase, pid: int = 0) -> Phase:
    cpu = cpu_seconds(pid) if pid else 0.0
    start = time.monotonic()
    stop_at = start + phase.seconds
    await asyncio.gather(*(_connection(port, requests, phase, stop_at) for _ in range(phase.connections)))
    phase.elapsed = time.monotonic() - start
    phase.cpu = cpu_seconds(pid) - cpu if pid else 0.0
    return phase


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(port: int, process: subprocess.Popen[bytes], path: str = "/healthz") -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server on {port} exited with {process.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}{path}", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"server on {port} did not start")


def bare_app() -> FastAPI:
    """Verify, parse, render a fixed reply: what the service would cost with a handler that does nothing."""
    from channels.wechat.protocol import open_envelope, parse, render_reply, verify_query
    from core.settings import load_settings

    settings = load_settings(wechat_token=TOKEN, wechat_appid=APPID, data_dir=Path(tempfile.mkdtemp()))
    app = FastAPI()

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/wechat")
    async def receive(request: Request) -> Response:
        query = dict(request.query_params)
        verify_query(query, settings)
        envelope = open_envelope(await request.body(), query, settings)
        message = parse(envelope.xml)
        return Response(render_reply(message, "您好，收到。", envelope, query["nonce"]), media_type="application/xml")

    return app


def _start_bare(port: int) -> subprocess.Popen[bytes]:
    code = (
        "import sys, uvicorn; sys.path.insert(0, 'bench'); import load; "
        f"uvicorn.run(load.bare_app(), host='127.0.0.1', port={port}, log_level='warning', access_log=False)"
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)


def _start_service(port: int, data: str, args: argparse.Namespace) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")} | {
        "HOTLINE_DATA_DIR": data,
        "HOTLINE_WECHAT_TOKEN": TOKEN,
        "HOTLINE_WECHAT_APPID": APPID,
        "HOTLINE_WECHAT_SECRET": "bench-secret",
        "HOTLINE_WECHAT_API_BASE": "http://127.0.0.1:9",  # nothing listens: late replies stay in the outbox
        "HOTLINE_LOG_LEVEL": "ERROR",
    }
    if args.database_url:
        env["HOTLINE_DATABASE_URL"] = args.database_url
    if args.redis_url:
        env["HOTLINE_REDIS_URL"] = args.redis_url
    command = [sys.executable, "-m", "hotline.cli", "serve", "--port", str(port)]
    if args.workers > 1:
        command += ["--workers", str(args.workers)]
    return subprocess.Popen(command, cwd=ROOT, env=env)


def _print(phase: Phase, bare: Phase | None) -> None:
    ratio = f"{phase.rate / bare.rate:.3f}" if bare and bare.rate else "-"
    cpu = f"{1000 * phase.cpu / len(phase.latencies):.2f}" if phase.cpu and phase.latencies else "-"
    print(
        f"{phase.name:<22} {phase.connections:>5} {len(phase.latencies):>8} {phase.rate:>9.0f} "
        f"{phase.percentile(0.5):>8.1f} {phase.percentile(0.99):>8.1f} {phase.errors:>6} {phase.success:>8} "
        f"{ratio:>7} {cpu:>8}",
        flush=True,
    )


async def _after_burst(port: int, requests: Requests, count: int) -> list[float]:
    """Single messages one after another, once the burst's clients have gone."""
    timings = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        start = time.perf_counter()
        status, _ = await _one(reader, writer, requests.next())
        timings.append((time.perf_counter() - start) * 1000)
        writer.close()
        if status != 200:
            timings[-1] = float("inf")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measured phase")
    parser.add_argument("--burst-seconds", type=float, default=10.0)
    parser.add_argument("--residents", type=int, default=5000)
    parser.add_argument("--connections", default="1,8,64", help="levels; the goals compare the last two")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--no-bare", action="store_true")
    parser.add_argument("--no-burst", action="store_true")
    parser.add_argument("--port", type=int, default=0, help="load a service already listening here (for profiling)")
    args = parser.parse_args()
    levels = [int(level) for level in args.connections.split(",")]
    mix = Mix(args.residents)
    print(f"machine: {os.cpu_count()} cores; {args.seconds:.0f} s per phase; {args.residents} residents", flush=True)
    print(
        f"{'phase':<22} {'conns':>5} {'answers':>8} {'msg/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>6} "
        f"{'success':>8} {'ratio':>7} {'cpu ms':>8}"
    )
    bare: dict[int, Phase] = {}
    if not args.no_bare:
        port = _free_port()
        server = _start_bare(port)
        try:
            _wait_ready(port, server)
            requests = Requests(mix, port)
            asyncio.run(run_phase(port, requests, Phase("warm-up", 8, 2)))
            for level in levels:
                bare[level] = asyncio.run(run_phase(port, requests, Phase("bare", level, args.seconds), server.pid))
                _print(bare[level], None)
        finally:
            server.terminate()
            server.wait(timeout=10)
    if args.port:
        requests = Requests(mix, args.port)
        for level in levels:
            _print(asyncio.run(run_phase(args.port, requests, Phase("service", level, args.seconds))), bare.get(level))
        return
    port = _free_port()
    with tempfile.TemporaryDirectory() as data:
        server = _start_service(port, data, args)
        try:
            _wait_ready(port, server)
            requests = Requests(mix, port)
            asyncio.run(run_phase(port, requests, Phase("warm-up", 8, 3)))
            service: dict[int, Phase] = {}
            for level in levels:
                phase = Phase("service", level, args.seconds)
                service[level] = asyncio.run(run_phase(port, requests, phase, server.pid))
                _print(service[level], bare.get(level))
            if len(levels) > 1 and service[levels[-2]].rate:
                ratio = service[levels[-1]].rate / service[levels[-2]].rate
                print(f"throughput at {levels[-1]} / at {levels[-2]}: {ratio:.2f}")
            if not args.no_burst:
                burst = asyncio.run(run_phase(port, requests, Phase("burst", 256, args.burst_seconds), server.pid))
                _print(burst, None)
                time.sleep(5)
                after = asyncio.run(_after_burst(port, requests, 10))
                print(
                    f"5 s after the burst, 10 single messages: median {statistics.median(after):.1f} ms, "
                    f"max {max(after):.1f} ms"
                )
        finally:
            server.terminate()
            server.wait(timeout=20)


if __name__ == "__main__":
    main()
