"""The ``hotline`` command: one CLI for operators."""

from __future__ import annotations

import argparse
import socket
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from channels.wechat import menu
from core.settings import SettingsError, get_settings
from hotline import retention
from hotline.db import open_engine
from knowledge import cli as knowledge_cli
from residents import cli as residents_cli
from tickets import cli as tickets_cli


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from core.logs import configure_logging
    from hotline.app import create_app

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    if settings.is_development:
        print(
            f"hotline (development): database {settings.database_url}\n"
            f"  talk to the bot:  hotline chat        (or POST /api/simulate with a token from `hotline token issue`)\n"
            f"  WeChat callback:  http://{args.host}:{args.port}/wechat   token in {settings.data_dir}/secrets.json",
            flush=True,
        )
    if args.workers > 1:
        from hotline.app import prepare_database

        if settings.is_sqlite:
            print("warning: several workers share SQLite's one writer; use PostgreSQL (README, Deployment)", flush=True)
        prepare_database(settings).dispose()  # migrate and seed once, not once per worker at the same time
        _serve_workers(args.host, args.port, args.workers)
        return 0
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_config=None, access_log=False)
    return 0


def listening_socket(config: Any) -> socket.socket:
    """The socket the workers of ``config`` (a ``uvicorn.Config``) share, Nagle's algorithm off on its connections.

    uvicorn opens it with protocol 0, and asyncio turns Nagle's algorithm off only on connections whose
    protocol is TCP: each reply, written in two pieces, then waited some 40 ms for the client's delayed
    ACK. The same descriptor opened again reports its protocol, and the workers inherit it.
    """
    listening = socket.socket(fileno=config.bind_socket().detach())
    listening.set_inheritable(True)
    return listening


def _serve_workers(host: str, port: int, workers: int) -> None:
    """``workers`` processes of ``hotline.app:worker_app`` on one listening socket (uvicorn's supervisor)."""
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "hotline.app:worker_app", factory=True, host=host, port=port, log_config=None, workers=workers,
        access_log=False,
    )  # fmt: skip
    Multiprocess(config, sockets=[listening_socket(config)]).run()


def _typed_lines(prompt: str) -> Iterator[str]:
    """Lines typed at the terminal until Ctrl-D or Ctrl-C (an ending, not an error)."""
    while True:
        try:
            yield input(prompt)
        except (EOFError, KeyboardInterrupt):
            print()
            return


def cmd_chat(args: argparse.Namespace) -> int:
    """Talk to the bot in the terminal through the same pipeline as WeChat (development)."""
    from bot.messages import Inbound, InboundKind
    from core.timeutil import utcnow
    from hotline.app import prepare

    settings = get_settings()
    _, pipeline = prepare(settings)
    print("和机器人对话（与微信同一流程）。输入 quit 退出。", flush=True)
    lines = sys.stdin if not sys.stdin.isatty() else _typed_lines("居民：")
    for sequence, line in enumerate(lines):
        text = line.strip()
        if text in {"quit", "exit"}:
            break
        inbound = Inbound(
            sender=args.openid,
            kind=InboundKind.TEXT,
            created_at=utcnow(),
            msg_id=f"chat-{utcnow().timestamp()}-{sequence}",
            text=text,
            simulated=True,
        )
        reply = pipeline.process(inbound)
        print(f"机器人：{reply.text or '（无回复）'}", flush=True)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hotline", description="Community service hotline")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="start the service (creates or upgrades the database)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="processes on this machine (PostgreSQL advised)")
    serve.set_defaults(func=cmd_serve)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal (simulated resident)")
    chat.add_argument("--openid", default="sim-terminal")
    chat.set_defaults(func=cmd_chat)

    # Each package offers its own commands; the order here is the order of `hotline --help`.
    for register in (
        residents_cli.register,
        knowledge_cli.register,
        tickets_cli.register,
        menu.register,
        retention.register,
    ):
        register(sub)
    # Commands get a migrated engine from here, so no package below needs to know about migrations.
    parser.set_defaults(open_engine=open_engine)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SettingsError as error:
        print(f"configuration error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
