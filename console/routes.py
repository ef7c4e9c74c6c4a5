"""The console's routers in one order, and where its static assets live (served by the service, no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter

from console import auth, faq_history, faq_pages, profile, ticket_actions, ticket_page, tickets_list, unanswered

STATIC_DIR = Path(__file__).parent / "static"
STATIC_PATH = "/console/static"

router = APIRouter()
for module in (auth, profile, tickets_list, ticket_page, ticket_actions, faq_history, faq_pages, unanswered):
    router.include_router(module.router)
