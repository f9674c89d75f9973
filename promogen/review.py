"""The review page: marketers preview copy per shopper, edit it, approve it and run the batch.

The page is server-rendered (Jinja2, autoescaped: a copy holding `<script>` shows as text) with a small
script and no build step. Everything it does goes through the REST API or the same helpers: shoppers are
previewed through the shared micro-batcher, edits are re-checked by `/v1/check` (the one gate),
decisions go to `/v1/variants` (which refuses to approve non-compliant copy) and the batch is a job.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from .api import FieldError, read_campaign, read_int, read_json, verdict
from .readers import read_users
from .simulate import demo_campaign, simulate_users
from .types import CHANNEL_LIMITS, OFFER_KINDS, Campaign, Delivery, ValidationError

HERE = Path(__file__).resolve().parent
STATIC = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")  # autoescapes .html templates
SCORES = (
    ("perplexity", "copywriter perplexity"),
    ("approval", "approver score"),
    ("predicted_ctr", "predicted CTR"),
    ("relevance", "relevance"),
    ("repeated", "words already given out"),
)

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def page(request: Request):
    """The page, its campaign form filled in with the run20 demo campaign."""
    state = request.app.state
    context = {
        "campaign": demo_campaign("run20").to_dict(),
        "channels": CHANNEL_LIMITS,
        "offer_kinds": OFFER_KINDS,
        "token_required": state.token_required,
        "max_preview": state.config.max_preview,
    }
    return templates.TemplateResponse(request, "review.html", context)


def first_users(upload: UploadFile, n: int, folder: Path) -> tuple[list, list[dict]]:
    """The first `n` valid users of an uploaded users file, and the bad rows met before them."""
    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        path = Path(tmp) / f"users{Path(upload.filename or '').suffix.lower()}"
        with path.open("wb") as out:
            shutil.copyfileobj(upload.file, out)
        users, bad = [], []
        try:
            for number, user, reason in read_users(path):
                if user is None:
                    bad.append({"line": number, "reason": reason})
                else:
                    users.append(user)
                if len(users) == n:
                    break
        except ValidationError as exc:
            raise FieldError("users", f"`users` file: {exc}") from None
    if not users:
        raise FieldError("users", "`users` file holds no valid user")
    return users, bad


def card(campaign: Campaign, delivery: Delivery, cart: list[str]) -> dict:
    """What the page shows for one shopper: the delivered copy, its verdict and every candidate; `cart`
    (what the shopper has carted) goes with every re-check of an edit."""
    candidates = [
        {
            "text": c.text,
            "scores": [(label, c.scores.get(key)) for key, label in SCORES],
            "violations": c.violations,
            "delivered": i == delivery.chosen,
        }
        for i, c in enumerate(delivery.candidates)
    ]
    return {
        "user_id": delivery.user_id,
        "interests": delivery.interests,
        "cart": cart,
        "text": delivery.text,
        "chosen_by": delivery.chosen_by,
        "verdict": verdict(campaign, delivery.text, delivery.interests, cart),
        "candidates": candidates,
    }


@router.post("/review/preview", response_class=HTMLResponse)
async def preview(
    request: Request,
    campaign: Annotated[str, Form()],
    n: Annotated[int, Form()] = 3,
    seed: Annotated[int, Form()] = 0,
    users: Annotated[UploadFile | None, File()] = None,
):
    """The shopper cards (an HTML fragment) for simulated shoppers or the first rows of a users file."""
    state = request.app.state
    camp = read_campaign(read_json(campaign, "campaign"))
    n = read_int(n, "n", 1, state.config.max_preview)
    seed = read_int(seed, "seed", 0)
    if users is not None and users.filename:
        folder = Path(state.config.data_dir).resolve() / "uploads"
        sample, bad = await run_in_threadpool(first_users, users, n, folder)
    else:
        sample, bad = simulate_users(n, seed=seed), []
    deliveries = await asyncio.wrap_future(state.batcher.submit(camp, sample, seed=seed))
    cards = [card(camp, d, u.cart_items()) for d, u in zip(deliveries, sample, strict=True)]
    context = {"cards": cards, "bad_rows": bad}
    return templates.TemplateResponse(request, "shoppers.html", context)
