"""The FAQ editor's API: entries with their history, and the questions the bot could not answer.

Any signed-in user reads; staff and admins write. Each write commits, then rebuilds the live index,
so the next resident message is answered from the edited base.
"""

from __future__ import annotations

from typing import Annotated, NoReturn

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError

from api.deps import CurrentStaff, CurrentUser, KnowledgeDep, SessionDep
from core.timeutil import utcnow
from knowledge import service as faq_service
from knowledge.models import FaqEntry, FaqStatus
from knowledge.schemas import (
    FaqCreate,
    FaqPublic,
    FaqRevisionPublic,
    FaqRevisionsPublic,
    FaqsPublic,
    FaqUpdate,
    LookupPublic,
    UnansweredList,
    UnansweredPublic,
)

router = APIRouter(prefix="/api", tags=["knowledge"])


def faq_or_404(faq_id: int, session: SessionDep) -> FaqEntry:
    entry = faq_service.get(session=session, faq_id=faq_id)
    if entry is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"FAQ entry {faq_id} not found")
    return entry


FaqDep = Annotated[FaqEntry, Depends(faq_or_404)]


def _refused(error: faq_service.FaqError) -> NoReturn:
    """Service errors in the API's shapes: field errors as a 422 naming the field, the rest as 409."""
    if isinstance(error, faq_service.FaqInvalid):
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in error.errors]) from error
    raise HTTPException(status.HTTP_409_CONFLICT, error.message) from error


def _public(entry: FaqEntry) -> FaqPublic:
    return FaqPublic.of(entry, utcnow().date())


@router.get("/faq", response_model=FaqsPublic)
def list_faq(
    session: SessionDep,
    user: CurrentUser,
    status_: Annotated[FaqStatus | None, Query(alias="status")] = None,
    category: str | None = None,
    region: str | None = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> FaqsPublic:
    """Entries by id, filtered by status, category, region and a substring of any of their texts."""
    rows, count = faq_service.list_entries(
        session=session, status=status_, category=category, region=region, q=q, limit=limit, offset=offset
    )
    return FaqsPublic(data=[_public(row) for row in rows], count=count)


@router.post("/faq", response_model=FaqPublic, status_code=status.HTTP_201_CREATED)
def create_faq(body: FaqCreate, session: SessionDep, knowledge: KnowledgeDep, user: CurrentStaff) -> FaqPublic:
    try:
        entry = faq_service.create(session=session, faq_in=body, actor=user.username)
    except faq_service.FaqError as error:
        _refused(error)
    session.commit()
    knowledge.refresh()
    return _public(entry)


@router.get("/faq/lookup", response_model=LookupPublic)
def try_question(
    knowledge: KnowledgeDep, user: CurrentUser, q: Annotated[str, Query(min_length=1, max_length=200)], region: str = ""
) -> LookupPublic:
    """The editor's "try a question" box: what the bot would answer, for a community's region."""
    found = knowledge.lookup(q, region=region)
    return LookupPublic(
        answer_id=found.answer.id if found.answer else None,
        suggestion_ids=[entry.id for entry in found.suggestions],
        best_score=found.best_score,
        tentative=found.tentative,
        superseded=found.answer is not None and found.answer.superseded,
    )


@router.get("/faq/{faq_id}", response_model=FaqPublic)
def read_faq(entry: FaqDep, user: CurrentUser) -> FaqPublic:
    return _public(entry)


@router.put("/faq/{faq_id}", response_model=FaqPublic)
def update_faq(
    entry: FaqDep, body: FaqUpdate, session: SessionDep, knowledge: KnowledgeDep, user: CurrentStaff
) -> FaqPublic:
    """Change the fields sent; send ``version`` to refuse the edit if someone else changed it first."""
    try:
        faq_service.update(session=session, entry=entry, faq_in=body, actor=user.username)
    except faq_service.FaqError as error:
        session.rollback()
        _refused(error)
    session.commit()
    knowledge.refresh()
    return _public(entry)


@router.delete("/faq/{faq_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_faq(entry: FaqDep, session: SessionDep, knowledge: KnowledgeDep, user: CurrentStaff) -> Response:
    """Stop serving the entry; its history stays, ending with a snapshot of what was deleted."""
    try:
        faq_service.delete(session=session, entry=entry, actor=user.username)
    except faq_service.FaqError as error:
        session.rollback()
        _refused(error)
    session.commit()
    knowledge.refresh()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/faq/{faq_id}/history", response_model=FaqRevisionsPublic)
def faq_history(faq_id: int, session: SessionDep, user: CurrentUser) -> FaqRevisionsPublic:
    """Every version, oldest first: who, when, and each changed field's old and new value."""
    revisions = faq_service.history(session=session, faq_id=faq_id)
    if not revisions and faq_service.get(session=session, faq_id=faq_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"FAQ entry {faq_id} not found")
    return FaqRevisionsPublic(data=[FaqRevisionPublic.of(row) for row in revisions], count=len(revisions))


@router.get("/unanswered", response_model=UnansweredList)
def list_unanswered(
    session: SessionDep,
    user: CurrentStaff,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    include_resolved: bool = False,
) -> UnansweredList:
    """Most asked first. Staff only: residents' own words can carry names and phone numbers."""
    rows, count = faq_service.unanswered(session=session, limit=limit, offset=offset, include_resolved=include_resolved)
    return UnansweredList(data=[UnansweredPublic.of(row) for row in rows], count=count)


@router.post("/unanswered/{question_id}/handled", response_model=UnansweredPublic)
def mark_unanswered_handled(question_id: int, session: SessionDep, user: CurrentStaff) -> UnansweredPublic:
    """Staff covered this question (an entry written, or nothing to add): it leaves the list."""
    row = faq_service.mark_handled(session=session, question_id=question_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unanswered question {question_id} not found")
    session.commit()
    return UnansweredPublic.of(row)
