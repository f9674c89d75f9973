"""The REST API of `promogen serve`: the library's contracts as JSON over HTTP, shared with the review page.

Every request body goes through the same validation as a file or a Python caller (`types.py`), and a
failure answers 422 naming the field by its path in the request (`campaign.offer.value`,
`users[2].events[0].type`). Generation goes through the server's micro-batcher (one model, one worker),
checks through the one gate, files through `run_batch` as jobs.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Body, File, Form, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from starlette.concurrency import run_in_threadpool

from . import __version__
from .checks import check_copy
from .checks import read_cart as checks_read_cart
from .prompts import fallback_copy
from .types import Campaign, UserHistory, ValidationError, check_keys, check_str, check_type

FIELD = re.compile(r"`([^`]+)`")
CAMPAIGN_EXAMPLE = {
    "campaign_id": "run20",
    "brand": "Stride Sports",
    "channel": "push",
    "offer": {"kind": "percent_off", "value": 20, "code": "RUN20", "applies_to": "running gear"},
    "banned_phrases": ["guaranteed"],
}
USER_EXAMPLE = {"user_id": "u1", "events": [{"type": "view", "text": "trail running shoes"}]}
GENERATE_EXAMPLE = {"campaign": CAMPAIGN_EXAMPLE, "users": [USER_EXAMPLE], "n_candidates": 4, "seed": 0}
CHECK_EXAMPLE = {"campaign": CAMPAIGN_EXAMPLE, "text": "Stride Sports: 20% off running gear with code RUN20."}

router = APIRouter()


class FieldError(ValidationError):
    """A ValidationError that knows the path of the bad field in the request."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def field_error_response(exc: ValidationError) -> JSONResponse:
    """422 with the field's path, in the shape of FastAPI's own validation errors."""
    match = FIELD.search(str(exc))
    field = getattr(exc, "field", None) or (match.group(1) if match else None)
    loc = ["body", *re.findall(r"[^.\[\]]+", field)] if field else ["body"]
    detail = [{"loc": loc, "field": field, "msg": str(exc), "type": "value_error"}]
    return JSONResponse(status_code=422, content={"detail": detail})


def parse(value: Any, reader, where: str, own: str) -> Any:
    """`reader(value)`, its error re-raised naming the field's path under `where`.

    The contract calls the object `own`: both "`campaign.brand` is missing" and "`brand` must not be
    empty" become field `campaign.brand`; `where=""` is the request body itself."""
    try:
        return reader(value)
    except ValidationError as exc:
        match = FIELD.search(str(exc))
        inner = match.group(1) if match else ""
        if inner == own or inner.startswith(own + "."):
            inner = inner[len(own) :].lstrip(".")
        field = ".".join(part for part in (where, inner) if part)
        raise FieldError(field, f"{where}: {exc}" if where else str(exc)) from None


def read_campaign(data: Any, where: str = "campaign") -> Campaign:
    """A campaign from JSON, refused unless a safe template line can carry its offer (the fallback)."""
    campaign = parse(data, Campaign.from_dict, where, "campaign")
    parse(campaign, fallback_copy, where, "campaign")
    return campaign


def read_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FieldError(where, f"`{where}` is not JSON: {exc.msg} (char {exc.pos})") from None


def read_users(data: Any, limit: int) -> list[UserHistory]:
    parse(data, lambda d: check_type(d, list, "users"), "users", "users")
    if not data:
        raise FieldError("users", "`users` must hold at least one user")
    if len(data) > limit:
        raise FieldError(
            "users", f"`users` holds {len(data)} users; at most {limit} per request (use POST /v1/jobs)"
        )
    users = [parse(u, UserHistory.from_dict, f"users[{i}]", "user") for i, u in enumerate(data)]
    seen: set[str] = set()
    for i, user in enumerate(users):
        if user.user_id in seen:
            raise FieldError(f"users[{i}].user_id", f"`users[{i}].user_id` {user.user_id!r} is repeated")
        seen.add(user.user_id)
    return users


def read_int(value: Any, name: str, low: int, high: int | None = None) -> int | None:
    if value is None:
        return None
    parse(value, lambda v: check_type(v, int, name), name, name)
    if value < low or (high is not None and value > high):
        raise FieldError(name, f"`{name}` must be in [{low}, {high if high is not None else 'inf'}]")
    return value


@router.get("/healthz")
def healthz(request: Request) -> dict:
    state = request.app.state
    return {
        "status": "ok",
        "promogen_version": __version__,
        "model": state.batcher.pg.generator.name,
        "adapter": state.batcher.pg.generator.adapter,
        "batched_generate_calls": state.batcher.calls,
    }


@router.post("/v1/generate")
async def generate(
    request: Request,
    body: Annotated[dict, Body(examples=[GENERATE_EXAMPLE])],
) -> dict:
    """One delivery per user (the `Delivery` contract), in input order."""
    config = request.app.state.config
    allowed = ("campaign", "users", "n_candidates", "seed")
    parse(body, lambda b: check_keys(b, ("campaign", "users"), allowed, "request"), "", "request")
    campaign = read_campaign(body["campaign"])
    users = read_users(body["users"], config.max_users)
    n = read_int(body.get("n_candidates"), "n_candidates", 1, 64)
    seed = read_int(body.get("seed"), "seed", 0)
    future = request.app.state.batcher.submit(campaign, users, n_candidates=n, seed=seed)
    deliveries = await asyncio.wrap_future(future)
    return {"deliveries": [d.to_dict() for d in deliveries]}


