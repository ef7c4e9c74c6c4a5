"""知识库: list and search entries, add and edit them, publish; every save is served at once.

Staff and admins only. A save commits, then rebuilds the live index, so the "试一试" box and the
bot answer from the edited base on the very next question.
"""

from __future__ import annotations

from typing import Any, TypeVar

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from api.deps import KnowledgeDep
from console import faq_query
from console.deps import SessionDep, StaffDep, Viewer, checked_form, client_address, render
from console.web import ConsoleRoute
from knowledge import service as faq_service
from knowledge.models import FaqEntry, FaqStatus, UnansweredQuestion
from knowledge.schemas import FaqCreate, FaqUpdate
from residents import audit
from residents.audit import AuditAction

router = APIRouter(prefix="/console", route_class=ConsoleRoute)
M = TypeVar("M", bound=BaseModel)
PAGE = 30
STATUS_NAMES = {"draft": "草稿", "published": "已发布", "superseded": "已取代"}
TEXT_FIELDS = ("question", "answer", "category", "source", "region", "superseded_by", "superseded_note")
FIELD_NAMES = {
    "question": "问题",
    "variants": "其他问法",
    "answer": "答案",
    "category": "分类",
    "source": "依据",
    "region": "地区",
    "effective_from": "生效日期",
    "effective_to": "失效日期",
    "status": "状态",
    "superseded_by": "取代它的条目",
    "superseded_on": "取代日期",
    "superseded_note": "取代说明",
    "key": "标识",
}


def _values(form: FormData) -> dict[str, Any]:
    """The form as the schema's fields: variants one per line, empty dates as none."""
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in TEXT_FIELDS}
    values["superseded_by"] = values["superseded_by"] or None
    values["superseded_note"] = values["superseded_note"] or None
    values["variants"] = [line.strip() for line in str(form.get("variants", "")).splitlines() if line.strip()]
    for name in ("effective_from", "effective_to"):
        values[name] = str(form.get(name, "")).strip() or None
    values["status"] = str(form.get("status", "")) or FaqStatus.PUBLISHED
    return values


def _errors(error: faq_service.FaqError) -> list[str]:
    if isinstance(error, faq_service.FaqInvalid):
        return [f"{FIELD_NAMES.get(str(e['loc'][-1]), e['loc'][-1])}：{e['msg']}" for e in error.errors]
    return [error.message]


def _form(request: Request, entry: Any, errors: list[str], status_code: int = 200, **extra: Any) -> Response:
    context = {"entry": entry, "errors": errors, "STATUS_NAMES": STATUS_NAMES, **extra}
    return render(request, "faq_edit.html", context, status_code=status_code)


def _audit(request: Request, session: SessionDep, viewer: Viewer, entry: FaqEntry, what: str) -> None:
    audit.record(
        session=session,
        actor=viewer.user.username,
        action=AuditAction.FAQ,
        target=f"faq:{entry.id}",
        detail=what,
        address=client_address(request),
    )


@router.get("/faq")
def faq_list(
    request: Request, session: SessionDep, viewer: StaffDep, q: str = "", status: str = "", page: int = 1
) -> Response:
    page = max(page, 1)
    rows, count = faq_query.page(
        session=session, status=status or None, q=q[:100] or None, limit=PAGE, offset=(page - 1) * PAGE
    )
    context = {
        "entries": rows,
        "count": count,
        "q": q,
        "status": status,
        "page": page,
        "pages": max(1, -(-count // PAGE)),
        "STATUS_NAMES": STATUS_NAMES,
    }
    return render(request, "faq_list.html", context)


@router.get("/faq/new")
def new_form(
    request: Request, session: SessionDep, viewer: StaffDep, question: str = "", unanswered: int = 0
) -> Response:
    """Blank, or pre-filled from an unanswered question ("写答案")."""
    draft: dict[str, Any] = {
        "question": question[:200],
        "variants": [],
        "answer": "",
        "category": "",
        "source": "",
        "region": "全国",
        "status": "published",
        "version": None,
        "id": None,
    }
    return _form(request, draft, [], unanswered=unanswered)


@router.post("/faq/new")
async def create(request: Request, session: SessionDep, knowledge: KnowledgeDep, viewer: StaffDep) -> Response:
    form = await _checked(request, viewer)
    values = _values(form)
    unanswered = int(str(form.get("unanswered") or 0) or 0)
    try:
        entry = faq_service.create(session=session, faq_in=_parsed(FaqCreate, values), actor=viewer.user.username)
    except faq_service.FaqError as error:
        session.rollback()
        return _form(request, {**values, "id": None, "version": None}, _errors(error), 422, unanswered=unanswered)
    if unanswered and (row := session.get(UnansweredQuestion, unanswered)) is not None:
        row.resolved = True  # covered now: it leaves the unanswered list
        session.add(row)
    _audit(request, session, viewer, entry, "create")
    session.commit()
    knowledge.refresh()
    return RedirectResponse(f"/console/faq/{entry.id}?saved=1", status_code=303)


async def _checked(request: Request, viewer: Viewer) -> FormData:
    """The CSRF check of :func:`console.deps.checked_form`, for the routes that read the whole form."""
    await checked_form(request, viewer)
    return await request.form()


def entry_or_404(session: SessionDep, faq_id: int) -> FaqEntry:
    entry = faq_service.get(session=session, faq_id=faq_id)
    if entry is None:
        raise HTTPException(404, "找不到这个条目")
    return entry


@router.get("/faq/{faq_id}")
def edit_form(request: Request, session: SessionDep, viewer: StaffDep, faq_id: int, saved: int = 0) -> Response:
    return _form(request, entry_or_404(session, faq_id), [], saved=bool(saved))


@router.post("/faq/{faq_id}")
async def update(
    request: Request, session: SessionDep, knowledge: KnowledgeDep, viewer: StaffDep, faq_id: int
) -> Response:
    form = await _checked(request, viewer)
    entry = entry_or_404(session, faq_id)
    values = _values(form)
    version = int(str(form.get("version") or 0) or 0) or None
    return _save(request, session, knowledge, viewer, entry, {**values, "version": version}, "update")


@router.post("/faq/{faq_id}/publish")
async def publish(
    request: Request, session: SessionDep, knowledge: KnowledgeDep, viewer: StaffDep, faq_id: int
) -> Response:
    await _checked(request, viewer)
    entry = entry_or_404(session, faq_id)
    return _save(request, session, knowledge, viewer, entry, {"status": FaqStatus.PUBLISHED}, "publish")


def _save(
    request: Request,
    session: SessionDep,
    knowledge: KnowledgeDep,
    viewer: Viewer,
    entry: FaqEntry,
    values: dict[str, Any],
    what: str,
) -> Response:
    try:
        patch = _parsed(FaqUpdate, {k: v for k, v in values.items() if k in FaqUpdate.model_fields})
        faq_service.update(session=session, entry=entry, faq_in=patch, actor=viewer.user.username)
    except faq_service.FaqError as error:
        session.rollback()
        return _form(request, {**values, "id": entry.id}, _errors(error), 409)
    _audit(request, session, viewer, entry, what)
    session.commit()
    knowledge.refresh()
    return RedirectResponse(f"/console/faq/{entry.id}?saved=1", status_code=303)


def _parsed(schema: type[M], values: dict[str, Any]) -> M:
    """The form checked by the schema; its errors as the service's, naming the field."""
    try:
        return schema.model_validate(values)
    except ValidationError as error:
        raise faq_service.FaqInvalid(error.errors(include_url=False, include_context=False)) from None
