"""The FAQ editor's API: who may do what, validation naming the field, versions, and live serving."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlmodel import Session

from knowledge import service
from knowledge.base import KnowledgeBase
from tests.knowledge.conftest import entry_payload

Headers = dict[str, str]


def _create(client: TestClient, headers: Headers, **overrides: Any) -> dict[str, Any]:
    response = client.post("/api/faq", json=entry_payload(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def _field_of_422(response: Any) -> str:
    assert response.status_code == 422, response.text
    return str(response.json()["detail"][0]["loc"][-1] if isinstance(response.json()["detail"], list) else "")


def _id_of(engine: Engine, key: str) -> int:
    with Session(engine) as session:
        entry = service.get_by_key(session=session, key=key)
        assert entry is not None and entry.id is not None
        return entry.id


def _simulate(client: TestClient, headers: Headers, text: str, openid: str = "sim-faq") -> dict[str, Any]:
    response = client.post("/api/simulate", json={"openid": openid, "text": text}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


# --- who may do what -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/faq"),
        ("POST", "/api/faq"),
        ("GET", "/api/faq/1"),
        ("PUT", "/api/faq/1"),
        ("DELETE", "/api/faq/1"),
        ("GET", "/api/faq/1/history"),
        ("GET", "/api/faq/lookup?q=疫苗"),
        ("GET", "/api/unanswered"),
    ],
)
def test_every_route_needs_a_bearer_token(client: TestClient, method: str, path: str) -> None:
    assert client.request(method, path, json=entry_payload()).status_code == 401
    bad = {"Authorization": "Bearer nope"}
    assert client.request(method, path, json=entry_payload(), headers=bad).status_code == 401


def test_members_read_but_do_not_write(client: TestClient, member_headers: Headers, admin_headers: Headers) -> None:
    created = _create(client, admin_headers)
    path = f"/api/faq/{created['id']}"
    assert client.get("/api/faq", headers=member_headers).status_code == 200
    assert client.get(path, headers=member_headers).status_code == 200
    assert client.get(f"{path}/history", headers=member_headers).status_code == 200
    assert client.post("/api/faq", json=entry_payload(), headers=member_headers).status_code == 403
    assert client.put(path, json={"answer": "改了"}, headers=member_headers).status_code == 403
    assert client.delete(path, headers=member_headers).status_code == 403
    assert client.get("/api/unanswered", headers=member_headers).status_code == 403
    assert client.get(path, headers=member_headers).json()["answer"] == created["answer"]


def test_staff_write(client: TestClient, staff_headers: Headers) -> None:
    created = _create(client, staff_headers)
    assert created["updated_by"] == "staff1"
    response = client.put(f"/api/faq/{created['id']}", json={"answer": "新答案。"}, headers=staff_headers)
    assert response.status_code == 200 and response.json()["answer"] == "新答案。"


@pytest.mark.parametrize(("method", "suffix"), [("GET", ""), ("PUT", ""), ("DELETE", ""), ("GET", "/history")], ids=str)
def test_unknown_ids_are_404(client: TestClient, admin_headers: Headers, method: str, suffix: str) -> None:
    response = client.request(method, f"/api/faq/999999{suffix}", json={"answer": "x"}, headers=admin_headers)
    assert response.status_code == 404


# --- create and read -------------------------------------------------------------------------------


def test_create_returns_the_entry_with_defaults(client: TestClient, admin_headers: Headers) -> None:
    created = _create(client, admin_headers, variants=["团购的菜几点到", " 团购的菜几点到 ", "买的菜啥时候送"])
    assert isinstance(created["id"], int)
    assert created["status"] == "published" and created["region"] == "全国" and created["version"] == 1
    assert created["variants"] == ["团购的菜几点到", "买的菜啥时候送"]
    assert created["key"] == f"faq-{created['id']}"
    assert created["serving"] is True
    fetched = client.get(f"/api/faq/{created['id']}", headers=admin_headers).json()
    assert fetched == created


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"question": "   "}, "question"),
        ({"answer": ""}, "answer"),
        ({"question": "问" * 201}, "question"),
        ({"status": "retired"}, "status"),
        ({"effective_from": "2023-02-01", "effective_to": "2023-01-31"}, "effective_to"),
        ({"status": "superseded"}, "superseded_note"),
        ({"variants": ["好的说法", "  "]}, 1),
        ({"variants": "不是列表"}, "variants"),
        ({"key": "Not A Slug"}, "key"),
        ({"effective_from": "not-a-date"}, "effective_from"),
    ],
    ids=lambda v: str(v)[:30],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient, admin_headers: Headers, overrides: dict[str, Any], field: str | int
) -> None:
    response = client.post("/api/faq", json=entry_payload(**overrides), headers=admin_headers)
    assert _field_of_422(response) == str(field)
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_rules_that_need_the_database_are_422_naming_the_field(
    client: TestClient, admin_headers: Headers, engine: Engine
) -> None:
    taken = _create(client, admin_headers, key="group-buying")
    response = client.post("/api/faq", json=entry_payload(key="group-buying"), headers=admin_headers)
    assert _field_of_422(response) == "key"
    response = client.post(
        "/api/faq", json=entry_payload(status="superseded", superseded_by="no-such-key"), headers=admin_headers
    )
    assert _field_of_422(response) == "superseded_by"
    response = client.put(f"/api/faq/{taken['id']}", json={"superseded_by": "group-buying"}, headers=admin_headers)
    assert _field_of_422(response) == "superseded_by"


def test_list_filters_and_pages(client: TestClient, admin_headers: Headers, content: list[dict[str, Any]]) -> None:
    everything = client.get("/api/faq", params={"limit": 500}, headers=admin_headers).json()
    assert everything["count"] == len(content) == len(everything["data"])
    superseded = client.get("/api/faq", params={"status": "superseded", "limit": 500}, headers=admin_headers).json()
    assert superseded["count"] == sum(raw["status"] == "superseded" for raw in content)
    assert {row["status"] for row in superseded["data"]} == {"superseded"}
    assert not any(row["serving"] for row in superseded["data"])
    chongqing = client.get("/api/faq", params={"region": "重庆", "limit": 500}, headers=admin_headers).json()
    assert chongqing["count"] == sum(raw["region"] == "重庆" for raw in content) > 0
    category = content[0]["category"]
    by_category = client.get("/api/faq", params={"category": category, "limit": 500}, headers=admin_headers).json()
    assert by_category["count"] == sum(raw["category"] == category for raw in content)

    created = _create(client, admin_headers, variants=["独一无二的团购说法"])
    found = client.get("/api/faq", params={"q": "独一无二的团购"}, headers=admin_headers).json()
    assert [row["id"] for row in found["data"]] == [created["id"]] and found["count"] == 1

    page = client.get("/api/faq", params={"limit": 5, "offset": 5}, headers=admin_headers).json()
    ids = [row["id"] for row in everything["data"]]
    assert page["count"] == len(content) + 1 and [row["id"] for row in page["data"]] == ids[5:10]
    assert client.get("/api/faq", params={"status": "retired"}, headers=admin_headers).status_code == 422
    assert client.get("/api/faq", params={"limit": 0}, headers=admin_headers).status_code == 422


# --- versions and history --------------------------------------------------------------------------


def test_every_edit_is_a_version_with_who_when_and_what(client: TestClient, admin_headers: Headers) -> None:
    created = _create(client, admin_headers)
    path = f"/api/faq/{created['id']}"
    response = client.put(path, json={"answer": "改过的答案。", "variants": ["团购的菜几点到"]}, headers=admin_headers)
    assert response.status_code == 200 and response.json()["version"] == 2
    unchanged = client.put(path, json={"answer": "改过的答案。"}, headers=admin_headers).json()
    assert unchanged["version"] == 2, "a save that changes nothing is not a new version"

    history = client.get(f"{path}/history", headers=admin_headers).json()
    assert history["count"] == 2
    create, update = history["data"]
    assert (create["action"], create["version"], create["actor"]) == ("create", 1, "admin1")
    assert create["changes"]["question"] == [None, created["question"]]
    assert (update["action"], update["version"], update["actor"]) == ("update", 2, "admin1")
    assert update["changes"] == {
        "answer": [created["answer"], "改过的答案。"],
        "variants": [created["variants"], ["团购的菜几点到"]],
    }
    assert update["at"] >= create["at"]


def test_an_edit_on_a_stale_version_is_refused(client: TestClient, admin_headers: Headers) -> None:
    created = _create(client, admin_headers)
    path = f"/api/faq/{created['id']}"
    assert client.put(path, json={"answer": "第一次修改。", "version": 1}, headers=admin_headers).status_code == 200
    response = client.put(path, json={"answer": "基于旧版本的修改。", "version": 1}, headers=admin_headers)
    assert response.status_code == 409
    assert client.get(path, headers=admin_headers).json()["answer"] == "第一次修改。"


def test_a_partial_edit_is_checked_against_the_whole_entry(client: TestClient, admin_headers: Headers) -> None:
    created = _create(client, admin_headers, effective_from="2023-01-08")
    path = f"/api/faq/{created['id']}"
    assert _field_of_422(client.put(path, json={"effective_to": "2023-01-01"}, headers=admin_headers)) == "effective_to"
    assert _field_of_422(client.put(path, json={"question": " "}, headers=admin_headers)) == "question"
    assert _field_of_422(client.put(path, json={"question": None}, headers=admin_headers)) == "question"
    assert _field_of_422(client.put(path, json={"status": "gone"}, headers=admin_headers)) == "status"
    assert client.get(path, headers=admin_headers).json()["version"] == 1


def test_superseding_through_the_api_dates_it(client: TestClient, admin_headers: Headers, clock: Any) -> None:
    created = _create(client, admin_headers)
    response = client.put(
        f"/api/faq/{created['id']}", json={"status": "superseded", "superseded_note": "团购已停"}, headers=admin_headers
    )
    assert response.status_code == 200
    body = response.json()
    assert body["superseded_on"] == clock.now().date().isoformat() and body["serving"] is False


# --- delete ----------------------------------------------------------------------------------------


def test_delete_stops_serving_and_keeps_the_history(
    client: TestClient, admin_headers: Headers, knowledge: KnowledgeBase
) -> None:
    created = _create(client, admin_headers, question="小区门口的核酸亭什么时候拆？", variants=["核酸亭拆不拆"])
    assert knowledge.get(created["id"]) is not None
    path = f"/api/faq/{created['id']}"
    assert client.delete(path, headers=admin_headers).status_code == 204
    assert client.get(path, headers=admin_headers).status_code == 404
    assert knowledge.get(created["id"]) is None
    history = client.get(f"{path}/history", headers=admin_headers).json()
    assert [row["action"] for row in history["data"]] == ["create", "delete"]
    snapshot = history["data"][-1]["changes"]
    assert snapshot["question"] == [created["question"], None] and snapshot["answer"] == [created["answer"], None]
    assert client.delete(path, headers=admin_headers).status_code == 404


def test_an_entry_others_point_to_cannot_be_deleted(
    client: TestClient, admin_headers: Headers, engine: Engine, content: list[dict[str, Any]]
) -> None:
    target = next(raw["superseded_by"] for raw in content if raw["superseded_by"])
    response = client.delete(f"/api/faq/{_id_of(engine, target)}", headers=admin_headers)
    assert response.status_code == 409
    assert client.get(f"/api/faq/{_id_of(engine, target)}", headers=admin_headers).status_code == 200


# --- serving ---------------------------------------------------------------------------------------


def test_a_policy_question_is_answered_with_its_entry(
    client: TestClient, admin_headers: Headers, engine: Engine, content: list[dict[str, Any]]
) -> None:
    entry = next(raw for raw in content if raw["status"] == "published" and raw["region"] == "全国")
    body = _simulate(client, admin_headers, entry["question"])
    assert body["intent"] == "policy"
    assert body["faq_id"] == _id_of(engine, entry["key"])
    assert "依据" in body["reply"] and body["ticket_id"] is None


def test_a_new_variant_is_answerable_right_after_the_put(
    client: TestClient, admin_headers: Headers, content: list[dict[str, Any]], engine: Engine
) -> None:
    wording = "楼下那个蓝色小亭子是社区管的吗"  # reads as a question, so the bot looks it up
    before = _simulate(client, admin_headers, wording, openid="sim-before")
    entry = next(raw for raw in content if raw["status"] == "published" and raw["region"] == "全国")
    faq_id = _id_of(engine, entry["key"])
    assert before["faq_id"] != faq_id
    response = client.put(f"/api/faq/{faq_id}", json={"variants": [*entry["variants"], wording]}, headers=admin_headers)
    assert response.status_code == 200
    after = _simulate(client, admin_headers, wording, openid="sim-after")
    assert (after["intent"], after["faq_id"]) == ("policy", faq_id)


def test_a_created_entry_is_served_and_a_draft_is_not(client: TestClient, admin_headers: Headers) -> None:
    served = _create(client, admin_headers, question="社区图书角几点开门？", variants=["图书角开放时间"])
    draft = _create(client, admin_headers, question="社区游泳池几点开门？", variants=["游泳池开放时间"], status="draft")
    assert _simulate(client, admin_headers, "社区图书角几点开门？")["faq_id"] == served["id"]
    assert _simulate(client, admin_headers, "社区游泳池几点开门？", openid="sim-2")["faq_id"] != draft["id"]
    assert draft["serving"] is False


def test_lookup_shows_what_the_bot_would_answer(
    client: TestClient, admin_headers: Headers, engine: Engine, content: list[dict[str, Any]]
) -> None:
    entry = next(raw for raw in content if raw["status"] == "published" and raw["region"] == "重庆")
    params = {"q": entry["question"], "region": "重庆"}
    body = client.get("/api/faq/lookup", params=params, headers=admin_headers).json()
    assert body["answer_id"] == _id_of(engine, entry["key"]) and body["tentative"] is False
    elsewhere = client.get("/api/faq/lookup", params={**params, "region": "辽宁"}, headers=admin_headers).json()
    assert elsewhere["answer_id"] != body["answer_id"]
    assert body["answer_id"] not in elsewhere["suggestion_ids"]


def test_the_try_box_shows_an_old_rule_as_superseded_with_its_replacement(
    client: TestClient, admin_headers: Headers, engine: Engine, content: list[dict[str, Any]]
) -> None:
    old = next(raw for raw in content if raw["key"] == "cq2022-sealed-area-supplies")
    body = client.get("/api/faq/lookup", params={"q": old["question"]}, headers=admin_headers).json()
    assert body["answer_id"] == _id_of(engine, old["key"]) and body["superseded"] is True
    assert body["suggestion_ids"] == [_id_of(engine, old["superseded_by"])]
    current = client.get("/api/faq/lookup", params={"q": "老人打疫苗有绿色通道吗"}, headers=admin_headers).json()
    assert current["answer_id"] is not None and current["superseded"] is False


# --- unanswered ------------------------------------------------------------------------------------


def test_unanswered_questions_are_listed_with_counts_most_asked_first(
    client: TestClient, admin_headers: Headers
) -> None:
    for openid, text in [("a", "你们那边的火锅好吃吗"), ("b", "你们那边的火锅好吃吗"), ("c", "明天股票会涨吗")]:
        assert _simulate(client, admin_headers, text, openid=openid)["faq_id"] is None
    body = client.get("/api/unanswered", headers=admin_headers).json()
    assert body["count"] == 2
    assert [(row["text"], row["count"]) for row in body["data"]] == [("你们那边的火锅好吃吗", 2), ("明天股票会涨吗", 1)]
    limited = client.get("/api/unanswered", params={"limit": 1}, headers=admin_headers).json()
    assert len(limited["data"]) == 1 and limited["count"] == 2


def test_staff_mark_an_unanswered_question_handled(client: TestClient, admin_headers: Headers) -> None:
    _simulate(client, admin_headers, "明天股票会涨吗", openid="d")
    (row,) = client.get("/api/unanswered", headers=admin_headers).json()["data"]
    done = client.post(f"/api/unanswered/{row['id']}/handled", headers=admin_headers)
    assert done.status_code == 200 and done.json()["resolved"] is True
    assert client.get("/api/unanswered", headers=admin_headers).json()["count"] == 0
    listed = client.get("/api/unanswered", params={"include_resolved": True}, headers=admin_headers).json()
    assert listed["count"] == 1
    assert client.post("/api/unanswered/99999/handled", headers=admin_headers).status_code == 404
    assert client.post(f"/api/unanswered/{row['id']}/handled").status_code == 401
