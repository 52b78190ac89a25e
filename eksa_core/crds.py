"""CustomResourceDefinitions generated from the attrs models of every registered kind.

Each kind of the :class:`~eksa_core.registry.KindRegistry` (the core's and every provider's, third-party ones
included) gets one CRD of group ``anywhere.eks.amazonaws.com``, version ``v1alpha1``, namespaced, with the
``status`` subresource when the model has a ``status``. Its OpenAPI v3 schema is structural (every node has a
``type``, or is an int-or-string, or keeps unknown fields where the model itself is free-form) and is read from
the model's type hints and field metadata:

* ``str`` / ``int`` / ``float`` / ``bool`` -> ``string`` / ``integer`` / ``number`` / ``boolean``;
  :data:`~eksa_core.convert.IntOrStr` -> ``x-kubernetes-int-or-string``; ``Literal[...]`` -> an ``enum``;
* ``list[X]`` -> ``array`` of ``X``; ``dict[str, X]`` -> ``object`` with ``additionalProperties``;
  ``dict[str, Any]`` / ``Any`` -> ``x-kubernetes-preserve-unknown-fields``;
* an attrs class -> ``object`` with its fields under their wire names;
* ``field(enum=..., required=True, crd_default=...)`` -> ``enum``, the parent's ``required`` list, ``default``;
  ``field(doc=...)`` -> ``description``.

:func:`generate_crds` builds them, :func:`install_crds` server-side applies them and waits until each is
``Established``. ``eksa crds`` prints or installs them.
"""

from __future__ import annotations

import types
import typing
import weakref
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import attrs

from .convert import wire_name
from .errors import EksaError
from .models.base import API_VERSION
from .registry import KindInfo, KindRegistry

if TYPE_CHECKING:
    from .kube import KubeClient
    from .plugins import Plugins

__all__ = [
    "CRD_FIELD_MANAGER",
    "CrdGenerationError",
    "crd_for",
    "crd_name",
    "crds_to_apply",
    "generate_crds",
    "install_crds",
    "plural",
    "schema_differences",
    "schema_for",
]

JSONObject = dict[str, Any]

GROUP, _, VERSION = API_VERSION.partition("/")

CRD_FIELD_MANAGER = "eksa-crds"
"""The field manager of the CRDs :func:`install_crds` applies."""


class CrdGenerationError(EksaError):
    """A model has a type no CRD schema can express (the message names the kind and the field path)."""


def plural(kind: str) -> str:
    """The resource name of ``kind`` (EKS Anywhere's: lower case plus ``s``, ``Cluster`` -> ``clusters``)."""
    lower = kind.lower()
    return lower if lower.endswith("s") else lower + "s"


def crd_name(kind: str) -> str:
    """``<plural>.anywhere.eks.amazonaws.com``."""
    return f"{plural(kind)}.{GROUP}"


def _is_none(t: Any) -> bool:
    return t is type(None)


def _union_args(t: Any) -> tuple[Any, ...] | None:
    origin = typing.get_origin(t)
    if origin is typing.Union or origin is types.UnionType:
        return typing.get_args(t)
    return None


