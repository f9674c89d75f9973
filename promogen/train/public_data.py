"""Readers for the public benchmark data (Upworthy, MIND, Amazon) and a stable split by id.

The data lives outside the repository and is read by path. Each reader checks the columns it needs and
names a missing one, so a file from another domain in the same format works unchanged.
"""

from __future__ import annotations

import ast
import hashlib
import json
import re
from pathlib import Path

import numpy as np

from ..types import Event, UserHistory, ValidationError

_MIND_ITEM = re.compile(r'"(.*?)" in catagory (\w+)')


def heldout(key: str, fraction: float = 0.2, salt: str = "promogen") -> bool:
    """A stable hash split: True for the `fraction` of keys kept back for reporting."""
    digest = hashlib.sha1(f"{salt}:{key}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < fraction


def _require(columns, needed: tuple[str, ...], what: str) -> None:
    missing = [c for c in needed if c not in columns]
    if missing:
        raise ValidationError(f"{what} is missing column(s) {missing}")


def upworthy_arms(path: str | Path):
    """One row per (test, headline): summed impressions and clicks."""
    import pandas as pd

    frame = pd.read_parquet(path)
    _require(frame.columns, ("clickability_test_id", "headline", "impressions", "clicks"), str(path))
    frame = frame.dropna(subset=["headline"])
    arms = frame.groupby(["clickability_test_id", "headline"], as_index=False)[
        ["impressions", "clicks"]
    ].sum()
    return arms[arms.impressions > 0].reset_index(drop=True)


def mind_rows(path: str | Path) -> list[tuple[UserHistory, str, int]]:
    """(history as click events, candidate title, label) per MIND prompt row."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(rows, list):
        raise ValidationError(f"{path}: expected a JSON list of {{instruction, input, output}}")
    out = []
    for i, row in enumerate(rows):
        if not isinstance(row, dict) or "input" not in row or "output" not in row:
            raise ValidationError(f"{path}: row {i} must hold `input` and `output`")
        history_part, _, target_part = row["input"].partition("\n")
        history = _MIND_ITEM.findall(history_part)
        target = _MIND_ITEM.findall(target_part)
        if not history or not target:
            raise ValidationError(f"{path}: row {i} `input` is not in the MIND prompt format")
        events = [Event("click", title, ts=t, category=cat) for t, (title, cat) in enumerate(history)]
        user = UserHistory(user_id=hashlib.sha1(history_part.encode()).hexdigest()[:12], events=events)
        out.append((user, target[0][0], int(row["output"].strip().lower().startswith("yes"))))
    return out


def mind_candidate_categories(path: str | Path) -> list[str]:
    """The category of each MIND row's candidate title, in the order `mind_rows` reads the rows."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    return [_MIND_ITEM.findall(row["input"].partition("\n")[2])[0][1] for row in rows]


def amazon_split(directory: str | Path, split: str):
    """Users (history titles as purchases), their history item ids, next item id, catalogue {id: title}."""
    import pandas as pd

    directory = Path(directory)
    frame = pd.read_csv(directory / f"{split}.csv")
    _require(frame.columns, ("user_id", "history_item_title", "history_item_id", "item_id"), f"{split}.csv")
    items = json.loads((directory / "items.json").read_text(encoding="utf-8"))
    catalogue = {str(k): v["title"] for k, v in items.items() if v.get("title")}
    users, histories, targets = [], [], []
    for row in frame.itertuples(index=False):
        titles = [t for t in ast.literal_eval(row.history_item_title) if t]
        users.append(
            UserHistory(
                user_id=str(row.user_id), events=[Event("purchase", t, ts=s) for s, t in enumerate(titles)]
            )
        )
        histories.append({str(i) for i in ast.literal_eval(row.history_item_id)})
        targets.append(str(row.item_id))
    return users, histories, targets, catalogue


def cached_embeddings(encoder, texts: list[str], cache: str | Path | None) -> np.ndarray:
    """Encode texts once per machine: benchmark and training reruns reuse the vectors from `cache`."""
    if cache is None:
        return encoder.encode_texts(texts)
    cache = Path(cache)
    key = hashlib.sha1(("\n".join(texts) + encoder.config.model).encode()).hexdigest()[:16]
    path = cache / f"emb-{key}.npy"
    if path.is_file():
        return np.load(path)
    vectors = encoder.encode_texts(texts)
    cache.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors
