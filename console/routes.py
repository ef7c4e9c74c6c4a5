"""The console's routers in one order, and where its static assets live (served by the service, no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from api import audit as audit_api
from console import (
    audit_page,
    auth,
    dashboard,
    faq_history,
    faq_pages,
    profile,
    setup_grids,
    setup_users,
    simulator,
    ticket_actions,
    ticket_page,
    tickets_list,
    unanswered,
)

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/console/static"

router = APIRouter()
# Order matters where paths overlap: /tickets/latest before /tickets/{id}, /faq/new before /faq/{id}.
for module in (
    auth,
    profile,
    dashboard,
    tickets_list,
    ticket_page,
    ticket_actions,
    faq_history,
    faq_pages,
    unanswered,
    setup_users,
    setup_grids,
    simulator,
    audit_page,
):
    router.include_router(module.router)
router.include_router(audit_api.router)  # GET /api/audit, the same log as JSON
