"""GET /healthz: 200 when the service can serve (database reachable, knowledge base loaded)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    checks: dict[str, str] = {}
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:  # a failing check is the answer here, not an error
        checks["database"] = f"error: {type(error).__name__}"
    checks["knowledge"] = f"{len(request.app.state.knowledge)} published entries served"
    healthy = checks["database"] == "ok"
    return JSONResponse({"status": "ok" if healthy else "unavailable", "checks": checks}, 200 if healthy else 503)
