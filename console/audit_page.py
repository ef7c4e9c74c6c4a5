"""日志: the audit log (admins only) — sign-ins, refusals, ticket changes, FAQ edits, exports."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from console.deps import AdminDep, SessionDep, render
from console.web import ConsoleRoute
from residents import audit

router = APIRouter(prefix="/console", route_class=ConsoleRoute)
PAGE = 50


@router.get("/audit")
def audit_log(request: Request, session: SessionDep, viewer: AdminDep, action: str = "", page: int = 1) -> Response:
    page = max(page, 1)
    rows, count = audit.listing(session=session, action=action or None, limit=PAGE, offset=(page - 1) * PAGE)
    context = {
        "rows": rows,
        "count": count,
        "action": action,
        "actions": [a.value for a in audit.AuditAction],
        "page": page,
        "pages": max(1, -(-count // PAGE)),
    }
    return render(request, "audit.html", context)
