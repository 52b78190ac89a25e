"""Comparing actual results with a conformance case's expectations, as data.

Manifests are compared document by document, keyed by ``(kind, metadata.namespace, metadata.name)``; lists keep
their order. In expected data the literal ``<no value>`` and a null ``metadata.name`` or template-ref ``name``
are wildcards (artifacts of how EKS Anywhere's tests call its templates), and a null stands for an empty string
too (EKS Anywhere's templates print an empty string as ``key: ``, which reads back as null). Strings holding YAML
or JSON are compared as parsed data when they differ as text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ErrorCode, SpecError
from ..yamlio import Document, load_documents, to_plain

__all__ = [
    "NO_VALUE",
    "compare_data",
    "compare_manifests",
    "compare_zero_tolerant",
    "error_matches",
    "split_manifests",
]

NO_VALUE = "<no value>"
_MAX_DIFFS = 8


def split_manifests(text_or_objects: str | Sequence[Any]) -> list[dict[str, Any]]:
    """Parse multi-document YAML (or take a list of objects) into non-empty plain dicts."""
    if isinstance(text_or_objects, str):
        docs: list[Any] = [to_plain(d.data) for d in load_documents(text_or_objects)]
    else:
        docs = [to_plain(d.data if isinstance(d, Document) else d) for d in text_or_objects]
    out: list[dict[str, Any]] = []
    for doc in docs:
        if doc in (None, {}, ""):
            continue
        if isinstance(doc, Mapping) and doc.get("kind") == "List" and isinstance(doc.get("items"), list):
            out += [dict(i) for i in doc["items"] if i]
        elif isinstance(doc, Mapping):
            out.append(dict(doc))
    return out


def _key(obj: Mapping[str, Any]) -> tuple[str, str, Any]:
    meta = obj.get("metadata") or {}
    return (str(obj.get("kind", "")), str(meta.get("namespace") or ""), meta.get("name"))


def _is_wildcard(value: Any) -> bool:
    return value is None or value == NO_VALUE


def _pattern(expected: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(p) for p in expected.split(NO_VALUE)) + r"\Z", re.DOTALL)


def _parse_embedded(text: str) -> Any:
    stripped = text.strip()
    if not stripped:
        return None
    if stripped[0] in "[{":
        try:
            return json.loads(stripped)
        except ValueError:
            pass
    if ":" not in stripped and "- " not in stripped:
        return None
    try:
        docs = [to_plain(d.data) for d in load_documents(text)]
    except SpecError:
        return None
    docs = [d for d in docs if d is not None]
    if not docs or all(isinstance(d, str) for d in docs):
        return None
    return docs[0] if len(docs) == 1 else docs


def compare_data(expected: Any, actual: Any, path: str = "", *, diffs: list[str] | None = None,
                 wildcard_keys: frozenset[str] = frozenset({"name"})) -> list[str]:
    """Exact comparison with wildcards. Returns human-readable differences (empty when equal)."""
    diffs = [] if diffs is None else diffs
    if len(diffs) >= _MAX_DIFFS:
        return diffs
    if isinstance(expected, str) and NO_VALUE in expected:
        if not isinstance(actual, str) or not _pattern(expected).match(actual):
            diffs.append(f"{path or '.'}: expected {expected!r}, got {actual!r}")
        return diffs
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        for key in expected:
            sub = f"{path}.{key}" if path else str(key)
            if key not in actual:
                if expected[key] is None and key in wildcard_keys:
                    continue
                diffs.append(f"{sub}: missing (expected {_short(expected[key])})")
            elif expected[key] is None and key in wildcard_keys:
                continue
            else:
                compare_data(expected[key], actual[key], sub, diffs=diffs, wildcard_keys=wildcard_keys)
        for key in actual:
            if key not in expected:
                sub = f"{path}.{key}" if path else str(key)
                diffs.append(f"{sub}: unexpected (got {_short(actual[key])})")
        return diffs
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            diffs.append(f"{path}: expected {len(expected)} items, got {len(actual)}")
            return diffs
        for i, (e, a) in enumerate(zip(expected, actual)):
            compare_data(e, a, f"{path}[{i}]", diffs=diffs, wildcard_keys=wildcard_keys)
        return diffs
    if isinstance(expected, str) and isinstance(actual, str) and expected != actual:
        pe, pa = _parse_embedded(expected), _parse_embedded(actual)
        if pe is not None and pa is not None:
            return compare_data(pe, pa, f"{path}<embedded>", diffs=diffs, wildcard_keys=wildcard_keys)
    if expected is None and actual == "":
        return diffs  # an empty string printed by a template (``key: ``) reads back as null
    if expected != actual or type(expected) is not type(actual):
        if isinstance(expected, int | float) and isinstance(actual, int | float) and expected == actual:
            return diffs
        diffs.append(f"{path or '.'}: expected {_short(expected)}, got {_short(actual)}")
    return diffs


def _short(value: Any) -> str:
    text = json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def _subset(expected: Any, actual: Any, path: str, diffs: list[str]) -> list[str]:
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            diffs.append(f"{path}: expected a mapping, got {_short(actual)}")
            return diffs
        for key, value in expected.items():
            sub = f"{path}.{key}" if path else str(key)
            if key not in actual:
                diffs.append(f"{sub}: missing")
            else:
                _subset(value, actual[key], sub, diffs)
        return diffs
    if isinstance(expected, list):
        if not isinstance(actual, list):
            diffs.append(f"{path}: expected a list, got {_short(actual)}")
            return diffs
        for i, item in enumerate(expected):
            if not any(not _subset(item, cand, "", []) for cand in actual):
                diffs.append(f"{path}[{i}]: no item of the actual list contains {_short(item)}")
        return diffs
    return compare_data(expected, actual, path, diffs=diffs)


def _drop_path(doc: dict[str, Any], dotted: str) -> None:
    *parents, last = dotted.split(".")
    node: Any = doc
    for part in parents:
        node = node.get(part) if isinstance(node, Mapping) else None
    if isinstance(node, dict):
        node.pop(last, None)


def compare_manifests(expected: str | Sequence[Any], actual: str | Sequence[Any], *, mode: str = "exact",
                      pruned_fields: Sequence[str] = ()) -> list[str]:
    """Compare expected and actual manifests (``mode`` ``exact`` or ``subset``); returns differences.

    ``pruned_fields`` (``Kind:dotted.path``, a case's ``pruned_fields``) are left out of the expected documents:
    fields EKS Anywhere writes that the CRDs it ships do not have, so a real API server drops them and eksa does
    not render them.
    """
    exp_docs = split_manifests(expected)
    for entry in pruned_fields:
        kind, _, dotted = str(entry).partition(":")
        for doc in exp_docs:
            if doc.get("kind") == kind:
                _drop_path(doc, dotted)
    act_docs = split_manifests(actual)
    diffs: list[str] = []
    remaining = list(act_docs)
    for exp in exp_docs:
        meta = exp.get("metadata")
        if isinstance(meta, Mapping) and "name" not in meta:
            # An object EKS-A builds in code with no name given marshals without one: a wildcard, like null.
            exp = {**exp, "metadata": {**meta, "name": None}}
        kind, ns, name = _key(exp)
        # In a subset comparison an expected document without a namespace matches any namespace.
        any_ns = mode == "subset" and not (exp.get("metadata") or {}).get("namespace")
        candidates = [a for a in remaining if _key(a)[0] == kind and (any_ns or _key(a)[1] == ns)
                      and (_is_wildcard(name) or _key(a)[2] == name)]
        label = f"{kind} {ns + '/' if ns else ''}{name}"
        if not candidates:
            diffs.append(f"{label}: missing from the output")
            continue
        best: tuple[list[str], dict[str, Any]] | None = None
        for cand in candidates:
            d = _subset(exp, cand, "", []) if mode == "subset" else compare_data(exp, cand, "")
            if best is None or len(d) < len(best[0]):
                best = (d, cand)
            if not d:
                break
        assert best is not None
        remaining.remove(best[1])
        diffs += [f"{label}: {d}" for d in best[0]]
    if mode == "exact":
        diffs += [f"{_key(a)[0]} {_key(a)[2]}: not expected in the output" for a in remaining]
    return diffs


def _zero(value: Any) -> bool:
    return value in (None, "", 0, False, [], {})


def compare_zero_tolerant(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Compare where a field absent on one side equals a zero value on the other (Go struct semantics)."""
    diffs: list[str] = []
    if isinstance(expected, Mapping) and isinstance(actual, Mapping):
        for key in set(expected) | set(actual):
            sub = f"{path}.{key}" if path else str(key)
            e, a = expected.get(key), actual.get(key)
            if _zero(e) and _zero(a):
                continue
            diffs += compare_zero_tolerant(e, a, sub)
        return diffs
    if isinstance(expected, list) and isinstance(actual, list) and len(expected) == len(actual):
        for i, (e, a) in enumerate(zip(expected, actual)):
            diffs += compare_zero_tolerant(e, a, f"{path}[{i}]")
        return diffs
    if expected != actual:
        diffs.append(f"{path or '.'}: expected {_short(expected)}, got {_short(actual)}")
    return diffs


# -- error expectations -----------------------------------------------------------------------------------------

_GO_TYPE_ERROR = re.compile(
    r"cannot unmarshal (?P<got>\w+) into Go struct field [\w]+\.(?P<path>[\w.]+) of type (?P<type>\w+)"
)
_GO_UNKNOWN_FIELD = re.compile(r'unknown field(?: "(?P<name>[^"]*)")?')
_GO_YAML_WORDING = ("did not find expected", "unable to parse", "converting YAML to JSON", "yaml: line",
                    "mapping values are not allowed", "could not find expected")


def _flat_errors(error: BaseException) -> list[SpecError | BaseException]:
    errs = getattr(error, "errors", None)
    if isinstance(errs, list) and errs:
        return list(errs)
    return [error]


def _strip_indices(path: str) -> str:
    return re.sub(r"\[\d+\]", "", path)


def error_matches(expected: str, error: BaseException, *, origin: str | None = None) -> tuple[bool, str]:
    """Whether ``error`` says what ``expected`` says.

    First the expected text is looked for in the error's messages. When it is not there and the expected text
    is worded by Go's YAML/JSON decoders (``origin`` ``yaml-library``/``json-library``, or a recognisable Go
    decoder phrase), the *idea* is matched instead: the same error family (YAML syntax, unknown field, type
    mismatch) at the same field. Returns ``(matched, how)``.
    """
    errors = _flat_errors(error)
    texts = [str(e) for e in errors] + [str(error)]
    if any(expected in t for t in texts):
        return True, "message"
    codes = [(getattr(e, "code", None), getattr(e, "field", None) or "", str(e)) for e in errors]
    m = _GO_TYPE_ERROR.search(expected)
    if m:
        want = m.group("path")
        for code, field, _ in codes:
            if code == ErrorCode.TYPE_MISMATCH and _strip_indices(field).endswith(want):
                return True, f"idea: type mismatch at {want}"
        return False, f"expected a type mismatch at {want}"
    m = _GO_UNKNOWN_FIELD.search(expected)
    if m and (origin in ("yaml-library", "json-library") or "json:" in expected or "unmarshal" in expected):
        name = m.group("name")
        for code, _field, text in codes:
            if code == ErrorCode.UNKNOWN_FIELD and (not name or f'"{name}"' in text):
                return True, "idea: unknown field"
        return False, "expected an unknown-field error"
    if origin in ("yaml-library", "json-library") or any(w in expected for w in _GO_YAML_WORDING):
        for code, _, _ in codes:
            if code in (ErrorCode.YAML_SYNTAX, ErrorCode.DOCUMENT_SEPARATOR):
                return True, "idea: YAML syntax error"
        return False, "expected a YAML syntax error"
    return False, "message not found"
