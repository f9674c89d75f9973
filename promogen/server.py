"""`promogen serve`: one process holding the models, the REST API, the review page, jobs and their limits.

The app is assembled here so that its safety rules hold for every route: it binds to localhost unless
told otherwise; with `PROMOGEN_API_TOKEN` set, every request that is not a read needs that bearer token;
request bodies are bounded (413 with the limit); and the server reads and writes only inside its data
folder (jobs, approved variants). The models are loaded once and owned by one micro-batching worker.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

from . import __version__
from .api import field_error_response
from .api import router as api_router
from .config import Config, option
from .jobs import JobNotFound, JobStore
from .microbatch import MicroBatcher
from .pipeline import PromoGen
from .review import STATIC
from .review import router as review_router
from .types import ValidationError
from .variants import VariantStore

TOKEN_ENV = "PROMOGEN_API_TOKEN"
READS = ("GET", "HEAD", "OPTIONS")
UPLOAD_ROUTES = ("/v1/jobs", "/review/preview")


@dataclass
class ServeConfig(Config):
    host: str = option("127.0.0.1", "address to bind: localhost only unless you choose otherwise")
    port: int = option(8000, "TCP port")
    data_dir: str = option(
        "promogen_data", "folder of jobs and approved variants; the server writes nowhere else"
    )
    max_body_bytes: int = option(1_000_000, "largest JSON request body (larger: 413)")
    max_upload_bytes: int = option(200_000_000, "largest users-file upload (larger: 413)")
    max_users: int = option(64, "users per /v1/generate request (more: 422; use a job)")
    max_preview: int = option(12, "sample shoppers previewed on the review page")
    batch_wait_ms: float = option(10.0, "how long the model worker waits for more requests to batch")
    max_batch_users: int = option(
        16,
        "users the worker merges into one generate call (16 beat sequential requests on 2 CPU cores, "
        "64 did not: reports/serve/load_batch*.json)",
    )
    job_batch_size: int = option(16, "users per generation batch in a job (as `batch --batch-size`)")

    def __post_init__(self) -> None:
        self._range("port", 1, 65535)
        for name in ("max_body_bytes", "max_upload_bytes", "max_users", "max_preview"):
            self._range(name, 1)
        self._range("batch_wait_ms", 0.0, 1000.0)
        self._range("max_batch_users", 1)
        self._range("job_batch_size", 1)


class BodyLimit:
    """ASGI middleware: 413 for a body over the route's limit, declared (content-length) or streamed.

    A streamed (chunked) body is read up to the limit before the app sees it, then replayed."""

    def __init__(self, app, config: ServeConfig):
        self.app = app
        self.config = config

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        upload = scope["path"] in UPLOAD_ROUTES
        limit = self.config.max_upload_bytes if upload else self.config.max_body_bytes
        too_large = JSONResponse(
            status_code=413,
            content={
                "detail": f"request body is over the limit of {limit} bytes"
                + ("" if upload else " (send large user sets as a file to POST /v1/jobs)")
            },
        )
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > limit:
                return await too_large(scope, receive, send)
            return await self.app(scope, receive, send)
        events, size = [], 0
        while True:
            event = await receive()
            events.append(event)
            size += len(event.get("body", b""))
            if size > limit:
                return await too_large(scope, receive, send)
            if event["type"] != "http.request" or not event.get("more_body"):
                break

        async def replay():
            return events.pop(0) if events else await receive()

        await self.app(scope, replay, send)


def create_app(pg: PromoGen, config: ServeConfig | None = None, token: str | None = None):
    """The FastAPI app around a loaded `pg`; `token` defaults to $PROMOGEN_API_TOKEN (unset: no token)."""
    config = config or ServeConfig()
    if token is None:
        token = os.environ.get(TOKEN_ENV) or None
    data = Path(config.data_dir).resolve()
    app = FastAPI(title="promogen", version=__version__, description="Personalised promotion copy.")
    app.state.config = config
    app.state.token_required = bool(token)
    app.state.batcher = MicroBatcher(pg, config.max_batch_users, config.batch_wait_ms / 1000)
    app.state.jobs = JobStore(data / "jobs", app.state.batcher, config.job_batch_size)
    app.state.variants = VariantStore(data / "variants.jsonl")
    app.include_router(api_router)
    app.include_router(review_router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_exception_handler(ValidationError, lambda _, exc: field_error_response(exc))
    app.add_exception_handler(
        JobNotFound, lambda _, exc: JSONResponse(status_code=404, content={"detail": exc.args[0]})
    )

    # Added first, so it runs inside the token check: a request without the token is refused before
    # any of a streamed body is read (BodyLimit would hold up to max_upload_bytes of it in memory).
    app.add_middleware(BodyLimit, config=config)

    @app.middleware("http")
    async def require_token(request: Request, call_next):
        if token and request.method not in READS:
            given = request.headers.get("authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return JSONResponse(
                    status_code=401,
                    content={
                        "detail": f"{request.method} requests need `Authorization: Bearer ${TOKEN_ENV}`"
                    },
                    headers={"WWW-Authenticate": "Bearer"},
                )
        return await call_next(request)

    return app


def serve(load: Callable[[], PromoGen], config: ServeConfig) -> None:
    """Check the binding, load the models once (`load()`), then run the app on uvicorn until interrupted."""
    if config.host not in ("127.0.0.1", "localhost", "::1") and not os.environ.get(TOKEN_ENV):
        raise ValidationError(
            f"`host` {config.host} exposes the server beyond this machine; set {TOKEN_ENV} first"
        )
    uvicorn.run(create_app(load(), config), host=config.host, port=config.port, log_level="info")
