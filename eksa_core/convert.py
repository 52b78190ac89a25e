"""The cattrs converter that maps attrs models to Kubernetes-style wire data and back.

* Python attributes are snake_case; on the wire they are camelCase, or the name given with ``field(wire=...)``
  for irregular ones (``diskGiB``, ``roleARN``, ``numCPUs``...).
* Structuring is strict like EKS Anywhere's decoder: an unknown field is an error naming the field, and a value
  of the wrong type (``count: "3"``) is an error naming the field path and both types. Every problem of a
  document is reported, not only the first.
* Unstructuring leaves out attributes that are ``None`` (absent), so a loaded spec dumps back to what was written.

Provider packages use :func:`field`, :func:`structure` and :func:`unstructure` for their own kinds.
"""

from __future__ import annotations

import functools
import re
import threading
import typing
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from .errors import ErrorCode, SpecError

if TYPE_CHECKING:
    import cattrs

# cattrs, the YAML layer and the converter load on the first structure/unstructure, not when a model module
# imports :func:`field`: declaring kinds (as every plugin does when it loads) needs attrs only.

__all__ = ["IntOrStr", "converter", "field", "get_converter", "structure", "unstructure", "wire_name", "wire_path"]

T = TypeVar("T")

IntOrStr = int | str
"""Kubernetes ``IntOrString`` (e.g. ``maxSurge: 1`` or ``maxSurge: "25%"``)."""

_NO_DEFAULT: Any = attrs.NOTHING


def field(
    *,
    wire: str | None = None,
    default: Any = None,
    factory: Callable[[], Any] | None = None,
    doc: str | None = None,
    aliases: tuple[str, ...] = (),
    enum: tuple[str, ...] = (),
    required: bool = False,
    crd_default: Any = _NO_DEFAULT,
) -> Any:
    """Declare a model attribute.

    ``wire`` is its name in YAML when camelCase of the attribute name is not right. Attributes default to
    ``None``, meaning "absent from the document"; pass ``factory`` for a container that is always present.
    ``aliases`` are other names tools use for the attribute (e.g. the Go field name ``tagIDs`` of ``tags``);
    they are never accepted in documents, only translated by :func:`wire_path`.

    For the generated CustomResourceDefinitions (:mod:`eksa_core.crds`): ``enum`` lists the only values the API
    server accepts, ``required`` makes the field required in its parent object's schema, ``crd_default`` is the
    value the API server fills in when the field is absent.
    """
    metadata: dict[str, Any] = {}
    if enum:
        metadata["enum"] = tuple(enum)
    if required:
        metadata["required"] = True
    if crd_default is not _NO_DEFAULT:
        metadata["crd_default"] = crd_default
    if wire is not None:
        metadata["wire"] = wire
    if doc is not None:
        metadata["doc"] = doc
    if aliases:
        metadata["aliases"] = tuple(aliases)
    if factory is not None:
        return attrs.field(factory=factory, metadata=metadata)
    return attrs.field(default=default, metadata=metadata)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def wire_name(a: attrs.Attribute[Any]) -> str:
    """The YAML name of an attrs attribute."""
    return str(a.metadata.get("wire") or _camel(a.name))


def _attrs_class_of(t: Any) -> type | None:
    """The attrs class inside ``t`` (``X``, ``X | None``, ``list[X]``...), if any."""
    if isinstance(t, type) and attrs.has(t):
        return t
    for arg in typing.get_args(t):
        found = _attrs_class_of(arg)
        if found is not None:
            return found
    return None


def wire_path(cls: type, parts: list[str | int]) -> list[str | int]:
    """Translate a path of attribute names, wire names or aliases under ``cls`` into wire names.

    Parts that are not attributes (list indices, free-form map keys) are kept as they are.
    """
    out: list[str | int] = []
    current: type | None = cls
    for part in parts:
        if isinstance(part, int) or current is None or not attrs.has(current):
            out.append(part)
            continue
        hints = typing.get_type_hints(current)
        match = None
        for a in attrs.fields(current):
            if part in (wire_name(a), a.name, *a.metadata.get("aliases", ())):
                match = a
                break
        if match is None:
            out.append(part)
            current = None
            continue
        out.append(wire_name(match))
        current = _attrs_class_of(hints.get(match.name))
    return out


