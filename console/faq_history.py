"""An entry's history as a readable diff, and the "试一试" box: what the bot would answer, and why."""

from __future__ import annotations

import difflib
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from api.deps import KnowledgeDep
from console.deps import SessionDep, StaffDep, render
from console.faq_pages import FIELD_NAMES, entry_or_404
from console.web import ConsoleRoute
from knowledge import service as faq_service
from knowledge.base import FaqView, KnowledgeBase
from knowledge.scoring import ANSWER_THRESHOLD, SUGGEST_THRESHOLD

router = APIRouter(prefix="/console", route_class=ConsoleRoute)
ACTIONS = {"create": "新建", "update": "修改", "delete": "删除"}


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return "" if value is None else str(value)


def diff_segments(old: Any, new: Any) -> list[tuple[str, str]]:
    """Character-level changes: ("same" | "del" | "ins", text), readable for Chinese without word breaks."""
    before, after = _text(old), _text(new)
    segments: list[tuple[str, str]] = []
    for op, a1, a2, b1, b2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(("same", before[a1:a2]))
            continue
        if a2 > a1:
            segments.append(("del", before[a1:a2]))
        if b2 > b1:
            segments.append(("ins", after[b1:b2]))
    return segments


@router.get("/faq/{faq_id}/history")
def history(request: Request, session: SessionDep, viewer: StaffDep, faq_id: int) -> Response:
    entry = entry_or_404(session, faq_id)
    revisions = [
        {
            "version": rev.version,
            "action": ACTIONS.get(rev.action, rev.action),
            "actor": rev.actor,
            "at": rev.at,
            "fields": [
                (FIELD_NAMES.get(name, name), diff_segments(old, new)) for name, (old, new) in rev.changes.items()
            ],
        }
        for rev in reversed(faq_service.history(session=session, faq_id=faq_id))
    ]
    return render(request, "faq_history.html", {"entry": entry, "revisions": revisions})


def scored_matches(knowledge: KnowledgeBase, q: str, region: str, k: int = 5) -> list[tuple[FaqView, float, str]]:
    """The top entries in force with their calibrated scores and the wording that matched.

    The knowledge base has no public call for this yet, so it reads the live snapshot's index (one
    consistent generation) the same way ``KnowledgeBase.lookup`` does; a public ``matches()`` there
    would be the better home.
    """
    snapshot = knowledge._snapshot
    hits = snapshot.current.for_region(region).search(q, k=k)
    return [(snapshot.entries[hit.id], hit.score, hit.matched) for hit in hits if hit.id in snapshot.entries]


@router.get("/faq-try")
def try_question(
    request: Request, knowledge: KnowledgeDep, viewer: StaffDep, q: str = "", region: str = ""
) -> Response:
    """The answer the bot would give now, the close questions it would offer, and the best score."""
    q = q.strip()[:200]
    found = knowledge.lookup(q, region=region) if q else None
    matches: list[FaqView] = []
    verdict = ""
    if found is not None:
        matches = [*([found.answer] if found.answer else []), *found.suggestions]
        if found.answer is not None and found.answer.superseded:
            verdict = "旧规定：机器人会说明它已不再执行，并给出现行规定"
        elif found.answer is not None and not found.tentative:
            verdict = "直接回答"
        elif found.answer is not None:
            verdict = "可能是这条：机器人先给出它，再列出其他相近问题"
        elif found.suggestions:
            verdict = "不确定：机器人列出相近问题请居民回复序号"
        else:
            verdict = "答不上：机器人请居民转人工，问题记入“未答问题”"
    context = {
        "q": q,
        "region": region,
        "found": found,
        "matches": matches,
        "verdict": verdict,
        "scored": scored_matches(knowledge, q, region) if q else [],
        "answer_threshold": ANSWER_THRESHOLD,
        "suggest_threshold": SUGGEST_THRESHOLD,
    }
    return render(request, "faq_try.html", context)