class _Builder:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.stack: list[type] = []

    def fail(self, path: str, message: str) -> CrdGenerationError:
        return CrdGenerationError(f"kind {self.kind}, field {path or '.'}: {message}")

    def schema(self, t: Any, path: str) -> JSONObject:
        if t is Any or t is object:
            return {"x-kubernetes-preserve-unknown-fields": True}
        args = _union_args(t)
        if args is not None:
            members = [a for a in args if not _is_none(a)]
            if len(members) == 1:
                return self.schema(members[0], path)
            if set(members) == {int, str}:
                return {"x-kubernetes-int-or-string": True}
            raise self.fail(path, f"the union {t} has no structural schema")
        origin = typing.get_origin(t)
        if origin is Literal:
            values = list(typing.get_args(t))
            kinds = {type(v) for v in values}
            if kinds == {str}:
                return {"type": "string", "enum": values}
            if kinds == {int}:
                return {"type": "integer", "enum": values}
            raise self.fail(path, f"Literal values must all be strings or all integers: {values}")
        if origin in (list, Sequence, tuple) or t is list:
            items = typing.get_args(t)
            if not items:
                raise self.fail(path, "a list without an item type")
            return {"type": "array", "items": self.schema(items[0], f"{path}[]")}
        if origin in (dict, Mapping) or t is dict:
            key_value = typing.get_args(t)
            if not key_value:
                return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
            if key_value[0] is not str:
                raise self.fail(path, f"map keys must be strings, not {key_value[0]}")
            value = key_value[1]
            if value is Any:
                return {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
            return {"type": "object", "additionalProperties": self.schema(value, f"{path}.*")}
        if t is bool:
            return {"type": "boolean"}
        if t is int:
            return {"type": "integer"}
        if t is float:
            return {"type": "number"}
        if t is str:
            return {"type": "string"}
        if isinstance(t, type) and attrs.has(t):
            return self.object(t, path)
        raise self.fail(path, f"the type {t!r} has no CRD schema")

    def object(self, cls: type, path: str) -> JSONObject:
        if cls in self.stack:
            raise self.fail(path, f"{cls.__name__} contains itself (a recursive schema is not structural)")
        self.stack.append(cls)
        try:
            hints = typing.get_type_hints(cls)
            properties: JSONObject = {}
            required: list[str] = []
            for a in attrs.fields(cls):
                name = wire_name(a)
                where = f"{path}.{name}" if path else name
                node = self.schema(hints.get(a.name, Any), where)
                meta = a.metadata
                if meta.get("enum"):
                    if node.get("type") != "string":
                        raise self.fail(where, "enum values are given for a field that is not a string")
                    node["enum"] = list(meta["enum"])
                if "crd_default" in meta:
                    node["default"] = meta["crd_default"]
                if meta.get("doc"):
                    node["description"] = str(meta["doc"])
                if meta.get("required"):
                    required.append(name)
                properties[name] = node
        finally:
            self.stack.pop()
        out: JSONObject = {"type": "object", "properties": properties}
        if cls.__doc__ and cls.__module__ != "builtins":
            first = cls.__doc__.strip().split("\n\n")[0]
            out["description"] = " ".join(first.split())
        if required:
            out["required"] = sorted(required)
        return out


def schema_for(cls: type, *, kind: str | None = None) -> JSONObject:
    """The ``openAPIV3Schema`` of a kind's model class: ``apiVersion``, ``kind``, ``metadata`` (only
    ``type: object``, as the API server requires) and the model's other fields (``spec``, ``status``...)."""
    builder = _Builder(kind or getattr(cls, "KIND", "") or cls.__name__)
    hints = typing.get_type_hints(cls)
    properties: JSONObject = {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
    }
    for a in attrs.fields(cls):
        name = wire_name(a)
        if name in properties:
            continue
        properties[name] = builder.schema(hints.get(a.name, Any), name)
    schema: JSONObject = {"type": "object", "properties": properties}
    if cls.__doc__:
        schema["description"] = " ".join(cls.__doc__.strip().split("\n\n")[0].split())
    return schema


_SCHEMAS: weakref.WeakKeyDictionary[type, dict[str, JSONObject]] = weakref.WeakKeyDictionary()
"""The schema of each model class (by kind name), built once per process: a class's fields and type hints do not
change once defined, and reading them (``typing.get_type_hints`` of every nested class) is the dearest part."""


def _copy(value: Any) -> Any:
    """A copy of JSON-like data (dicts, lists, scalars): callers may change what they are given."""
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _cached_schema(cls: type, kind: str) -> JSONObject:
    by_kind = _SCHEMAS.get(cls)
    if by_kind is None:
        by_kind = _SCHEMAS[cls] = {}
    schema = by_kind.get(kind)
    if schema is None:
        schema = by_kind[kind] = schema_for(cls, kind=kind)
    return schema


def crd_for(info: KindInfo) -> JSONObject:
    """The CustomResourceDefinition of one registered kind (labelled with the package that brought it)."""
    return _crd_for(info, shared=False)


def _crd_for(info: KindInfo, *, shared: bool) -> JSONObject:
    kind = info.kind
    schema = _cached_schema(info.cls, kind)
    if not shared:
        schema = _copy(schema)
    version: JSONObject = {"name": VERSION, "served": True, "storage": True, "schema": {"openAPIV3Schema": schema}}
    if "status" in schema["properties"]:
        version["subresources"] = {"status": {}}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": crd_name(kind),
            "labels": {"anywhere.eks.amazonaws.com/owner": _label_value(info.owner)},
        },
        "spec": {
            "group": GROUP,
            "names": {
                "kind": kind,
                "listKind": f"{kind}List",
                "plural": plural(kind),
                "singular": kind.lower(),
            },
            "scope": "Namespaced",
            "versions": [version],
        },
    }


