"""Settings: development works with nothing configured; production refuses unsafe secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.settings import Environment, SettingsError, load_settings


def test_development_generates_secrets_once_and_keeps_them_beside_the_database(tmp_path: Path) -> None:
    first = load_settings(data_dir=tmp_path)
    second = load_settings(data_dir=tmp_path)
    assert first.env is Environment.DEVELOPMENT
    assert len(first.secret_key) >= 32 and len(first.wechat_token) >= 32
    assert (first.secret_key, first.wechat_token) == (second.secret_key, second.wechat_token)
    stored = json.loads((tmp_path / "secrets.json").read_text())
    assert stored["secret_key"] == first.secret_key
    assert (tmp_path / "secrets.json").stat().st_mode & 0o077 == 0
    assert first.database_url == f"sqlite:///{(tmp_path / 'hotline.db').as_posix()}"
    assert first.simulator_enabled is True


def _production(**overrides: object) -> dict[str, object]:
    values: dict[str, object] = {
        "env": "production",
        "secret_key": "s" * 40,
        "wechat_token": "a-real-token",
        "wechat_appid": "wx1234567890",
        "wechat_secret": "0123456789abcdef",
        "office_phone": "023-61234567",
        "emergency_phone": "023-61230120",
    }
    values.update(overrides)
    return values


def test_production_accepts_real_secrets_and_disables_the_simulator(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path, **_production())
    assert settings.simulator_enabled is False
    assert not (tmp_path / "secrets.json").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("secret_key", ""),
        ("secret_key", "changeme"),
        ("secret_key", "short"),
        ("wechat_token", "token"),
        ("wechat_appid", ""),
        ("office_phone", ""),
    ],
)
def test_production_refuses_missing_or_placeholder_secrets(tmp_path: Path, field: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"HOTLINE_{field.upper()}"):
        load_settings(data_dir=tmp_path, **_production(**{field: value}))


def test_aes_key_must_be_43_characters(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="43"):
        load_settings(data_dir=tmp_path, wechat_aes_key="tooshort")


def test_environment_variables_are_read_with_the_prefix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_DATABASE_URL", f"sqlite:///{tmp_path}/other.db")
    monkeypatch.setenv("HOTLINE_WECHAT_TIMESTAMP_WINDOW", "60")
    settings = load_settings(data_dir=tmp_path)
    assert settings.database_url.endswith("other.db")
    assert settings.wechat_timestamp_window == 60


def test_the_replay_window_cannot_be_switched_off(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="wechat_timestamp_window"):
        load_settings(data_dir=tmp_path, wechat_timestamp_window=0)
