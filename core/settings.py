"""Settings from ``HOTLINE_*`` environment variables, validated at start.

In development (the default) missing secrets are generated once and kept in
``secrets.json`` beside the SQLite database, so ``hotline serve`` works with no
configuration at all. In production a missing or placeholder secret refuses to start.
"""

from __future__ import annotations

import json
import secrets
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "token", "placeholder", "xxx", "test"}


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


class SettingsError(ValueError):
    """A setting is missing or unsafe; the message names the variable."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HOTLINE_", extra="ignore")

    env: Environment = Environment.DEVELOPMENT
    data_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str | None = None
    redis_prefix: str = "hotline"  # every key starts with it: several services (or test runs) share one Redis

    secret_key: str = ""
    wechat_token: str = ""
    wechat_appid: str = ""
    wechat_secret: str = ""
    wechat_aes_key: str | None = None
    # Tencent advises accepting the previous EncodingAESKey while a rotation settles.
    wechat_previous_aes_key: str | None = None
    wechat_api_base: str = "https://api.weixin.qq.com"
    wechat_timestamp_window: int = Field(default=300, ge=1)
    wechat_reply_budget_ms: int = Field(default=4000, ge=100, le=4800)
    # Admission: a message expected to wait longer than this in the work queue is stored, answered
    # `success` at once and answered later by the backlog (customer-service message).
    queue_budget_ms: int = Field(default=2000, ge=50, le=4500)
    # Threads that run turns: 0 chooses (4 on SQLite, whose writes are one at a time anyway, so more
    # threads only take the interpreter from the event loop; 16 on PostgreSQL).
    handler_threads: int = Field(default=0, ge=0, le=256)
    rate_limit_per_minute: int = Field(default=20, ge=0)  # messages per resident per minute; 0: no limit

    simulator_enabled: bool | None = None
    community_name: str = "本社区"
    region: str = ""  # the default community's province (重庆, 辽宁 …); empty: entries of every region
    office_phone: str = ""
    emergency_phone: str = ""
    antigen_allowance: int = Field(default=4, ge=1, le=50)
    conversation_timeout_minutes: int = Field(default=30, ge=1)

    # Tickets: acknowledgement deadlines per priority, notifications, the background worker.
    sla_urgent_minutes: int = Field(default=10, ge=1)
    sla_high_minutes: int = Field(default=60, ge=1)
    sla_normal_minutes: int = Field(default=240, ge=1)
    wecom_webhook_url: str | None = None  # 企业微信群机器人 webhook for the committee's work group
    wechat_template_ticket: str = ""  # template id: new / escalated ticket notice to a member
    wechat_template_status: str = ""  # template id: status notice to a resident outside the window
    cs_window_hours: int = Field(default=48, ge=1)  # customer-service window after a resident's message
    cs_window_limit: int = Field(default=5, ge=1)  # messages allowed in that window (documented 5, seen 20)
    worker_enabled: bool = True
    worker_interval_seconds: float = Field(default=5.0, gt=0)
    outbox_max_backoff_seconds: int = Field(default=600, ge=1)
    timezone: str = "Asia/Shanghai"  # ticket numbers' day and duty night hours are local
    duty_night_start_hour: int = Field(default=22, ge=0, le=23)
    duty_night_end_hour: int = Field(default=7, ge=0, le=23)
    console_base_url: str = ""  # e.g. https://hotline.example.org; links in member notifications

    log_level: str = "INFO"
    log_json: bool = False

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'hotline.db').as_posix()}"
        if self.simulator_enabled is None:
            self.simulator_enabled = self.env is Environment.DEVELOPMENT
        if self.wechat_aes_key is not None and self.wechat_aes_key == "":
            self.wechat_aes_key = None
        for name in ("wechat_aes_key", "wechat_previous_aes_key"):
            key = getattr(self, name)
            if key is not None and len(key) != 43:
                raise SettingsError(f"HOTLINE_{name.upper()} must be 43 characters (EncodingAESKey)")
        return self

    @property
    def is_development(self) -> bool:
        return self.env is Environment.DEVELOPMENT

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def turn_threads(self) -> int:
        return self.handler_threads or (4 if self.is_sqlite else 16)


_GENERATED = ("secret_key", "wechat_token")
_DEV_DEFAULTS = {
    "office_phone": "023-12345678（开发环境示例号码）",
    "emergency_phone": "023-87654321（开发环境示例号码）",
}


def _ensure_secrets(settings: Settings) -> Settings:
    """Generate development secrets once, or refuse unsafe production ones."""
    if not settings.is_development:
        for name in (*_GENERATED, "wechat_appid", "wechat_secret", "office_phone", "emergency_phone"):
            value = getattr(settings, name)
            if value.strip().lower() in PLACEHOLDER_SECRETS:
                raise SettingsError(f"HOTLINE_{name.upper()} is missing or a placeholder; production refuses it")
        if len(settings.secret_key) < 32:
            raise SettingsError("HOTLINE_SECRET_KEY must be at least 32 characters in production")
        return settings
    store = settings.data_dir / "secrets.json"
    saved: dict[str, str] = json.loads(store.read_text()) if store.exists() else {}
    changed = False
    for name in _GENERATED:
        if not getattr(settings, name):
            if name not in saved:
                saved[name] = secrets.token_urlsafe(32)
                changed = True
            setattr(settings, name, saved[name])
    for name, value in _DEV_DEFAULTS.items():
        if not getattr(settings, name):
            setattr(settings, name, value)
    if changed:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        store.write_text(json.dumps(saved, indent=2))
        store.chmod(0o600)
    return settings


def load_settings(**overrides: object) -> Settings:
    """Read and validate settings; overrides win over the environment (tests, CLI flags)."""
    return _ensure_secrets(Settings(**overrides))  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
