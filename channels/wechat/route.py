"""GET/POST /wechat: verify → decrypt → parse → pipeline → reply. No business logic here.

WeChat waits 5 seconds and then retries; a reply not ready within the budget is answered with
``success`` and delivered later as a customer-service message (see ``Pipeline.late_sink``). When the
work queue already holds more than the queue budget (``core.admission``), a message is not queued
at all: it is stored as ``queued``, answered ``success`` at once, and the backlog answers it later.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from bot import texts
from bot.messages import Inbound, Reply
from bot.pipeline import Pipeline
from channels.wechat.protocol import (
    MAX_BODY_BYTES,
    ProtocolError,
    check_signature,
    check_timestamp,
    open_envelope,
    parse,
    render_reply,
    to_inbound,
    verify_query,
)
from core.admission import Admission
from core.logs import mask_openid
from core.settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["wechat"])
# Handling happens on threads (``app.state.handlers``, sized by HOTLINE_HANDLER_THREADS) so that a
# slow turn cannot hold the event loop.
# Storing a message for later must not wait behind the queue it is kept out of.
_intake = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wechat-intake")
SUCCESS = "success"


def _xml(body: str) -> Response:
    return Response(body, media_type="application/xml")


@router.get("/wechat")
def verify(request: Request, signature: str = "", timestamp: str = "", nonce: str = "", echostr: str = "") -> Response:
    """Server verification: echo ``echostr`` when the signature is ours."""
    settings: Settings = request.app.state.settings
    try:
        check_signature(signature, settings.wechat_token, timestamp, nonce)
        check_timestamp(timestamp, settings.wechat_timestamp_window)
    except ProtocolError as error:
        return PlainTextResponse(error.message, status_code=error.status)
    return PlainTextResponse(echostr)


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ProtocolError(413, "body too large")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ProtocolError(413, "body too large")
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/wechat")
async def receive(request: Request) -> Response:
    settings: Settings = request.app.state.settings
    query = dict(request.query_params)
    try:
        verify_query(query, settings)  # before reading the body: a forged request costs us nothing
        envelope = open_envelope(await _read_body(request), query, settings)
        message = parse(envelope.xml)
        inbound = to_inbound(message)
    except ProtocolError as error:
        log.info("wechat request refused: %s", error.message)
        return PlainTextResponse(error.message, status_code=error.status)
    except Exception:
        # Never a 5xx (WeChat would retry and the resident see an error); with no message there
        # is nobody to apologise to, so acknowledge and leave the trace in the log.
        log.exception("wechat request could not be read")
        return PlainTextResponse(SUCCESS)
    try:
        reply = await _answer(request.app.state, inbound, settings.wechat_reply_budget_ms / 1000)
        if not reply.text:
            return PlainTextResponse(SUCCESS)
        return _xml(render_reply(message, reply.text, envelope, query.get("nonce", "")))
    except Exception:
        # Never a 5xx: WeChat would show the resident "该公众号暂时无法提供服务".
        log.exception("wechat reply failed", extra={"msg_key": inbound.dedup_key})
        try:
            return _xml(render_reply(message, texts.apology(settings.office_phone), envelope, query.get("nonce", "")))
        except Exception:
            return PlainTextResponse(SUCCESS)


def _process(pipeline: Pipeline, admission: Admission, inbound: Inbound, budget: float) -> Reply:
    try:
        return pipeline.process(inbound, budget)
    finally:
        admission.leave()


async def _answer(state: Any, inbound: Inbound, budget: float) -> Reply:
    """The pipeline's reply within the budget; later replies go out as customer-service messages."""
    pipeline: Pipeline = state.pipeline
    admission: Admission = state.admission
    if not admission.try_enter():
        # Queued now it would be answered after WeChat stopped waiting: keep it for the backlog instead.
        return await _keep_for_backlog(state, inbound, "queue full")
    future = state.handlers.submit(_process, pipeline, admission, inbound, budget)
    waiting = asyncio.wrap_future(future)
    done, _ = await asyncio.wait({waiting}, timeout=budget)
    if done:
        return waiting.result()
    if future.cancel():
        # Never started: rather than answer `success` for a message held only in memory (lost if the
        # process died now), store it for the backlog.
        admission.cancel()
        return await _keep_for_backlog(state, inbound, "not started within the budget")
    # Running: stored already, or about to be (its wait for the write lock is bounded by the queue
    # budget); hand its reply on when it is ready.
    waiting.add_done_callback(lambda late: late.cancelled() or late.exception())  # retrieved: no GC warning
    future.add_done_callback(lambda finished: _deliver_late(pipeline, inbound, finished))
    log.warning("reply over budget; will follow as a message", extra={"msg_key": inbound.dedup_key})
    return Reply(None)


async def _keep_for_backlog(state: Any, inbound: Inbound, why: str) -> Reply:
    """Store ``inbound`` as queued (or spooled) and answer ``success``: the backlog answers it later."""
    await asyncio.wrap_future(_intake.submit(state.pipeline.accept, inbound))
    state.backlog.wake()
    log.info("%s; message kept for the backlog", why, extra={"msg_key": inbound.dedup_key})
    return Reply(None)


def _deliver_late(pipeline: Pipeline, inbound: Inbound, done: Future[Reply]) -> None:
    try:
        reply = done.result()
    except Exception:  # the turn's own failures become apologies inside; this is the store failing
        log.exception("late reply lost", extra={"msg_key": inbound.dedup_key})
        return
    if reply.text and pipeline.late_sink is not None:
        try:
            pipeline.late_sink(inbound.sender, reply.text)
        except Exception:
            log.exception("late reply could not be queued", extra={"openid": mask_openid(inbound.sender)})
