"""Finetuning data by best-of-N self-distillation: the base model's own best candidates become targets.

Real histories are crossed with training campaigns; the base model (prompted with a worked example)
writes N candidates per prompt; the evaluator's signals (hard checks, predicted CTR, relevance, fluency)
pick the best compliant one as the SFT target and the worst as the rejected side of a preference pair.
The student is trained on the prompt without the worked example, so it learns the format as well as the
preferences. Generation is the slow part, so every prompt's candidates are appended to
`generated.jsonl` as soon as they exist and a rerun resumes after the last one written.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

import yaml
from tqdm import tqdm

from .evaluator import candidate_quality
from .types import Campaign, UserHistory, ValidationError


def load_campaigns(path: str | Path) -> list[Campaign]:
    """A YAML list of campaigns."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(raw, list) or not raw:
        raise ValidationError(f"{path}: expected a non-empty YAML list of campaigns")
    return [Campaign.from_dict(c) for c in raw]


def assign(users: list[UserHistory], campaigns: list[Campaign], n_prompts: int, seed: int):
    """Shuffle users with `seed`, keep `n_prompts`, pair them round-robin with the campaigns."""
    users = [u for u in users if u.events]
    random.Random(seed).shuffle(users)
    return [(u, campaigns[i % len(campaigns)]) for i, u in enumerate(users[:n_prompts])]


def generate_candidates(
    pg, pairs: list[tuple[UserHistory, Campaign]], out_dir: str | Path, n: int, seed: int, chunk: int = 6
) -> Path:
    """Append one line per (user, campaign) with all candidates and scores; skip lines already written."""
    path = Path(out_dir) / "generated.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    done = set()
    if path.is_file():
        with path.open(encoding="utf-8") as handle:
            done = {(r["user_id"], r["campaign"]["campaign_id"]) for r in map(json.loads, handle)}
    todo = [(u, c) for u, c in pairs if (u.user_id, c.campaign_id) not in done]
    by_campaign: dict[str, list] = {}
    for user, campaign in todo:
        by_campaign.setdefault(campaign.campaign_id, []).append((user, campaign))
    bar = tqdm(total=len(pairs), initial=len(pairs) - len(todo), unit="prompt", dynamic_ncols=True)
    with path.open("a", encoding="utf-8") as out:
        for group in by_campaign.values():
            campaign = group[0][1]
            for start in range(0, len(group), chunk):
                users = [u for u, _ in group[start : start + chunk]]
                encoded = pg.encoder.encode_users(users)
                deliveries = pg.generate(campaign, users, n_candidates=n, seed=seed, encoded=encoded)
                for user, vector, d in zip(users, encoded[0], deliveries, strict=True):
                    row = {
                        "user_id": user.user_id,
                        "campaign": campaign.to_dict(),
                        "interests": d.interests,
                        "vector": [round(float(x), 5) for x in vector],
                        "candidates": [c.to_dict() for c in d.candidates],
                    }
                    out.write(json.dumps(row, ensure_ascii=False) + "\n")
                out.flush()
                bar.update(len(users))
    bar.close()
    return path


def select_targets(generated: str | Path, out_dir: str | Path, fluency_floor: float = 400.0) -> dict:
    """Write sft.jsonl (best compliant candidate), pairs.jsonl (best vs worst) and users.txt."""
    out_dir = Path(out_dir)
    sft, pairs, users = [], [], set()
    with Path(generated).open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    for row in rows:
        users.add(row["user_id"])
        cands = row["candidates"]
        good = [c for c in cands if c["eligible"] and c["text"]]
        if not good:
            continue
        best = max(good, key=lambda c: candidate_quality(c["scores"], fluency_floor))
        base = {k: row[k] for k in ("user_id", "campaign", "interests", "vector")}
        sft.append(
            {**base, "target": best["text"], "quality": candidate_quality(best["scores"], fluency_floor)}
        )
        bad = [c for c in cands if c["violations"] and c["text"]]
        worst = bad[0] if bad else min(good, key=lambda c: candidate_quality(c["scores"], fluency_floor))
        if worst["text"] != best["text"]:
            pairs.append({**base, "chosen": best["text"], "rejected": worst["text"]})
    for name, items in (("sft.jsonl", sft), ("pairs.jsonl", pairs)):
        with (out_dir / name).open("w", encoding="utf-8") as out:
            out.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in items)
    (out_dir / "users.txt").write_text("".join(f"{u}\n" for u in sorted(users)), encoding="utf-8")
    digest = hashlib.sha1((out_dir / "sft.jsonl").read_bytes()).hexdigest()
    n_cands = sum(len(r["candidates"]) for r in rows)
    n_ok = sum(not c["violations"] for r in rows for c in r["candidates"])
    return {
        "prompts": len(rows),
        "targets": len(sft),
        "pairs": len(pairs),
        "users": len(users),
        "candidate_compliance": round(n_ok / max(n_cands, 1), 4),
        "sft_sha1": digest,
    }
