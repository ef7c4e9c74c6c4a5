"""Single-message latency over POST /wechat on a real server (SQLite default), plaintext and AES.

Run from the repository root:  .venv/bin/python bench/callback_latency.py [--messages 600]
Starts `hotline serve` on a free loopback port with a fresh data folder, sends signed messages one
after another (each a new resident, as on the worst night), and prints median and p95 per mode.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from wechatpy.crypto import WeChatCrypto

TOKEN = "bench-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx0000000000000000"
TEXTS = (
    "老人打疫苗有绿色通道吗",
    "社区有抗原发吗",
    "我要买退烧药",
    "阳了在家咋个办",
    "帮助",
    "娃儿几岁能打疫苗",
    "查询进度",
    "过年回老家要注意啥子",
)


def _sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _xml(openid: str, text: str, msg_id: int) -> str:
    return (
        f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><FromUserName><![CDATA[{openid}]]></FromUserName>"
        f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
        f"<Content><![CDATA[{text}]]></Content><MsgId>{msg_id}</MsgId></xml>"
    )


def _request(i: int, mode: str, crypto: WeChatCrypto) -> tuple[dict[str, str], bytes]:
    timestamp, nonce = str(int(time.time())), f"n{i}"
    plain = _xml(f"o{mode}{i:06d}", TEXTS[i % len(TEXTS)], 10_000_000 + i)
    query = {"signature": _sign(TOKEN, timestamp, nonce), "timestamp": timestamp, "nonce": nonce}
    if mode == "plaintext":
        return query, plain.encode()
    envelope = crypto.encrypt_message(plain, nonce, timestamp)
    encrypted = envelope.split("<Encrypt><![CDATA[", 1)[1].split("]]>", 1)[0]
    query |= {"encrypt_type": "aes", "msg_signature": _sign(TOKEN, timestamp, nonce, encrypted)}
    return (
        query,
        f"<xml><ToUserName><![CDATA[gh_bench]]></ToUserName><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode(),
    )


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=600, help="messages per mode")
    parser.add_argument("--warmup", type=int, default=40)
    args = parser.parse_args()
    port = _free_port()
    with tempfile.TemporaryDirectory() as data:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")} | {
            "HOTLINE_DATA_DIR": data,
            "HOTLINE_WECHAT_TOKEN": TOKEN,
            "HOTLINE_WECHAT_AES_KEY": AES_KEY,
            "HOTLINE_WECHAT_APPID": APPID,
            "HOTLINE_LOG_LEVEL": "WARNING",
        }
        server = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            with httpx.Client(base_url=base, timeout=10) as http:
                deadline = time.monotonic() + 90
                while True:
                    try:
                        if http.get("/healthz").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("server did not start")
                    time.sleep(0.2)
                crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)
                results: dict[str, list[float]] = {}
                counter = 0
                for mode in ("plaintext", "aes"):
                    timings = []
                    for i in range(args.warmup + args.messages):
                        counter += 1
                        query, body = _request(counter, mode, crypto)
                        start = time.perf_counter()
                        response = http.post("/wechat", params=query, content=body)
                        elapsed = (time.perf_counter() - start) * 1000
                        if response.status_code != 200 or response.text == "success":
                            raise SystemExit(f"unexpected answer {response.status_code}: {response.text[:200]}")
                        if i >= args.warmup:
                            timings.append(elapsed)
                    results[mode] = timings
        finally:
            server.terminate()
            server.wait(timeout=10)
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    print(f"machine: {os.cpu_count()} cores, {cpu}, Python {platform.python_version()}")
    print(f"{'mode':<10} {'messages':>8} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for mode, timings in results.items():
        print(
            f"{mode:<10} {len(timings):>8} {statistics.median(timings):>10.2f} "
            f"{_percentile(timings, 0.95):>8.2f} {max(timings):>8.2f}"
        )


if __name__ == "__main__":
    main()
