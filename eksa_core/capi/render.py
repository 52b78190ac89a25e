"""YAML output of rendered objects."""

from __future__ import annotations

import io
import threading
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ruamel.yaml import YAML
    from ruamel.yaml.representer import RoundTripRepresenter

__all__ = ["render_yaml", "to_yaml"]


class _LiteralStr(str):
    """A multi-line string written as a ``|`` block."""


def _represent_str(dumper: RoundTripRepresenter, data: str) -> Any:
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


def _yaml() -> YAML:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.default_flow_style = False
    y.width = 4096
    y.indent(mapping=2, sequence=2, offset=0)
    y.representer.add_representer(str, _represent_str)
    return y


_YAML: YAML | None = None  # made on first use: importing the builders (as a plugin does) loads no ruamel.yaml
_YAML_LOCK = threading.Lock()


def to_yaml(data: Any) -> str:
    """One document as YAML text (block style; multi-line strings as ``|`` blocks; key order kept)."""
    global _YAML
    if _YAML is None:
        with _YAML_LOCK:
            if _YAML is None:
                _YAML = _yaml()
    buf = io.StringIO()
    _YAML.dump(data, buf)
    return buf.getvalue()


def render_yaml(objects: Iterable[dict[str, Any]]) -> str:
    """Objects as a multi-document YAML stream (``---`` between documents), in the given order."""
    return "---\n".join(to_yaml(obj) for obj in objects)
