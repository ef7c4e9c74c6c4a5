"""App assembly: one engine, one knowledge base, one pipeline per process, and every route.

This is the one place that knows every package: the channels' routes and delivery, the JSON API,
the engine and the domains. Nothing imports it but the CLI.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api import faq, health, simulate
from api import tickets as tickets_api
from bot.backlog import Backlog
from bot.lookup_cache import CachingKnowledgeBase
from bot.pipeline import Pipeline
from bot.spool import Spool
from channels.wechat import route as wechat
from channels.wechat.client import WeChatClient, WeComRobot, token_store_for
from channels.wechat.delivery import Transport
from console import routes as console
from core import redis as redis_client
from core.admission import Admission
from core.db import session_scope, write_lock
from core.logs import mask_openid
from core.ratelimit import RateLimiter
from core.settings import Settings, get_settings
from hotline.db import open_engine
from knowledge.base import KnowledgeBase
from knowledge.loader import load_builtin_if_empty
from residents import service as resident_service
from tickets import notify
from tickets.worker import TicketWorker

log = logging.getLogger(__name__)


def prepare_database(settings: Settings) -> Engine:
    """Create or upgrade the database and seed what an empty one needs (once, before workers fork)."""
    engine = open_engine(settings.database_url)
    with session_scope(engine) as session:
        resident_service.default_community(session=session, settings=settings)
    with session_scope(engine) as session:
        load_builtin_if_empty(session=session)
    return engine


def prepare(settings: Settings) -> tuple[KnowledgeBase, Pipeline]:
    """Create or upgrade the database, seed what an empty one needs, build the index."""
    engine = prepare_database(settings)
    knowledge = CachingKnowledgeBase(engine)
    knowledge.refresh()
    redis = redis_client.connect(settings.redis_url)
    limit = settings.rate_limit_per_minute
    limiter = RateLimiter(limit, redis, prefix=settings.redis_prefix) if limit else None
    pipeline = Pipeline(
        engine=engine,
        settings=settings,
        knowledge=knowledge,
        limiter=limiter,
        spool=Spool(settings.data_dir / "spool"),
    )
    pipeline.late_sink = OutboxLateSink(engine)
    return knowledge, pipeline


class OutboxLateSink:
    """``pipeline.late_sink``: a reply ready after the channel stopped waiting goes out through the
    outbox (retried, never lost), as a customer-service message on WeChat."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self, openid: str, text: str) -> None:
        with write_lock(self.engine), session_scope(self.engine) as session:
            notify.late_reply(session=session, openid=openid, text=text)
        log.info("late reply queued for %s", mask_openid(openid))


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on /api/: its answers carry residents' names, phones and health details.

    Plain ASGI rather than ``@app.middleware("http")``: that wrapper streams every response through a
    task and queue, a measurable share of each /wechat message under load (bench/README.md).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_no_store)


def wechat_transport(settings: Settings, engine: Engine) -> Transport:
    """How outbox rows reach WeChat and the WeCom robot (built lazily: the token store touches the database)."""
    return Transport(WeChatClient(settings, token_store_for(settings, engine)), WeComRobot())


def worker_app() -> FastAPI:
    """The app of one ``hotline serve --workers N`` process (settings and logging from the environment)."""
    from core.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    return create_app(settings)


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
        app.state.admission = Admission(settings.queue_budget_ms / 1000)
        app.state.handlers = ThreadPoolExecutor(settings.turn_threads, thread_name_prefix="turn")
        # Queued messages and those a crash left: drained by one thread (its first round at once).
        backlog = Backlog(pipeline)
        app.state.backlog = backlog
        if settings.worker_enabled:
            backlog.start()
        elif recovered := pipeline.recover():
            log.warning("answered %d messages left unanswered by a previous crash", recovered)
        # SLA sweep and outbox delivery run in the service itself; safe with several instances.
        worker = TicketWorker(
            engine=pipeline.engine, settings=settings, transport=lambda: wechat_transport(settings, pipeline.engine)
        )
        app.state.ticket_worker = worker
        if settings.worker_enabled:
            worker.start()
        yield
        backlog.stop()
        worker.stop()
        app.state.handlers.shutdown(wait=True)
        pipeline.engine.dispose()

    app = FastAPI(title="社区服务热线", version="0.1.0", lifespan=lifespan)

    app.add_middleware(NoStoreMiddleware)

    app.include_router(health.router)
    app.include_router(wechat.router)
    app.include_router(simulate.router)
    app.include_router(faq.router)
    app.include_router(tickets_api.router)
    app.include_router(console.router)
    app.mount(console.STATIC_PATH, StaticFiles(directory=console.STATIC_DIR), name="console-static")
    return app
