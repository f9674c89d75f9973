"""The package's shape: light to import, every public name resolves, offline work kept out of the runtime."""

import ast
import importlib.metadata
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomllib

import promogen

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "sentence_transformers", "peft", "accelerate", "datasets")

PROBE = """
import sys
{code}
heavy = sorted(m for m in {heavy!r} if m in sys.modules)
print("LOADED:" + ",".join(heavy))
"""


@pytest.mark.parametrize(
    "code",
    [
        "import promogen",
        "from promogen import Campaign, UserHistory, ValidationError, check_copy",
        "import sys; sys.argv = ['promogen', '--help']\nfrom promogen.cli import main\nmain()",
        "import sys; sys.argv = ['promogen', 'batch', '--help']\nfrom promogen.cli import main\nmain()",
        "import sys; sys.argv = ['promogen', 'plan', '--help']\nfrom promogen.cli import main\nmain()",
        "from promogen.train.campaigns import brief_problems",  # the writers' check reads text only
    ],
)
def test_import_and_help_do_not_load_the_model_libraries(code):
    """A fresh interpreter, so modules other tests loaded do not count."""
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(code=code, heavy=HEAVY)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1", "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    loaded = result.stdout.rpartition("LOADED:")[2].strip()
    assert "LOADED:" in result.stdout and loaded == "", f"{code!r} imported {loaded}"


def test_every_public_name_resolves():
    for name in promogen.__all__:
        assert getattr(promogen, name) is not None, f"promogen.{name} does not resolve"
    assert set(dir(promogen)) >= set(promogen.__all__), "dir() lists the lazy names"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        promogen.nope  # noqa: B018


def test_runtime_modules_do_not_import_offline_work():
    """Serving must not depend on training or evaluation code (they may depend on it)."""
    offenders = []
    for path in sorted((ROOT / "promogen").glob("*.py")):
        text = path.read_text(encoding="utf-8")
        if "from .train" in text or "from .evaluation" in text:
            offenders.append(path.name)
    assert offenders == [], f"runtime modules importing offline code: {offenders}"


def _imported_top_modules() -> dict[str, str]:
    """Top-level module -> a file importing it, over promogen/, finetune/, eval/ and tests/."""
    found: dict[str, str] = {}
    for folder in ("promogen", "finetune", "eval", "tests"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    found.setdefault(name.split(".")[0], str(path.relative_to(ROOT)))
    return found


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    specs = project["dependencies"] + [
        s for extra in project["optional-dependencies"].values() for s in extra
    ]
    return {re.split(r"[<>=!~\[ ;]", s, maxsplit=1)[0].lower().replace("_", "-") for s in specs}


def test_every_third_party_import_is_declared_in_pyproject():
    local = {"promogen", "finetune", "eval", "tests"} | {p.stem for p in (ROOT / "tests").glob("*.py")}
    distributions = importlib.metadata.packages_distributions()
    declared = _declared()
    missing = []
    for module, where in _imported_top_modules().items():
        if module in sys.stdlib_module_names or module in local:
            continue
        names = {d.lower().replace("_", "-") for d in distributions.get(module, [module])}
        if not names & declared:
            missing.append(f"{module} ({where})")
    assert missing == [], f"imports no dependency or extra declares: {missing}"


@pytest.mark.parametrize(
    "script",
    sorted(p.relative_to(ROOT).as_posix() for d in ("finetune", "eval") for p in (ROOT / d).glob("*.py")),
)
def test_scripts_import_and_define_main(script):
    """The thin scripts resolve their imports from the sub-packages and only parse arguments on main()."""
    spec = importlib.util.spec_from_file_location(f"script_{Path(script).stem}", ROOT / script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    data = script.endswith("__init__.py") or script.startswith("eval/gate_holdout")  # tables of cases
    assert data or callable(module.main), script


@pytest.mark.parametrize(
    ("resolve", "name", "regex"),
    [
        (
            "resolve_llm",
            "someone/not-cached-model",
            r"neither a local folder nor a model in the local hub cache",
        ),
        ("resolve_llm", "./missing_model", r"model directory not found: ./missing_model"),
        ("resolve_encoder", "someone/not-cached-encoder", r"promogen never downloads models at run time"),
        ("resolve_encoder", "./missing_encoder", r"model directory not found: ./missing_encoder"),
    ],
)
def test_a_model_name_not_on_this_machine_is_one_error_and_never_a_download(
    resolve, name, regex, monkeypatch
):
    import socket

    from promogen import models

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)  # as after a plain `pip install promogen`
    tried = []

    def connect(sock, address):
        tried.append(address)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket.socket, "connect", connect)
    with pytest.raises(models.ModelNotFoundError, match=regex):
        getattr(models, resolve)(name)
    assert tried == [], f"nothing may be fetched: {tried}"
