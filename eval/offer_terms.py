"""How often delivered copy states every detail of the offer an approver checks: the code, the minimum
spend and the end date (`promogen.wording.offer_terms`; the decoding guard enforces the first two).

python -m eval.offer_terms --gold ../shared/data/copy_gold/dev.jsonl \
    --deliveries reports/copy_quality/deliveries --out reports/copy_quality/offer_terms.json

The gate does not require an end date (approvers' own good copy leaves it out of one message in four),
so this is measured apart from compliance: per variant (one folder of the harness's deliveries each) and for
copy_gold's own reference messages (`best`), the share of messages with every term and per term kind.
"""

import argparse
import json
import re
from pathlib import Path

from promogen.train.gold import read_specs
from promogen.types import Campaign
from promogen.wording import offer_terms

KINDS = ("min_spend", "code", "end_date")


def stated(text: str, campaign: Campaign) -> dict[str, bool]:
    """Per detail the offer has: whether `text` states it."""
    return {kind: bool(re.search(regex, text)) for kind, (regex, _) in offer_terms(campaign.offer).items()}


def summarise(rows: list[dict[str, bool]]) -> dict:
    out = {"messages": len(rows), "all_terms": round(sum(all(r.values()) for r in rows) / len(rows), 4)}
    for kind in KINDS:
        having = [r[kind] for r in rows if kind in r]
        if having:
            out[kind] = {"messages": len(having), "stated": round(sum(having) / len(having), 4)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--gold", required=True)
    parser.add_argument("--deliveries", required=True, help="the harness's deliveries folder")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    specs = read_specs(args.gold)
    campaigns = {s["campaign"]["campaign_id"]: Campaign.from_dict(s["campaign"]) for s in specs}
    result = {
        "command": "python -m eval.offer_terms " + " ".join(f"--{k} {v}" for k, v in vars(args).items()),
        "reference": summarise([stated(s["best"], campaigns[s["campaign"]["campaign_id"]]) for s in specs]),
    }
    for variant in sorted(p for p in Path(args.deliveries).iterdir() if p.is_dir()):
        rows = []
        for path in sorted(variant.glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                delivery = json.loads(line)
                if delivery["chosen_by"] == "model":
                    rows.append(stated(delivery["text"], campaigns[delivery["campaign_id"]]))
        result[variant.name] = summarise(rows)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
