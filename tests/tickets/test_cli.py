"""`hotline grids import FILE` (all rows or none, re-import updates) and `hotline duty set/show/remove`."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, select

from core.db import create_db_engine
from core.settings import get_settings
from hotline import cli
from residents.models import Building, Grid, User
from tickets.models import DutyShift


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HOTLINE_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    for name in ("wangwei", "lina"):
        monkeypatch.setattr(sys, "stdin", io.StringIO("a long password\n"))
        assert cli.main(["user", "add", name, "--role", "member"]) == 0
    yield tmp_path
    get_settings.cache_clear()


def _grids(path: Path) -> dict[str, tuple[str, str | None]]:
    engine = create_db_engine(f"sqlite:///{path / 'hotline.db'}")
    with Session(engine) as session:
        grids = {g.id: g for g in session.exec(select(Grid))}
        found = {b.name: (grids[b.grid_id].name, grids[b.grid_id].member) for b in session.exec(select(Building))}
    engine.dispose()
    return found


def test_import_then_reimport_updates(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv = cli_env / "grids.csv"
    csv.write_text(
        "\ufeffgrid,building,member\n第一网格,8栋,wangwei\n第一网格,9号楼,wangwei\n第二网格,3栋,lina\n",
        encoding="utf-8",
    )
    assert cli.main(["grids", "import", str(csv)]) == 0
    assert "imported 3 rows" in capsys.readouterr().out
    assert _grids(cli_env) == {
        "8栋": ("第一网格", "wangwei"),
        "9栋": ("第一网格", "wangwei"),
        "3栋": ("第二网格", "lina"),
    }
    csv.write_text("grid,building,member\n第一网格,8栋,lina\n第二网格,9栋,lina\n", encoding="utf-8")
    assert cli.main(["grids", "import", str(csv)]) == 0
    assert _grids(cli_env)["9栋"] == ("第二网格", "lina") and _grids(cli_env)["8栋"] == ("第一网格", "lina")


def test_a_bad_row_is_reported_by_line_and_nothing_is_imported(
    cli_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv = cli_env / "grids.csv"
    csv.write_text(
        "grid,building,member\n第一网格,8栋,wangwei\n第一网格,9栋,nobody\n,3栋,lina\n第二网格,8栋,lina\n",
        encoding="utf-8",
    )
    assert cli.main(["grids", "import", str(csv)]) == 2
    err = capsys.readouterr().err
    assert "line 3: no active user nobody" in err and "line 4: grid is empty" in err
    assert "line 5: 8栋 is already in grid 第一网格 (line 2)" in err and "nothing imported" in err
    assert _grids(cli_env) == {}
    csv.write_text("grid;building\n", encoding="utf-8")
    assert cli.main(["grids", "import", str(csv)]) == 2
    assert "missing column" in capsys.readouterr().err


def test_duty_set_show_and_remove(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["duty", "set", "lina", "--from", "2026-01-22 18:00", "--to", "2026-01-23 08:00"]) == 0
    assert "lina on duty" in capsys.readouterr().out
    assert cli.main(["duty", "show", "--at", "2026-01-22 23:30"]) == 0
    assert "on duty at 2026-01-22 23:30: lina" in capsys.readouterr().out
    assert cli.main(["duty", "show", "--at", "2026-01-23 09:00"]) == 0
    assert "无人值班" in capsys.readouterr().out
    engine = create_db_engine(f"sqlite:///{cli_env / 'hotline.db'}")
    with Session(engine) as session:
        shift = session.exec(select(DutyShift)).one()
        assert shift.starts_at.hour == 10  # 18:00 in Beijing is 10:00 UTC
        assert session.exec(select(User).where(User.username == "lina")).one().active
    engine.dispose()
    assert cli.main(["duty", "set", "ghost", "--from", "2026-01-22 18:00", "--to", "2026-01-23 08:00"]) == 2
    assert cli.main(["duty", "set", "lina", "--from", "2026-01-23 18:00", "--to", "2026-01-23 08:00"]) == 2
    assert cli.main(["duty", "set", "lina", "--from", "tonight", "--to", "2026-01-23 08:00"]) == 2
    assert cli.main(["duty", "remove", str(shift.id)]) == 0
    assert cli.main(["duty", "remove", str(shift.id)]) == 2
