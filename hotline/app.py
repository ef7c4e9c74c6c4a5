"""App assembly: one engine, one knowledge base, one pipeline per process, and every route.

This is the one place that knows every package: the channels' routes and delivery, the JSON API,
the engine and the domains. Nothing imports it but the CLI.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from sqlalchemy.engine import Engine

from api import faq, health, simulate
from api import tickets as tickets_api
from bot.pipeline import Pipeline
from channels.wechat import route as wechat
from channels.wechat.client import WeChatClient, WeComRobot, token_store_for
from channels.wechat.delivery import Transport
from core.db import session_scope
from core.logs import mask_openid
from core.settings import Settings, get_settings
from hotline.db import open_engine
from knowledge.base import KnowledgeBase
from knowledge.loader import load_builtin_if_empty
from residents import service as resident_service
from tickets import notify
from tickets.worker import TicketWorker

log = logging.getLogger(__name__)


def prepare(settings: Settings) -> tuple[KnowledgeBase, Pipeline]:
    """Create or upgrade the database, seed what an empty one needs, build the index."""
    engine = open_engine(settings.database_url)
    with session_scope(engine) as session:
        resident_service.default_community(session=session, settings=settings)
    with session_scope(engine) as session:
        load_builtin_if_empty(session=session)
    knowledge = KnowledgeBase(engine)
    knowledge.refresh()
    pipeline = Pipeline(engine=engine, settings=settings, knowledge=knowledge)
    pipeline.late_sink = OutboxLateSink(engine)
    return knowledge, pipeline


class OutboxLateSink:
    """``pipeline.late_sink``: a reply ready after the channel stopped waiting goes out through the
    outbox (retried, never lost), as a customer-service message on WeChat."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, openid: str, text: str) -> None:
        with session_scope(self.engine) as session:
            notify.late_reply(session=session, openid=openid, text=text)
        log.info("late reply queued for %s", mask_openid(openid))


def wechat_transport(settings: Settings, engine: Engine) -> Transport:
    """How outbox rows reach WeChat and the WeCom robot (built lazily: the token store touches the database)."""
    return Transport(WeChatClient(settings, token_store_for(settings, engine)), WeComRobot())


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        knowledge, pipeline = prepare(settings)
        if (warning := notify.channel_warning(settings)) is not None:
            log.warning(warning)
        app.state.settings = settings
        app.state.engine = pipeline.engine
        app.state.knowledge = knowledge
        app.state.pipeline = pipeline
        recovered = pipeline.recover()
        if recovered:
            log.warning("answered %d messages left unanswered by a previous crash", recovered)
        # SLA sweep and outbox delivery run in the service itself; safe with several instances.
        worker = TicketWorker(
            engine=pipeline.engine, settings=settings, transport=lambda: wechat_transport(settings, pipeline.engine)
        )
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