def _label_value(owner: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-_." else "-" for c in owner)[:63].strip("-_.")
    return cleaned or "unknown"


def generate_crds(
    registry: KindRegistry | Plugins | None = None, *, kinds: Iterable[str] | None = None
) -> list[JSONObject]:
    """The CRDs of every kind of ``registry`` (default: every installed plugin's), sorted by kind.

    ``kinds`` keeps only those kinds (an unknown one is a :class:`CrdGenerationError`).
    """
    return _generate(registry, kinds=kinds, shared=False)


def crds_to_apply(registry: KindRegistry | Plugins) -> list[JSONObject]:
    """:func:`generate_crds` of every kind for a caller that only reads them (applies or records them): each
    CRD's ``openAPIV3Schema`` is the one built once per process for its model class, shared, not copied. Treat
    the result as read-only (:meth:`~eksa_core.kube.KubeClient.apply` copies what it sends)."""
    return _generate(registry, kinds=None, shared=True)


def _generate(registry: KindRegistry | Plugins | None, *, kinds: Iterable[str] | None,
              shared: bool) -> list[JSONObject]:
    if registry is None:
        from .plugins import default_plugins

        registry = default_plugins()
    reg = registry if isinstance(registry, KindRegistry) else registry.registry
    wanted = None if kinds is None else list(kinds)
    if wanted is not None:
        unknown = [k for k in wanted if k not in reg]
        if unknown:
            raise CrdGenerationError(f"unknown kind(s) {', '.join(unknown)} (registered: {', '.join(reg.kinds())})")
    out = []
    for kind in reg.kinds():
        if wanted is not None and kind not in wanted:
            continue
        info = reg.get(kind)
        assert info is not None
        out.append(_crd_for(info, shared=shared))
    return out


def install_crds(
    kube: KubeClient | str | Path,
    crds: Sequence[Mapping[str, Any]] | None = None,
    *,
    timeout: float = 120.0,
) -> list[str]:
    """Server-side apply ``crds`` (default: :func:`generate_crds`) and wait until each is ``Established``.

    ``kube`` is a client or a kubeconfig path. Returns the CRD names.
    """
    from .kube import KubeClient

    objects = [dict(c) for c in (crds if crds is not None else generate_crds())]
    client = kube if isinstance(kube, KubeClient) else KubeClient(str(kube))
    try:
        client.apply(objects, field_manager=CRD_FIELD_MANAGER, force=True)
        for crd in objects:
            client.wait_for_condition(
                "apiextensions.k8s.io/v1",
                "CustomResourceDefinition",
                crd["metadata"]["name"],
                None,
                "Established",
                timeout=timeout,
                poll_interval=0.2,
            )
        client.invalidate_discovery()
    finally:
        if client is not kube:
            client.close()
    return [c["metadata"]["name"] for c in objects]


def schema_differences(reference: Mapping[str, Any], ours: Mapping[str, Any], path: str = "") -> list[str]:
    """Where ``ours`` lacks a field of ``reference`` or gives it another type, one line per difference.

    Both are OpenAPI v3 schema nodes. Every property of ``reference`` must be in ``ours`` under the same (wire)
    name with the same ``type`` (``x-kubernetes-int-or-string`` counts as a type); a node of ``ours`` that keeps
    unknown fields without listing properties covers whatever ``reference`` has under it. Fields only ``ours``
    has are not differences.
    """
    out: list[str] = []
    where = path or "."
    ref_type = "int-or-string" if reference.get("x-kubernetes-int-or-string") else reference.get("type")
    our_type = "int-or-string" if ours.get("x-kubernetes-int-or-string") else ours.get("type")
    free = bool(ours.get("x-kubernetes-preserve-unknown-fields")) and not ours.get("properties")
    if ref_type != our_type and not (free and our_type in (None, ref_type)):
        out.append(f"{where}: type {ref_type} in the reference, {our_type} here")
        return out
    if free:
        return out
    ref_props = reference.get("properties") or {}
    our_props = ours.get("properties") or {}
    for name in sorted(ref_props):
        child = f"{path}.{name}" if path else name
        if name not in our_props:
            out.append(f"{child}: missing")
            continue
        out.extend(schema_differences(ref_props[name], our_props[name], child))
    ref_items, our_items = reference.get("items"), ours.get("items")
    if isinstance(ref_items, Mapping):
        if not isinstance(our_items, Mapping):
            out.append(f"{where}[]: no item schema here")
        else:
            out.extend(schema_differences(ref_items, our_items, f"{path}[]"))
    ref_extra, our_extra = reference.get("additionalProperties"), ours.get("additionalProperties")
    if isinstance(ref_extra, Mapping):
        if not isinstance(our_extra, Mapping):
            out.append(f"{where}.*: no map value schema here")
        else:
            out.extend(schema_differences(ref_extra, our_extra, f"{path}.*"))
    return out
