"""Reading a conformance case file (the ``cases.yaml`` format of EKS Anywhere's public fixtures)."""

from __future__ import annotations

import base64
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from ..errors import SpecError
from ..yamlio import read_text, safe_load

__all__ = ["Case", "CaseFile", "case_environment", "load_case_file"]


@attrs.define
class Case:
    """One case. ``raw`` keeps every field of the entry; the common ones are attributes."""

    id: str
    provider: str
    kind: str
    operation: str
    base_dir: Path
    raw: dict[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.raw.get(key, default)

    @property
    def params(self) -> dict[str, Any]:
        return dict(self.raw.get("params") or {})

    def path(self, relative: str | None) -> Path | None:
        """A path of the case, relative to the cases file."""
        return None if relative is None else self.base_dir / relative

    @property
    def input(self) -> Path | None:
        return self.path(self.raw.get("input"))

    @property
    def extra_inputs(self) -> dict[str, Path]:
        extra = self.raw.get("extra_inputs") or {}
        return {k: self.base_dir / v for k, v in extra.items() if isinstance(v, str)}

    @property
    def release_files(self) -> list[Path]:
        return [self.base_dir / r for r in self.raw.get("releases") or []]

    @property
    def blocked_by(self) -> Any:
        return self.raw.get("blocked_by")


@attrs.define
class CaseFile:
    """A parsed cases file."""

    path: Path
    cases: list[Case]
    raw: dict[str, Any]


def load_case_file(path: str | os.PathLike[str]) -> CaseFile:
    """Read a cases file; paths inside it are taken relative to its folder."""
    p = Path(path)
    data = safe_load(read_text(p), file=str(p))
    if not isinstance(data, Mapping) or not isinstance(data.get("cases"), list):
        raise SpecError(f"{p} is not a conformance case file: it has no 'cases' list", file=str(p))
    base = p.resolve().parent
    cases: list[Case] = []
    for i, entry in enumerate(data["cases"]):
        if not isinstance(entry, Mapping) or not entry.get("id") or not entry.get("kind"):
            raise SpecError(f"case {i} of {p} has no id or kind", file=str(p), document=0, field=f"cases[{i}]")
        cases.append(Case(id=str(entry["id"]), provider=str(entry.get("provider", "api")), kind=str(entry["kind"]),
                          operation=str(entry.get("operation", "")), base_dir=base, raw=dict(entry)))
    return CaseFile(p, cases, dict(data))


_BASE64_OF = re.compile(r"^base64\(<(?P<what>[^>]+)>\)$")
_PATH_OF = re.compile(r"^<path of (?P<what>[\w-]+)>$")
_SAME_AS = re.compile(r"^same as (?P<var>[A-Z0-9_]+)$")


def _input_named(case: Case, what: str) -> Path:
    words = what.split()
    name = words[0]
    if name == "input":
        if case.input is None:
            raise SpecError(f"case {case.id}: env refers to the input, but the case has none")
        return case.input
    extra = case.extra_inputs
    if name in extra:
        return extra[name]
    raise SpecError(f"case {case.id}: env refers to <{what}>, which the case does not define")


def resolve_env(case: Case) -> dict[str, str]:
    """The environment a case asks for, with its descriptive values worked out.

    ``base64(<input … bytes>)`` is the base64 of the input file (or of a named extra input), ``<path of X>`` the
    path of the input or extra input ``X``, and ``same as VAR`` the value given to ``VAR``.
    """
    env: dict[str, str] = {}
    pending: dict[str, str] = {}
    for key, value in (case.get("env") or {}).items():
        text = "" if value is None else str(value)
        if m := _BASE64_OF.match(text):
            env[key] = base64.b64encode(_input_named(case, m.group("what")).read_bytes()).decode()
        elif m := _PATH_OF.match(text):
            env[key] = str(_input_named(case, m.group("what")))
        elif m := _SAME_AS.match(text):
            pending[key] = m.group("var")
        else:
            env[key] = text
    for key, var in pending.items():
        env[key] = env.get(var, os.environ.get(var, ""))
    return env


@contextmanager
def case_environment(case: Case) -> Iterator[dict[str, str]]:
    """Apply the case's ``env`` and ``env_unset`` to ``os.environ`` for the duration of the block."""
    env = resolve_env(case)
    unset = [str(k) for k in case.get("env_unset") or []]
    saved = {k: os.environ.get(k) for k in [*env, *unset]}
    try:
        for key in unset:
            os.environ.pop(key, None)
        os.environ.update(env)
        yield env
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