def verdict(
    campaign: Campaign, text: str, interests: list[str], cart: bool | list[str] | None = None
) -> dict:
    violations = check_copy(text, campaign, interests, cart)
    return {
        "compliant": not violations,
        "violations": [v.to_dict() for v in violations],
        "chars": len(text),
        "limit": campaign.limit,
    }


def read_cart(value: Any) -> bool | list[str] | None:
    """What the shopper has carted (`checks.read_cart`: the items, or only whether there are any); None:
    not known."""
    return parse(value, checks_read_cart, "cart", "cart")


def read_interests(value: Any) -> list[str]:
    """The shopper's interest phrases (a copy may quote numbers from them); none when absent."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise FieldError("interests", "`interests` must be a list of strings")
    return value


@router.post("/v1/check")
def check(
    body: Annotated[dict, Body(examples=[CHECK_EXAMPLE])],
) -> dict:
    """The compliance gate on one text: `{compliant, violations}` (plus its length and the limit).

    `interests` (optional) are the shopper's interest phrases the copy may quote numbers from; `cart`
    (optional) what the shopper has carted, the items' texts (or only whether there are any, true or
    false): a claim about their cart needs something there, and may name only what is."""
    allowed = ("campaign", "text", "interests", "cart")
    parse(body, lambda b: check_keys(b, ("campaign", "text"), allowed, "request"), "", "request")
    campaign = read_campaign(body["campaign"])
    text = parse(body["text"], lambda t: check_str(t, "text", empty=True), "text", "text")
    return verdict(campaign, text, read_interests(body.get("interests")), read_cart(body.get("cart")))


@router.post("/v1/jobs", status_code=202)
async def create_job(
    request: Request,
    campaign: Annotated[str, Form(description="the campaign as JSON")],
    users: Annotated[UploadFile, File(description="users file: JSONL, CSV or Parquet")],
    n_candidates: Annotated[int | None, Form()] = None,
    seed: Annotated[int | None, Form()] = None,
) -> dict:
    """Queue a batch job: one delivery per valid row of the users file; poll `GET /v1/jobs/{id}`."""
    camp = read_campaign(read_json(campaign, "campaign"))
    n = read_int(n_candidates, "n_candidates", 1, 64)
    seed = read_int(seed, "seed", 0)
    store = request.app.state.jobs
    return await run_in_threadpool(store.create, camp, users.file, users.filename, n, seed)


@router.get("/v1/jobs/{job_id}")
def job_status(request: Request, job_id: str) -> dict:
    """State (queued, running, done, failed), users done out of total, and bad rows so far."""
    return request.app.state.jobs.status(job_id)


def _job_file(request: Request, job_id: str, errors: bool):
    store = request.app.state.jobs
    state = store.status(job_id)["state"]
    if state not in ("done", "cancelled"):  # a cancelled job's result holds what it wrote before
        return JSONResponse(status_code=409, content={"detail": f"job {job_id} is {state}, not done"})
    path = store.out_path(job_id, errors=errors)
    name = f"promogen-{job_id}{'.errors' if errors else ''}.jsonl"
    return FileResponse(path, media_type="application/x-ndjson", filename=name)


@router.post("/v1/jobs/{job_id}/cancel")
def cancel_job(request: Request, job_id: str) -> dict:
    """Cancel a queued job, or a running one before its next batch (what it wrote so far is kept)."""
    return request.app.state.jobs.cancel(job_id)


@router.get("/v1/jobs/{job_id}/result")
def job_result(request: Request, job_id: str):
    """The finished job's deliveries as JSONL (409 until it is done)."""
    return _job_file(request, job_id, errors=False)


@router.get("/v1/jobs/{job_id}/errors")
def job_errors(request: Request, job_id: str):
    """The finished job's bad rows as JSONL: `{"line", "reason"}` per row."""
    return _job_file(request, job_id, errors=True)


@router.post("/v1/variants")
def record_variant(
    request: Request,
    body: Annotated[dict, Body(examples=[{**CHECK_EXAMPLE, "decision": "approved"}])],
) -> dict:
    """Approve or reject a copy for the campaign; approval re-checks it and refuses non-compliant copy."""
    allowed = ("campaign", "text", "decision", "user_id", "interests", "cart")
    required = ("campaign", "text", "decision")
    parse(body, lambda b: check_keys(b, required, allowed, "request"), "", "request")
    campaign = read_campaign(body["campaign"])
    user_id = "" if body.get("user_id") is None else body["user_id"]  # 0 is an id
    parse(user_id, lambda u: check_type(u, (str, int), "user_id"), "", "request")
    user_id = str(user_id)
    store = request.app.state.variants
    interests = read_interests(body.get("interests"))
    cart = read_cart(body.get("cart"))
    return store.record(campaign, body["text"], body["decision"], user_id, interests, cart)


@router.get("/v1/variants")
def list_variants(request: Request, campaign_id: str) -> dict:
    """The decisions recorded for a campaign, oldest first; `approved` holds the texts whose latest
    decision approved them for the campaign as it was last defined (the latest decision's offer, brand
    and channel), and `approved_earlier_definitions` those approved while the same id stated another
    offer (`VariantStore.approved`)."""
    store = request.app.state.variants
    approved, earlier = store.approved(campaign_id)
    return {
        "decisions": store.list(campaign_id),
        "approved": approved,
        "approved_earlier_definitions": earlier,
    }
