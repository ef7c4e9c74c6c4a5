"""``hotline user add|list|disable|enable|reset-password`` and ``hotline token issue|revoke``."""

from __future__ import annotations

import argparse
import getpass
import sys
from collections.abc import Callable

from sqlmodel import Session

from core.db import session_scope
from core.settings import get_settings
from residents import accounts
from residents.models import Role


def _read_password(prompt: str = "Password: ") -> str:
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    return sys.stdin.readline().rstrip("\r\n")


def _run(args: argparse.Namespace, change: Callable[[Session], str]) -> int:
    """Apply ``change`` in one transaction and print what it says; an account error is exit code 2."""
    engine = args.open_engine(get_settings().database_url)
    try:
        with session_scope(engine) as session:
            said = change(session)
    except accounts.AccountError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(said)
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    password = _read_password()

    def add(session: Session) -> str:
        accounts.add_user(
            session=session, username=args.name, role=args.role, password=password, display_name=args.display_name
        )
        return f"user {args.name} ({args.role}) added"

    return _run(args, add)


def cmd_list(args: argparse.Namespace) -> int:
    engine = args.open_engine(get_settings().database_url)
    with session_scope(engine) as session:
        users = accounts.list_users(session=session)
    print(f"{'username':<20}{'role':<12}{'status':<10}{'wechat':<8}name")
    for user in users:
        status = "active" if user.active else "disabled"
        bound = "bound" if user.openid else "-"
        print(f"{user.username:<20}{user.role!s:<12}{status:<10}{bound:<8}{user.display_name}")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    def disable(session: Session) -> str:
        accounts.set_active(session=session, username=args.name, active=False)
        return f"user {args.name} disabled (signed out, API tokens revoked)"

    return _run(args, disable)


def cmd_enable(args: argparse.Namespace) -> int:
    def enable(session: Session) -> str:
        accounts.set_active(session=session, username=args.name, active=True)
        return f"user {args.name} enabled"

    return _run(args, enable)


def cmd_reset_password(args: argparse.Namespace) -> int:
    password = _read_password("New password: ")

    def reset(session: Session) -> str:
        accounts.reset_password(session=session, username=args.name, password=password)
        return f"password of {args.name} reset (signed out everywhere)"

    return _run(args, reset)


def cmd_token_issue(args: argparse.Namespace) -> int:
    def issue(session: Session) -> str:
        token = accounts.issue_token(session=session, username=args.name)
        return f"API token for {args.name} (shown once; send it as 'Authorization: Bearer <token>'):\n{token}"

    return _run(args, issue)


def cmd_token_revoke(args: argparse.Namespace) -> int:
    def revoke(session: Session) -> str:
        return f"{accounts.revoke_tokens(session=session, username=args.name)} token(s) of {args.name} revoked"

    return _run(args, revoke)


def register(sub: argparse._SubParsersAction) -> None:
    user = sub.add_parser("user", help="staff accounts").add_subparsers(dest="action", required=True)
    add = user.add_parser("add", help="add a user; the password is read from standard input")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument("--display-name", default="")
    add.set_defaults(func=cmd_add)
    user.add_parser("list", help="every account with its role and status").set_defaults(func=cmd_list)
    for name, func, text in (
        ("disable", cmd_disable, "disable an account: signed out, its API tokens revoked"),
        ("enable", cmd_enable, "enable a disabled account"),
        ("reset-password", cmd_reset_password, "set a new password (read from standard input)"),
    ):
        action = user.add_parser(name, help=text)
        action.add_argument("name")
        action.set_defaults(func=func)

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="action", required=True)
    issue = token.add_parser("issue", help="issue a new API token (printed as the last line)")
    issue.add_argument("name")
    issue.set_defaults(func=cmd_token_issue)
    revoke = token.add_parser("revoke", help="revoke every API token of a user")
    revoke.add_argument("name")
    revoke.set_defaults(func=cmd_token_revoke)
