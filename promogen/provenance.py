"""What made an output: the pipeline config, each model's id with a hash of its files, the version.

A batch output is only reproducible if one can tell which weights wrote it. Ids are not enough (a pulled
model or an adapter folder can be replaced in place), so every model folder is recorded with a sha1 over
its files, and the record is saved as JSON beside the output. Offline reports also record the git
commit of the code that wrote them (`code_version`): two runs of one command on two commits, or two
machines, are told apart by what the report itself says.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from functools import lru_cache
from pathlib import Path

import torch

from . import __version__
from .hardware import bf16_features, resolve_dtype
from .models import ModelNotFoundError, resolve_encoder, resolve_llm

CODE_PATHS = ("promogen", "prompts", "eval", "finetune")


def code_version(root: str | Path | None = None) -> dict | None:
    """The commit of the promogen checkout at `root` (this package's) and whether its code has changes
    not committed; None outside a git checkout, e.g. an installed package."""
    root = Path(root) if root else Path(__file__).resolve().parents[1]
    if not (root / ".git").exists():
        return None

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
        return done.stdout

    try:
        commit = git("rev-parse", "--short", "HEAD").strip()
        changes = git("status", "--porcelain", "--untracked-files=no", "--", *CODE_PATHS).strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    return {"commit": commit, "uncommitted_changes": bool(changes)}


def file_sha1(path: str | Path) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dir_sha1(path: str | Path | None) -> str | None:
    """sha1 over every file's relative path and content hash, in sorted order; None if not a local folder."""
    if path is None or not Path(path).is_dir():
        return None
    root = Path(path).resolve()
    files = []
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        relative = file.relative_to(root).as_posix()
        if not any(part.startswith(".") or part == "__pycache__" for part in relative.split("/")):
            stat = file.stat()
            files.append((relative, stat.st_size, stat.st_mtime_ns))
    return _files_sha1(str(root), tuple(files))


@lru_cache(maxsize=64)
def _files_sha1(root: str, files: tuple) -> str:
    """Cached on (path, size, mtime) of every file, so a process hashes a model's weights once."""
    digest = hashlib.sha1()
    for relative, _, _ in files:
        digest.update(f"{relative}:{file_sha1(Path(root) / relative)}\n".encode())
    return digest.hexdigest()


def _model(model_id: str, resolve) -> dict:
    """A model id, the folder it resolves to and that folder's hash (None for a hub id or no files)."""
    try:
        path = resolve(model_id)
    except ModelNotFoundError:
        path = None
    return {"id": model_id, "path": path, "sha1": dir_sha1(path)}


def _folder(path: str | None) -> dict | None:
    return None if path is None else {"path": str(path), "sha1": dir_sha1(path)}


def run_record(pg) -> dict:
    """The promogen version, the pipeline config and every model of `pg` (a PromoGen) with its hash."""
    config = pg.config
    scoring = resolve_dtype(config.scoring_dtype)
    return {
        "promogen_version": __version__,
        "pipeline": config.to_dict(),
        # "auto" resolved on this machine, with the CPU features that decided it, and in bfloat16 the
        # thread count: its matmuls round by how they split the work, so other threads write other copy
        # (or other scores, which rank the copy by `rank_by` and floor it by `min_approval`).
        "inference": {
            "dtype": pg.generator.dtype,
            "scoring_dtype": scoring,
            "cpu_bf16_features": bf16_features(),
            **({"threads": torch.get_num_threads()} if "bfloat16" in (pg.generator.dtype, scoring) else {}),
        },
        "models": {
            "generator": _model(config.generator.model, resolve_llm),
            "adapter": _folder(pg.generator.adapter),
            "encoder": _model(config.encoder.model, resolve_encoder),
            "ranker": _folder(pg.ranker.directory) if pg.ranker else None,
            "approver": _folder(pg.approver.directory) if pg.approver else None,
            "judge": _folder(pg.judge.directory) if pg.judge else None,
        },
    }


def write_record(path: str | Path, record: dict) -> Path:
    """Written whole or not at all: a kill mid-write must not leave a record a resume cannot read."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())  # on disk before it replaces the old record, as the output lines are
    os.replace(tmp, path)
    return path


def differences(before, after, prefix: str = "") -> list[str]:
    """The dotted keys whose values differ between two records (nested dicts compared key by key)."""
    if not (isinstance(before, dict) and isinstance(after, dict)):
        return [] if before == after else [prefix]
    keys = sorted(set(before) | set(after))
    return [d for k in keys for d in differences(before.get(k), after.get(k), f"{prefix}{k}.")]


def emit_json(result: dict, out: str | Path | None) -> None:
    """Print an offline command's result as JSON and, with `out`, save the same text there (the
    committed artefact a README or docs/ figure comes from)."""
    text = json.dumps(result, indent=2)
    print(text)
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(text + "\n")
