"""Dashboard, daily report and CSV, setup, simulator, audit log: templates, context and permissions."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from residents.models import AuditEntry, Grid, User
from tests.conftest import make_token
from tests.console.conftest import form_token
from tests.console.helpers import resident_says


def test_the_dashboard_counts_todays_requests(login: Callable[[str], TestClient]) -> None:
    web = login("clerk")
    resident_says(web, "oResidentA", "转人工")
    page = web.get("/console/")
    assert page.template.name == "dashboard.html"  # type: ignore[attr-defined]
    figures = page.context["figures"]  # type: ignore[attr-defined]
    assert figures.by_type == {"人工咨询": 1}
    assert len(figures.trend) == 14 and figures.trend[-1][1] == 1
    assert len(page.context["bars"]) == 14  # type: ignore[attr-defined]
    assert login("wangwei").get("/console/").headers["location"] == "/console/tickets"


def test_a_quiet_day_is_a_zero_report_and_a_busy_one_is_not(login: Callable[[str], TestClient]) -> None:
    web = login("clerk")
    quiet = web.get("/console/report")
    assert quiet.template.name == "report.html" and quiet.context["report"].zero  # type: ignore[attr-defined]
    assert "零报告" in quiet.text
    resident_says(web, "oResidentA", "转人工")
    busy = web.get("/console/report")
    assert not busy.context["report"].zero  # type: ignore[attr-defined]
    line = busy.context["report"].lines[0]  # type: ignore[attr-defined]
    assert line.created == 1 and line.open_now == 1


def test_the_csv_downloads_and_is_audited(login: Callable[[str], TestClient], db: Engine) -> None:
    web = login("street")
    response = web.get("/console/report.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert "日期,社区,新增" in response.text and "零报告" in response.text
    with Session(db) as session:
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "export")).first() is not None
    assert login("wangwei").get("/console/report.csv").status_code == 403


def test_setup_imports_grids_and_names_bad_lines(login: Callable[[str], TestClient], db: Engine) -> None:
    web = login("clerk")
    page = web.get("/console/setup")
    assert page.template.name == "setup.html" and {"grids", "shifts", "by_grid"} <= set(page.context)  # type: ignore[attr-defined]
    token = form_token(web, "/console/setup")
    ok = web.post(
        "/console/setup/grids", data={"csrf_token": token, "csv_text": "grid,building,member\n第三网格,5栋,lina\n"}
    )
    assert ok.status_code == 200 and "已导入 1 行" in ok.text
    with Session(db) as session:
        assert session.exec(select(Grid).where(Grid.name == "第三网格")).first() is not None
    bad = web.post(
        "/console/setup/grids", data={"csrf_token": token, "csv_text": "grid,building,member\n第四网格,6栋,nobody\n"}
    )
    assert bad.status_code == 422 and "line 2" in bad.text
    shift = web.post(
        "/console/setup/duty",
        data={"csrf_token": token, "username": "lina", "starts": "2030-01-01T08:00", "ends": "2030-01-01T20:00"},
    )
    assert shift.status_code == 303
    assert [s.username for s in web.get("/console/setup").context["shifts"]] == ["lina"]  # type: ignore[attr-defined]


def test_users_and_roles_are_for_admins(login: Callable[[str], TestClient], db: Engine) -> None:
    assert login("clerk").get("/console/setup/users").status_code == 403
    web = login("boss")
    page = web.get("/console/setup/users")
    assert page.template.name == "setup_users.html"  # type: ignore[attr-defined]
    token = form_token(web, "/console/setup/users")
    added = web.post(
        "/console/setup/users",
        data={"csrf_token": token, "username": "jiedao2", "role": "supervisor", "password": "long enough pw"},
    )
    assert added.status_code == 303
    with Session(db) as session:
        user = session.exec(select(User).where(User.username == "jiedao2")).one()
    assert user.role == "supervisor"
    web.post(f"/console/setup/users/{user.id}/active", data={"csrf_token": token, "active": "0"})
    with Session(db) as session:
        assert not session.get(User, user.id).active  # type: ignore[union-attr]


def test_canned_replies_are_edited_by_staff(login: Callable[[str], TestClient]) -> None:
    web = login("clerk")
    token = form_token(web, "/console/canned")
    web.post("/console/canned", data={"csrf_token": token, "title": "稍等", "text": "请稍等，马上回复您。"})
    assert "稍等" in [r.title for r in web.get("/console/canned").context["rows"]]  # type: ignore[attr-defined]


def test_the_simulator_talks_to_the_real_pipeline(login: Callable[[str], TestClient]) -> None:
    web = login("wangwei")
    page = web.post("/console/simulator", data={"csrf_token": form_token(web, "/console/simulator"), "text": "帮助"})
    assert page.template.name == "simulator.html"  # type: ignore[attr-defined]
    messages = page.context["messages"]  # type: ignore[attr-defined]
    assert messages[-1].content == "帮助" and messages[-1].reply and messages[-1].simulated


def test_the_audit_log_is_for_admins_in_the_console_and_the_api(login: Callable[[str], TestClient], db: Engine) -> None:
    member = login("wangwei")
    assert member.get("/console/audit").status_code == 403
    web = login("boss")
    page = web.get("/console/audit")
    assert page.template.name == "audit.html"  # type: ignore[attr-defined]
    actions = [r.action for r in page.context["rows"]]  # type: ignore[attr-defined]
    assert "refused" in actions and "login" in actions
    admin = {"Authorization": f"Bearer {make_token(db, 'apiadmin', 'admin')}"}
    member_api = {"Authorization": f"Bearer {make_token(db, 'apimember', 'member')}"}
    body = web.get("/api/audit", headers=admin).json()
    assert body["count"] >= 3 and {"at", "actor", "action", "target", "detail", "address"} <= set(body["data"][0])
    assert web.get("/api/audit", headers=member_api).status_code == 403
    assert web.get("/api/audit").status_code == 401