def _yaml_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "number"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, list):
        return "array"
    if value is None:
        return "null"
    return type(value).__name__


class _TypeMismatch(TypeError):
    def __init__(self, value: Any, expected: str) -> None:
        super().__init__(f"cannot unmarshal {_yaml_type(value)} into a field of type {expected}")
        self.got = _yaml_type(value)
        self.expected = expected


def _structure_str(value: Any, _: type) -> str:
    # As in EKS-A's YAML decoder (sigs.k8s.io/yaml), a plain YAML scalar read into a string field becomes its
    # text: ``port: 5000`` reads as "5000". The reverse (a string into a number field) is an error.
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return repr(float(value))
    raise _TypeMismatch(value, "string")


def _structure_int(value: Any, _: type) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    raise _TypeMismatch(value, "int")


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise _TypeMismatch(value, "float")


def _structure_bool(value: Any, _: type) -> bool:
    if isinstance(value, bool):
        return value
    raise _TypeMismatch(value, "bool")


def _structure_int_or_str(value: Any, _: Any) -> int | str:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise _TypeMismatch(value, "int or string")
    return int(value) if isinstance(value, int) else str(value)


def _structure_any(value: Any, _: type) -> Any:
    from .yamlio import to_plain

    return to_plain(value)


def _is_free_form(t: Any) -> bool:
    """``dict[str, Any]`` and ``list[Any]`` hold data eksa passes through untouched."""
    origin = typing.get_origin(t)
    args = typing.get_args(t)
    return (origin is dict and len(args) == 2 and args[1] is Any) or (origin is list and args == (Any,))


def _build_converter() -> cattrs.Converter:
    import cattrs
    from cattrs.cols import list_structure_factory
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    from .yamlio import to_plain

    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(float, _structure_float)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook_func(lambda t: t == IntOrStr, _structure_int_or_str)
    conv.register_structure_hook_func(
        lambda t: t == (IntOrStr | None), lambda v, _: None if v is None else _structure_int_or_str(v, IntOrStr)
    )
    conv.register_structure_hook_func(lambda t: t is Any, _structure_any)

    def structure_free_form(value: Any, t: Any) -> Any:
        origin = typing.get_origin(t)
        expected = dict if origin is dict else list
        if not isinstance(value, expected):
            raise _TypeMismatch(value, "object" if expected is dict else "array")
        return to_plain(value)

    conv.register_structure_hook_func(_is_free_form, structure_free_form)

    def structure_factory(cls: type) -> Callable[[Any, type], Any]:
        overrides: dict[str, Any] = {a.name: override(rename=wire_name(a)) for a in attrs.fields(cls)}
        inner: Callable[[Any, Any], Any] = make_dict_structure_fn(
            cls, conv, _cattrs_forbid_extra_keys=True, _cattrs_detailed_validation=True, **overrides
        )
        wires = {wire_name(a) for a in attrs.fields(cls)}
        folded = {w.lower(): w for w in wires}

        def hook(value: Any, t: type) -> Any:
            if not isinstance(value, Mapping):
                raise _TypeMismatch(value, "object")
            if any(k not in wires for k in value):
                # Like Go's encoding/json (which EKS-A's decoder is built on), keys match field names
                # case-insensitively: ``certSANS`` reads as ``certSANs``. An exact match wins.
                renamed: dict[Any, Any] = {}
                for key, item in value.items():
                    canonical = key if key in wires or not isinstance(key, str) else folded.get(key.lower(), key)
                    if canonical in renamed and canonical != key:
                        continue
                    renamed[canonical] = item
                value = renamed
            return inner(value, t)

        return hook

    def unstructure_factory(cls: type) -> Callable[[Any], Any]:
        overrides: dict[str, Any] = {
            a.name: override(rename=wire_name(a), omit_if_default=a.default is None) for a in attrs.fields(cls)
        }
        return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=False, **overrides)

    def list_factory(t: Any) -> Callable[[Any, Any], Any]:
        inner = list_structure_factory(t, conv)

        def hook(value: Any, tt: Any) -> Any:
            if not isinstance(value, list):
                raise _TypeMismatch(value, "array")
            return inner(value, tt)

        return hook

    conv.register_structure_hook_factory(
        lambda t: typing.get_origin(t) is list and not _is_free_form(t), list_factory
    )
    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    return conv


