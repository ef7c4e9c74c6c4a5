"""``hotline kb export FILE``, ``hotline kb import FILE`` and ``hotline kb check``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.settings import get_settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


def _engine(args: argparse.Namespace) -> Engine:
    """The migrated database the top-level CLI hands every command (``args.open_engine``)."""
    return args.open_engine(get_settings().database_url)


def cmd_export(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from knowledge.io import export_file

    with Session(_engine(args)) as session:
        count = export_file(session=session, path=Path(args.file))
    print(f"exported {count} entries to {args.file}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from knowledge.io import import_file
    from knowledge.loader import ContentError

    path = Path(args.file)
    if not path.is_file():
        print(f"error: {args.file}: no such file", file=sys.stderr)
        return 2
    with Session(_engine(args)) as session:
        try:
            report = import_file(session=session, path=path, label=args.file)
        except ContentError as error:
            session.rollback()
            for line in error.problems:
                print(line, file=sys.stderr)
            print(f"{args.file}: {len(error.problems)} 处错误，未导入任何条目", file=sys.stderr)
            return 1
        if args.dry_run:
            session.rollback()
            print(f"{args.file}: 检查通过（试运行，未写入）：{report.summary()}")
            return 0
        session.commit()
    # A running server notices the change within a second (KnowledgeBase.refresh_if_stale).
    print(f"{args.file}: 导入完成：{report.summary()}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from knowledge.loader import CONTENT_DIR, ContentError, load_content

    directory = Path(args.directory) if args.directory else CONTENT_DIR
    try:
        entries = load_content(directory)
    except ContentError as error:
        for line in error.problems:
            print(line, file=sys.stderr)
        return 1
    print(f"{directory}: {len(entries)} entries, all valid")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    kb = subparsers.add_parser("kb", help="policy knowledge base: import, export, check")
    actions = kb.add_subparsers(dest="action", required=True)

    export = actions.add_parser("export", help="write the whole base (drafts and superseded too) as YAML")
    export.add_argument("file")
    export.set_defaults(func=cmd_export)

    load = actions.add_parser("import", help="validate a YAML file, then add or update its entries by key")
    load.add_argument("file")
    load.add_argument("--dry-run", action="store_true", help="validate and report, write nothing")
    load.set_defaults(func=cmd_import)

    check = actions.add_parser("check", help="validate the built-in content files (or another folder)")
    check.add_argument("directory", nargs="?")
    check.set_defaults(func=cmd_check)
