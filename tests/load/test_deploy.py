"""The compose file is documentation (no Docker engine in CI): it must still say what the README says."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from core.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def test_compose_runs_two_instances_on_postgres_and_redis_behind_a_proxy() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "proxy", "hotline-1", "hotline-2"} <= set(services)
    for name in ("hotline-1", "hotline-2"):
        service = services[name]
        env = service["environment"]
        assert env["HOTLINE_ENV"] == "production"
        assert (
            env["HOTLINE_DATABASE_URL"].startswith("postgresql://") and "@postgres:5432/" in env["HOTLINE_DATABASE_URL"]
        )
        assert env["HOTLINE_REDIS_URL"].startswith("redis://redis:")
        assert service["command"][:2] == ["hotline", "serve"] and "--workers" in service["command"]
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert any(volume.endswith(":/data") for volume in service["volumes"])  # the spool survives a restart
    spools = {services[name]["volumes"][0].split(":")[0] for name in ("hotline-1", "hotline-2")}
    assert len(spools) == 2  # one spool per instance
    nginx = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert "server hotline-1:8000" in nginx and "server hotline-2:8000" in nginx
    assert re.search(r"proxy_read_timeout\s+5s", nginx)


def test_every_setting_the_deployment_names_exists() -> None:
    names = set(re.findall(r"HOTLINE_[A-Z_]+", (DEPLOY / "compose.yaml").read_text(encoding="utf-8")))
    names |= set(re.findall(r"^(HOTLINE_[A-Z_]+)=", (DEPLOY / "hotline.env.example").read_text(), re.MULTILINE))
    known = {f"HOTLINE_{field.upper()}" for field in Settings.model_fields}
    assert names and names <= known, names - known
