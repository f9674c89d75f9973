"""Component configs: one dataclass per component, every field defaulted and documented.

Configs are saved as JSON beside every artefact they produce, stamped with the promogen version, so a
result can always be traced back to the settings that made it. `override` is the one way to change a
setting from the outside: `generator.temperature=0.5`, as `promogen ... --set` and the harness variants
write it.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TypeVar

from .types import ValidationError, is_number

T = TypeVar("T", bound="Config")


def option(default: Any, help: str) -> Any:
    """A dataclass field with a default and a help text (mutable defaults are copied per instance)."""
    if isinstance(default, (dict, list)):
        return dataclasses.field(default_factory=lambda: type(default)(default), metadata={"help": help})
    return dataclasses.field(default=default, metadata={"help": help})


class Config:
    """Mixin for config dataclasses: range/choice checks, JSON round trip, field help."""

    def _choice(self, name: str, allowed: tuple) -> None:
        value = getattr(self, name)
        if value not in allowed:
            raise ValidationError(f"`{name}` must be one of {', '.join(map(str, allowed))}; got {value!r}")

    def _range(self, name: str, low: float | None = None, high: float | None = None) -> None:
        value = getattr(self, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError(f"`{name}` must be a number, got {type(value).__name__}")
        if (
            not math.isfinite(value)
            or (low is not None and value < low)
            or (high is not None and value > high)
        ):
            bounds = f"[{'-inf' if low is None else low}, {'inf' if high is None else high}]"
            raise ValidationError(f"`{name}` must be in {bounds}; got {value!r}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known - {"promogen_version", "config"})
        if unknown:
            raise ValidationError(f"unknown {cls.__name__} field(s) {unknown}; allowed: {sorted(known)}")
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in data:
                _check_kind(f, data[f.name])
        return cls(**{k: v for k, v in data.items() if k in known})

    @classmethod
    def load(cls: type[T], path: str | Path | None, **overrides: Any) -> T:
        """The config in a JSON file (as `save` writes it, or only some fields; None: the defaults), with
        the `overrides` that are not None on top."""
        data: dict[str, Any] = {}
        if path is not None:
            try:
                data = json.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise ValidationError(f"cannot read {cls.__name__} from {path}: {exc}") from exc
        return cls.from_dict({**data, **{k: v for k, v in overrides.items() if v is not None}})

    @classmethod
    def help(cls) -> dict[str, str]:
        return {f.name: f.metadata.get("help", "") for f in dataclasses.fields(cls)}  # type: ignore[arg-type]

    def save(self, path: str | Path) -> Path:
        from . import __version__

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"config": type(self).__name__, "promogen_version": __version__, **self.to_dict()}
        path.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
        return path


def _check_kind(f: dataclasses.Field, value: Any) -> None:
    """A switch must be true or false (the text "false" is truthy), a group of settings an object:
    what a JSON config file or an API body can get wrong before any range check runs."""
    default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
    if isinstance(default, bool) and not isinstance(value, bool):
        raise ValidationError(f"`{f.name}` must be true or false; got {value!r}")
    if isinstance(default, Config) and not isinstance(value, (dict, Config)):
        raise ValidationError(f"`{f.name}` must be an object of settings; got {value!r}")


def _cast(text: str, current: Any, where: str) -> Any:
    """`text` as the type of the setting's current value (a nested config parses its own spec)."""
    if isinstance(current, Config):
        if not hasattr(current, "parse"):
            raise ValidationError(f"`{where}` is a group of settings; set one of them: {where}.FIELD=VALUE")
        try:
            return current.parse(text).to_dict()
        except ValidationError as exc:  # the spec's own field names, as the user's path
            raise ValidationError(_prefixed(str(exc), current, where)) from exc
    if isinstance(current, bool):
        if text.lower() not in ("true", "false"):
            raise ValidationError(f"`{where}` must be true or false; got {text!r}")
        return text.lower() == "true"
    if isinstance(current, (int, float)):
        try:
            return type(current)(text)
        except ValueError as exc:
            raise ValidationError(f"`{where}` must be {type(current).__name__}; got {text!r}") from exc
    if isinstance(current, (list, dict)):
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValidationError(f"`{where}` must be JSON ({exc.msg}); got {text!r}") from exc
        kind = "an object" if isinstance(current, dict) else "a list"
        if type(value) is not type(current):
            raise ValidationError(f"`{where}` must be {kind} in JSON; got {text!r}")
        old = list(current.values()) if isinstance(current, dict) else current
        new = list(value.values()) if isinstance(value, dict) else value
        if old and all(is_number(v) for v in old) and not all(is_number(v) for v in new):
            raise ValidationError(f"`{where}` must be {kind} of finite numbers; got {text!r}")
        return value
    return text


def override(config: T, assignments: Iterable[str]) -> T:
    """A copy of `config` with `key=value` assignments applied, e.g. `generator.temperature=0.5` or
    `policy=softmax:0.1`; every key is checked against the fields and the result is validated."""
    data, assignments = config.to_dict(), list(assignments)
    for assignment in assignments:
        path, sep, text = assignment.partition("=")
        if not sep or not path.strip():
            raise ValidationError(f"setting {assignment!r} must be KEY=VALUE, e.g. generator.temperature=0.5")
        keys = path.strip().split(".")
        node, obj = data, config
        for depth, key in enumerate(keys):
            where = ".".join(keys[: depth + 1])
            if not isinstance(obj, Config):
                parent = ".".join(keys[:depth])
                raise ValidationError(f"`{parent}` is one setting, not a group: drop `.{key}`")
            if key not in node:
                raise ValidationError(f"unknown setting `{where}`; allowed here: {', '.join(sorted(node))}")
            if depth == len(keys) - 1:
                node[key] = _cast(text.strip(), getattr(obj, key), where)
            else:
                node, obj = node[key], getattr(obj, key)
    for path in (a.partition("=")[0].strip() for a in assignments):
        _check_group(config, data, path.split(".")[:-1])
    return type(config).from_dict(data)


def _check_group(config: Config, data: dict, keys: list[str]) -> None:
    """Validate the nested group `keys` (e.g. ["generator"]) on its own, so that an error names the
    field by its whole path (`generator.temperature`, not `temperature`, which `policy` also has)."""
    if not keys:
        return
    obj, node = config, data
    for key in keys:
        obj, node = getattr(obj, key), node[key]
    try:
        type(obj).from_dict(node)
    except ValidationError as exc:
        raise ValidationError(_prefixed(str(exc), obj, ".".join(keys))) from exc


def _prefixed(message: str, group: Config, path: str) -> str:
    """`message` with each of `group`'s field names written as its whole path (`policy.temperature`)."""
    for f in dataclasses.fields(group):  # type: ignore[arg-type]
        message = message.replace(f"`{f.name}`", f"`{path}.{f.name}`")
    return message
