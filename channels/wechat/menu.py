"""`hotline menu publish FILE`: check a custom menu against WeChat's rules, then post it.

自定义菜单创建接口：https://developers.weixin.qq.com/doc/offiaccount/Custom_Menus/Creating_Custom-Defined_Menu.html
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bot.intents import MenuKey
from core.settings import get_settings

DEFAULT_MENU = Path(__file__).with_name("menu.json")
# WeChat's limits: 3 top-level buttons of 16 bytes, 5 sub-buttons of 60 bytes each.
MAX_BUTTONS, MAX_SUB_BUTTONS = 3, 5
MAX_NAME_BYTES, MAX_SUB_NAME_BYTES = 16, 60
MAX_KEY_BYTES, MAX_URL_BYTES = 128, 1024
KNOWN_KEYS = {key.value for key in MenuKey}


class MenuError(ValueError):
    """The menu breaks one of WeChat's rules; the message names the button."""


def _check_action(button: dict[str, Any], where: str) -> None:
    kind = button.get("type")
    if kind == "click":
        key = button.get("key")
        if not isinstance(key, str) or not key or len(key.encode()) > MAX_KEY_BYTES:
            raise MenuError(f"{where}: a click button needs a key of 1–{MAX_KEY_BYTES} bytes")
        if key not in KNOWN_KEYS:
            raise MenuError(f"{where}: key {key!r} starts nothing; known keys: {', '.join(sorted(KNOWN_KEYS))}")
    elif kind == "view":
        url = button.get("url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url.encode()) > MAX_URL_BYTES:
            raise MenuError(f"{where}: a view button needs an http(s) url of at most {MAX_URL_BYTES} bytes")
    else:
        raise MenuError(f"{where}: type must be click or view, or give sub_button")


def validate(menu: Any) -> dict[str, Any]:
    """The menu itself when it keeps WeChat's rules; else MenuError naming the first offending button."""
    buttons = menu.get("button") if isinstance(menu, dict) else None
    if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_BUTTONS:
        raise MenuError(f"menu: 'button' must list 1–{MAX_BUTTONS} buttons")
    for i, button in enumerate(buttons, 1):
        name = button.get("name") if isinstance(button, dict) else None
        if not isinstance(name, str) or not name or len(name.encode()) > MAX_NAME_BYTES:
            raise MenuError(f"button {i}: name must be 1–{MAX_NAME_BYTES} bytes (5 汉字)")
        subs = button.get("sub_button")
        if subs is None:
            _check_action(button, f"button {i} ({name})")
            continue
        if not isinstance(subs, list) or not 1 <= len(subs) <= MAX_SUB_BUTTONS:
            raise MenuError(f"button {i} ({name}): sub_button must list 1–{MAX_SUB_BUTTONS} buttons")
        for j, sub in enumerate(subs, 1):
            where = f"button {i}.{j}"
            sub_name = sub.get("name") if isinstance(sub, dict) else None
            if not isinstance(sub_name, str) or not sub_name or len(sub_name.encode()) > MAX_SUB_NAME_BYTES:
                raise MenuError(f"{where}: name must be 1–{MAX_SUB_NAME_BYTES} bytes")
            _check_action(sub, f"{where} ({sub_name})")
    return dict(menu)


def cmd_publish(args: argparse.Namespace) -> int:
    from channels.wechat.client import WeChatClient, WeChatError, WeChatUnavailable, token_store_for

    try:
        menu = validate(json.loads(Path(args.file).read_text(encoding="utf-8")))
    except (OSError, json.JSONDecodeError, MenuError) as error:
        print(f"error: {args.file}: {error}", file=sys.stderr)
        return 2
    if args.dry_run:
        print(f"{args.file}: menu is valid ({len(menu['button'])} buttons)")
        return 0
    settings = get_settings()
    engine = args.open_engine(settings.database_url)
    client = WeChatClient(settings, token_store_for(settings, engine))
    try:
        client.create_menu(menu)
    except WeChatError as error:
        print(f"error: WeChat refused the menu: {error}", file=sys.stderr)
        return 1
    except WeChatUnavailable as error:
        print(f"error: WeChat's API cannot be reached: {error}", file=sys.stderr)
        return 1
    print(f"menu published ({len(menu['button'])} buttons)")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("menu", help="the official account's custom menu")
    menu = parser.add_subparsers(dest="action", required=True)
    publish = menu.add_parser("publish", help=f"check FILE and post it to WeChat (default menu: {DEFAULT_MENU})")
    publish.add_argument(
        "file", nargs="?", default=str(DEFAULT_MENU), help="the menu as JSON (default: the built-in one)"
    )
    publish.add_argument("--dry-run", action="store_true", help="only check the file")
    publish.set_defaults(func=cmd_publish)
