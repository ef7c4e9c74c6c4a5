"""The application factory: one engine, one knowledge base, one pipeline per process."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from api import faq, health, simulate, wechat
from api import tickets as tickets_api
from bot.pipeline import Pipeline
from hotline.db import create_db_engine, migrate, session_scope
from hotline.settings import Settings, get_settings
from knowledge.base import KnowledgeBase
from knowledge.loader import load_builtin_if_empty
from residents import service as resident_service
from tickets import config as ticket_config
from tickets.wiring import late_sink
from tickets.worker import TicketWorker

log = logging.getLogger(__name__)


def prepare(settings: Settings) -> tuple[KnowledgeBase, Pipeline]:
    """Create or upgrade the database, seed what an empty one needs, build the index."""
    engine = create_db_engine(settings.database_url)
    migrate(engine)
    with session_scope(engine) as session:
        resident_service.default_community(session=session, settings=settings)
    with session_scope(engine) as session:
        load_builtin_if_empty(session=session)
    knowledge = KnowledgeBase(engine)
    knowledge.refresh()
    ticket_config.use(settings)
    pipeline = Pipeline(engine=engine, settings=settings, knowledge=knowledge)
    pipeline.late_sink = late_sink(engine)
    return knowledge, pipeline


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        knowledge, pipeline = prepare(settings)
        app.state.settings = settings
        app.state.engine = pipeline.engine
        app.state.knowledge = knowledge
        app.state.pipeline = pipeline
        recovered = pipeline.recover()
        if recovered:
            log.warning("answered %d messages left unanswered by a previous crash", recovered)
        # SLA sweep and outbox delivery run in the service itself; safe with several instances.
        worker = TicketWorker(engine=pipeline.engine, settings=settings)
        app.state.ticket_worker = worker
        if settings.worker_enabled:
            worker.start()
        yield
        worker.stop()
        pipeline.engine.dispose()

    app = FastAPI(title="社区服务热线", version="0.1.0", lifespan=lifespan)

    @app.middleware("http")
    async def no_store(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # API answers carry residents' names, phones and health details: never cache them anywhere.
        response = await call_next(request)
        if request.url.path.startswith("/api/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    app.include_router(health.router)
    app.include_router(wechat.router)
    app.include_router(simulate.router)
    app.include_router(faq.router)
    app.include_router(tickets_api.router)
    return app