_converter: cattrs.Converter | None = None
_converter_lock = threading.Lock()


def get_converter() -> cattrs.Converter:
    """The shared converter (built on first use). Provider packages structure and unstructure their kinds with
    it; ``eksa_core.convert.converter`` names the same object."""
    global _converter
    if _converter is None:
        with _converter_lock:
            if _converter is None:
                _converter = _build_converter()
    return _converter


if TYPE_CHECKING:
    converter: cattrs.Converter
    """The shared converter. Provider packages structure and unstructure their kinds with it."""


def __getattr__(name: str) -> Any:
    if name == "converter":
        return get_converter()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _join(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part


def _flatten(exc: BaseException, path: str, cls: type | None) -> list[SpecError]:
    """Turn a (possibly nested) cattrs exception into SpecErrors with dotted wire paths."""
    from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

    if isinstance(exc, ForbiddenExtraKeysError):
        return [
            SpecError(f'unknown field "{key}"', code=ErrorCode.UNKNOWN_FIELD, field=_join(path, key))
            for key in sorted(exc.extra_fields)
        ]
    if isinstance(exc, ClassValidationError):
        out: list[SpecError] = []
        wire = {a.name: wire_name(a) for a in attrs.fields(exc.cl)} if attrs.has(exc.cl) else {}
        with_notes, others = exc.group_exceptions()
        for sub, note in with_notes:
            name = note.name
            child = _join(path, wire.get(name, name)) if name else path
            out += _flatten(sub, child, None)
        for sub in others:
            out += _flatten(sub, path, None)
        return out
    if isinstance(exc, IterableValidationError):
        out = []
        with_index, rest = exc.group_exceptions()
        for sub, inote in with_index:
            index = inote.index
            child = _join(path, index) if isinstance(index, int | str) else path
            out += _flatten(sub, child, None)
        for sub in rest:
            out += _flatten(sub, path, None)
        return out
    if isinstance(exc, _TypeMismatch):
        return [SpecError(f"cannot unmarshal {exc.got} into field {path or '(document)'} of type {exc.expected}",
                          code=ErrorCode.TYPE_MISMATCH, field=path or None)]
    if isinstance(exc, KeyError):
        key = exc.args[0] if exc.args else "?"
        return [SpecError(f"missing required field {_join(path, str(key))}", field=_join(path, str(key)))]
    if isinstance(exc, BaseExceptionGroup):
        return [e for sub in exc.exceptions for e in _flatten(sub, path, cls)]
    return [SpecError(f"invalid value at {path or '(document)'}: {exc}", code=ErrorCode.TYPE_MISMATCH,
                      field=path or None)]


def structure(data: Any, cls: type[T], *, path: str = "") -> T:
    """Build a ``cls`` from plain (or ruamel) data. Raises :class:`~eksa_core.errors.SpecErrors` listing every
    unknown field and type error, each with its dotted wire path (prefixed with ``path``)."""
    from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

    from .errors import SpecErrors

    conv = _converter or get_converter()
    try:
        return conv.structure(data, cls)
    except (ClassValidationError, IterableValidationError, ForbiddenExtraKeysError, _TypeMismatch) as exc:
        errors = _flatten(exc, path, cls)
        raise SpecErrors(errors, summary=f"cannot read {getattr(cls, '__name__', cls)}") from None


def unstructure(obj: Any) -> Any:
    """Turn a model into plain wire data (camelCase keys, absent attributes left out)."""
    return (_converter or get_converter()).unstructure(obj)


@functools.cache
def _wire_to_attr(cls: type) -> dict[str, str]:
    return {wire_name(a): a.name for a in attrs.fields(cls)}


_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")
