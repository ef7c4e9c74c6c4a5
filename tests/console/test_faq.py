"""The FAQ editor: edits served at once (the try box and the bot), history as a diff, unanswered questions."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from knowledge.models import FaqEntry, UnansweredQuestion
from residents.models import AuditEntry
from tests.console.conftest import form_token
from tests.console.helpers import resident_says

NEW_ANSWER = "社区服务站每周三上午发放抗原，带身份证领取。"


def _entry(engine: Engine, question_part: str) -> FaqEntry:
    with Session(engine) as session:
        for entry in session.exec(select(FaqEntry)):
            if question_part in entry.question:
                return entry
    raise AssertionError(question_part)


def _edit(web: TestClient, entry: FaqEntry, **changes: str) -> object:
    data = {
        "csrf_token": form_token(web, f"/console/faq/{entry.id}"),
        "version": str(entry.version),
        "question": entry.question,
        "variants": "\n".join(entry.variants),
        "answer": entry.answer,
        "source": entry.source,
        "category": entry.category,
        "region": entry.region,
        "status": entry.status,
        "effective_from": entry.effective_from.isoformat() if entry.effective_from else "",
        "effective_to": entry.effective_to.isoformat() if entry.effective_to else "",
        "superseded_by": entry.superseded_by or "",
        "superseded_note": entry.superseded_note or "",
        **changes,
    }
    return web.post(f"/console/faq/{entry.id}", data=data)


def test_the_list_searches_and_a_member_may_not_open_it(login: Callable[[str], TestClient]) -> None:
    web = login("clerk")
    page = web.get("/console/faq?q=抗原")
    assert page.template.name == "faq_list.html"  # type: ignore[attr-defined]
    assert page.context["count"] > 0  # type: ignore[attr-defined]
    assert all("抗原" in (e.question + e.answer + e.source + "".join(e.variants)) for e in page.context["entries"])  # type: ignore[attr-defined]
    member = login("wangwei")
    assert member.get("/console/faq").status_code == 403
    assert member.get("/console/unanswered").status_code == 403


def test_an_edit_changes_the_try_box_and_the_bots_answer_at_once(
    login: Callable[[str], TestClient], db: Engine
) -> None:
    web = login("clerk")
    question = "社区有抗原发吗"
    before = web.get("/console/faq-try", params={"q": question})
    assert before.template.name == "faq_try.html"  # type: ignore[attr-defined]
    answer = before.context["found"].answer  # type: ignore[attr-defined]
    assert answer is not None
    scored = before.context["scored"]  # type: ignore[attr-defined]
    assert scored[0][0].id == answer.id and scored[0][1] == before.context["found"].best_score  # type: ignore[attr-defined]
    assert [s for _, s, _ in scored] == sorted((s for _, s, _ in scored), reverse=True)
    entry = next(e for e in [_entry(db, answer.question)])
    response = _edit(web, entry, answer=NEW_ANSWER)
    assert response.status_code == 303, getattr(response, "text", "")
    after = web.get("/console/faq-try", params={"q": question})
    assert after.context["matches"][0].answer == NEW_ANSWER  # type: ignore[attr-defined]
    assert NEW_ANSWER in resident_says(web, "oResidentFaq", entry.question)
    history = web.get(f"/console/faq/{entry.id}/history")
    assert history.template.name == "faq_history.html"  # type: ignore[attr-defined]
    newest = history.context["revisions"][0]  # type: ignore[attr-defined]
    assert newest["actor"] == "clerk" and ("答案", newest["fields"][0][1]) == newest["fields"][0]
    assert ("ins", "社区服务站每周三上午发放抗原，带身份证领取。") in newest["fields"][0][1] or any(
        op == "ins" for op, _ in newest["fields"][0][1]
    )
    with Session(db) as session:
        assert session.exec(select(AuditEntry).where(AuditEntry.action == "faq")).first() is not None


def test_a_stale_edit_is_refused_with_a_reason(login: Callable[[str], TestClient], db: Engine) -> None:
    web = login("clerk")
    entry = _entry(db, "抗原")
    assert _edit(web, entry, answer=NEW_ANSWER).status_code == 303  # type: ignore[attr-defined]
    stale = _edit(web, entry, answer="另一个答案")
    assert stale.status_code == 409 and "他人修改" in stale.context["errors"][0]  # type: ignore[attr-defined]


def test_an_unanswered_question_becomes_an_entry(login: Callable[[str], TestClient], db: Engine) -> None:
    web = login("clerk")
    odd = "小区门口的快递柜什么时候恢复使用"
    resident_says(web, "oResidentQ", odd)
    page = web.get("/console/unanswered")
    assert page.template.name == "unanswered.html"  # type: ignore[attr-defined]
    row = next(r for r in page.context["rows"] if r.text == odd)  # type: ignore[attr-defined]
    form = web.get(f"/console/faq/new?question={odd}&unanswered={row.id}")
    assert form.context["entry"]["question"] == odd and form.context["unanswered"] == row.id  # type: ignore[attr-defined]
    created = web.post(
        "/console/faq/new",
        data={
            "csrf_token": form_token(web, "/console/faq/new"),
            "unanswered": str(row.id),
            "question": odd,
            "answer": "快递柜下周一恢复使用，详情请问物业。",
            "source": "社区通知",
            "region": "全国",
            "status": "published",
        },
    )
    assert created.status_code == 303
    with Session(db) as session:
        assert session.get(UnansweredQuestion, row.id).resolved  # type: ignore[union-attr]
    assert odd not in [r.text for r in web.get("/console/unanswered").context["rows"]]  # type: ignore[attr-defined]
    assert "快递柜下周一恢复使用" in resident_says(web, "oResidentQ2", odd)


def test_a_bad_entry_names_the_field(login: Callable[[str], TestClient]) -> None:
    web = login("clerk")
    response = web.post(
        "/console/faq/new", data={"csrf_token": form_token(web, "/console/faq/new"), "question": "", "answer": ""}
    )
    assert response.status_code == 422
    assert any(error.startswith("问题") for error in response.context["errors"])  # type: ignore[attr-defined]
