"""The operator CLI: staff accounts, tokens, and `hotline serve` on its embedded defaults."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select

from core.db import create_db_engine
from core.settings import get_settings
from hotline import cli
from residents import accounts
from residents.models import User


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_user_add_reads_the_password_from_stdin_and_hashes_it(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long password\n"))
    assert cli.main(["user", "add", "wangwei", "--role", "member"]) == 0
    engine = create_db_engine(f"sqlite:///{cli_env / 'hotline.db'}")
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "wangwei")).one()
        assert user.role == "member"
        assert "a long password" not in user.password_hash
        assert accounts.verify_password(user, "a long password")
        assert not accounts.verify_password(user, "wrong password")


def test_user_add_rejects_short_passwords_and_duplicates(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("short\n"))
    assert cli.main(["user", "add", "lifang", "--role", "staff"]) == 2
    assert "at least 8" in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.StringIO("long enough pw\n"))
    assert cli.main(["user", "add", "lifang", "--role", "staff"]) == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("long enough pw\n"))
    assert cli.main(["user", "add", "lifang", "--role", "staff"]) == 2
    assert "already exists" in capsys.readouterr().err


def test_token_issue_prints_a_working_token_as_its_last_line(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long password\n"))
    cli.main(["user", "add", "admin", "--role", "admin"])
    capsys.readouterr()
    assert cli.main(["token", "issue", "admin"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    engine = create_db_engine(f"sqlite:///{cli_env / 'hotline.db'}")
    with Session(engine) as session:
        user = accounts.user_for_token(session=session, token=token)
        assert user is not None and user.username == "admin"
        assert accounts.user_for_token(session=session, token=token + "x") is None
    assert cli.main(["token", "issue", "nobody"]) == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_starts_on_embedded_defaults_and_answers_healthz(tmp_path: Path) -> None:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
    server = subprocess.Popen(
        [sys.executable, "-m", "hotline.cli", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                if server.poll() is not None or time.monotonic() > deadline:
                    output = server.stdout.read().decode() if server.stdout else ""
                    pytest.fail(f"hotline serve did not come up:\n{output}")
                time.sleep(0.2)
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert int(body["checks"]["knowledge"].split()[0]) > 0, "the built-in knowledge base was not loaded"
        assert (tmp_path / "var" / "hotline.db").exists()
        assert (tmp_path / "var" / "secrets.json").exists()
    finally:
        server.terminate()
        server.wait(timeout=10)
        if server.stdout:
            server.stdout.close()


def test_chat_reads_piped_lines_through_the_pipeline(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("社区有抗原发吗\n1\n同意\nquit\n我要退烧药\n"))
    assert cli.main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "回复“同意”继续" in out and "几口人" in out
    assert "退烧" not in out.split("几口人", 1)[1]  # nothing after quit


def test_chat_at_a_terminal_ends_quietly_on_ctrl_d_and_ctrl_c(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal())
    for ending in (EOFError, KeyboardInterrupt):

        def fake_input(
            prompt: str = "", typed: Iterator[str] = iter(["帮助"]), ending: type[BaseException] = ending
        ) -> str:
            try:
                return next(typed)
            except StopIteration:
                raise ending from None

        monkeypatch.setattr("builtins.input", fake_input)
        assert cli.main(["chat"]) == 0
        assert "1. 申请抗原" in capsys.readouterr().out


def test_purge_asks_before_redacting_and_cron_needs_yes(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # no terminal, as from cron
    assert cli.main(["purge", "--days", "0"]) == 1
    assert "--yes" in capsys.readouterr().err
    assert cli.main(["purge", "--days", "0", "--yes"]) == 0
    assert "redacted" in capsys.readouterr().out

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdin", Terminal("n\n"))
    assert cli.main(["purge", "--days", "0"]) == 1
    assert "nothing redacted" in capsys.readouterr().out
    monkeypatch.setattr(sys, "stdin", Terminal("y\n"))
    assert cli.main(["purge", "--days", "0"]) == 0


def test_operators_list_disable_reset_and_revoke(
    cli_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("a long password\n"))
    cli.main(["user", "add", "wangwei", "--role", "member", "--display-name", "王伟"])
    cli.main(["token", "issue", "wangwei"])
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert cli.main(["user", "list"]) == 0
    listing = capsys.readouterr().out
    assert "wangwei" in listing and "member" in listing and "active" in listing
    engine = create_db_engine(f"sqlite:///{cli_env / 'hotline.db'}")

    assert cli.main(["user", "disable", "wangwei"]) == 0
    with Session(engine) as session:
        assert accounts.user_for_token(session=session, token=token) is None  # disabled: no API access
    assert "disabled" in (capsys.readouterr().out + "") and cli.main(["user", "list"]) == 0
    assert "disabled" in capsys.readouterr().out
    assert cli.main(["user", "enable", "wangwei"]) == 0
    with Session(engine) as session:
        assert accounts.user_for_token(session=session, token=token) is None  # its tokens stay revoked

    monkeypatch.setattr(sys, "stdin", io.StringIO("a new long password\n"))
    assert cli.main(["user", "reset-password", "wangwei"]) == 0
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == "wangwei")).one()
        assert accounts.verify_password(user, "a new long password")
        assert not accounts.verify_password(user, "a long password")

    cli.main(["token", "issue", "wangwei"])
    fresh = capsys.readouterr().out.strip().splitlines()[-1]
    assert cli.main(["token", "revoke", "wangwei"]) == 0
    assert "1 token(s)" in capsys.readouterr().out
    with Session(engine) as session:
        assert accounts.user_for_token(session=session, token=fresh) is None
    assert cli.main(["user", "disable", "nobody"]) == 2
    assert "no user nobody" in capsys.readouterr().err
