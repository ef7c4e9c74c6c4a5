"""`hotline menu publish FILE` against a local fake of WeChat's API."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.intents import MENU_INTENTS, MenuKey
from channels.wechat.menu import DEFAULT_MENU, MenuError, validate
from core.settings import get_settings
from hotline import cli
from tests.fakes.wechat_api import APPID, SECRET, FakeWeChat


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeWeChat]:
    with FakeWeChat() as wechat:
        monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
        monkeypatch.setenv("HOTLINE_WECHAT_API_BASE", wechat.base_url)
        monkeypatch.setenv("HOTLINE_WECHAT_APPID", APPID)
        monkeypatch.setenv("HOTLINE_WECHAT_SECRET", SECRET)
        get_settings.cache_clear()
        yield wechat
    get_settings.cache_clear()


def test_the_default_menu_keeps_wechats_rules_and_every_click_starts_something() -> None:
    menu = validate(json.loads(DEFAULT_MENU.read_text()))
    keys = [sub["key"] for button in menu["button"] for sub in button["sub_button"]]
    assert set(keys) == {key.value for key in MenuKey}
    assert all(key in MENU_INTENTS or key == MenuKey.HELP for key in keys)


@pytest.mark.parametrize(
    ("menu", "message"),
    [
        ({"button": []}, "1–3 buttons"),
        ({"button": [{"name": f"b{i}", "type": "click", "key": "MENU_HELP"} for i in range(4)]}, "1–3 buttons"),
        ({"button": [{"name": "一个太长的菜单名字", "type": "click", "key": "MENU_HELP"}]}, "button 1"),
        ({"button": [{"name": "帮助", "type": "click", "key": "NO_SUCH_KEY"}]}, "starts nothing"),
        ({"button": [{"name": "帮助"}]}, "type must be"),
        ({"button": [{"name": "网页", "type": "view", "url": "javascript:alert(1)"}]}, "http(s) url"),
        ({"button": [{"name": "办事", "sub_button": [{"name": "x", "type": "click", "key": "MENU_HELP"}] * 6}]}, "1–5"),
    ],
)
def test_invalid_menus_are_refused_naming_the_button(menu: dict, message: str) -> None:
    with pytest.raises(MenuError, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate(menu)


def test_publish_posts_the_menu_with_a_stable_token(fake: FakeWeChat, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["menu", "publish", str(DEFAULT_MENU)]) == 0
    sent = fake.sent("/cgi-bin/menu/create")
    assert len(sent) == 1
    assert sent[0].json == json.loads(DEFAULT_MENU.read_text())
    assert fake.calls("/cgi-bin/stable_token")
    assert "published" in capsys.readouterr().out


def test_publish_refreshes_a_rejected_token_once(fake: FakeWeChat) -> None:
    fake.fail_next("/cgi-bin/menu/create", 40001)
    assert cli.main(["menu", "publish", str(DEFAULT_MENU)]) == 0
    assert [call.errcode for call in fake.calls("/cgi-bin/menu/create")] == [40001, 0]


def test_publish_reports_wechat_errors_and_outages(fake: FakeWeChat, capsys: pytest.CaptureFixture[str]) -> None:
    fake.fail_next("/cgi-bin/menu/create", 45009)
    assert cli.main(["menu", "publish", str(DEFAULT_MENU)]) == 1
    assert "45009" in capsys.readouterr().err
    fake.go_down()
    assert cli.main(["menu", "publish", str(DEFAULT_MENU)]) == 1
    assert "cannot be reached" in capsys.readouterr().err


def test_a_bad_file_is_refused_before_calling_wechat(
    fake: FakeWeChat, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "menu.json"
    bad.write_text('{"button": [{"name": "帮助"}]}')
    assert cli.main(["menu", "publish", str(bad)]) == 2
    assert "button 1" in capsys.readouterr().err
    assert cli.main(["menu", "publish", str(DEFAULT_MENU), "--dry-run"]) == 0
    assert fake.requests == []


def test_dry_run_without_a_file_checks_the_documented_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["menu", "publish", "--dry-run"]) == 0
    assert "menu is valid" in capsys.readouterr().out
