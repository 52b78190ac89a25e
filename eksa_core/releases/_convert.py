"""A lenient variant of :mod:`eksa_core.convert` for release data.

Cluster specs are read strictly (an unknown field is the user's typo). Release manifests, bundles and EKS-D
releases are written by EKS Anywhere's release tooling, which adds fields over time; an eksa that refused a
bundle because it carries a newer field would stop working with every new EKS Anywhere release. So these models
are read with a converter that ignores fields it does not model (the whole document is kept in each top-level
object's ``raw`` attribute, so nothing is lost) while still checking the types of the fields it does model.

Attributes declared with :func:`local` are not part of the wire data (set by the loaders, e.g. ``source``).
"""

from __future__ import annotations

import threading
import types
import typing
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

from ..convert import _TypeMismatch, _yaml_type, wire_name
from ..convert import field as _core_field
from ..errors import ErrorCode, SpecError

if TYPE_CHECKING:
    import cattrs

T = TypeVar("T")

_LOCAL = "eksa_local"


def field(*, wire: str | None = None, default: Any = "", factory: Callable[[], Any] | None = None) -> Any:
    """A release-data attribute. Like Go structs, absent values read as zero values: ``""`` for strings (the
    default), or ``factory()`` for lists and nested bundles."""
    return _core_field(wire=wire, default=default, factory=factory)


def local(default: Any = None) -> Any:
    """An attribute that is not read from nor written to the wire (e.g. the file an object came from)."""
    return attrs.field(default=default, eq=False, repr=False, metadata={_LOCAL: True})


def _is_local(a: attrs.Attribute[Any]) -> bool:
    return bool(a.metadata.get(_LOCAL))


def _build() -> cattrs.Converter:
    from cattrs.cols import list_structure_factory
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    from ..convert import get_converter

    # The copy keeps the strict primitive hooks (a string where a number belongs is still an error); only the
    # attrs-class hooks are replaced by ones that ignore unknown keys.
    conv = get_converter().copy()

    def structure_factory(cls: type) -> Callable[[Any, type], Any]:
        overrides: dict[str, Any] = {
            a.name: override(omit=True) if _is_local(a) else override(rename=wire_name(a)) for a in attrs.fields(cls)
        }
        inner: Callable[[Any, type], Any] = make_dict_structure_fn(
            cls, conv, _cattrs_forbid_extra_keys=False, _cattrs_detailed_validation=True, **overrides
        )

        def hook(value: Any, t: type) -> Any:
            if value is None:
                return t()  # ``bundle: null`` reads as the zero value, like Go
            if not isinstance(value, Mapping):
                raise _TypeMismatch(value, "object")
            return inner(value, t)

        return hook

    def unstructure_factory(cls: type) -> Callable[[Any], Any]:
        overrides: dict[str, Any] = {
            a.name: override(omit=True) if _is_local(a) else override(rename=wire_name(a)) for a in attrs.fields(cls)
        }
        inner: Callable[[Any], Any] = make_dict_unstructure_fn(cls, conv, **overrides)

        def hook(obj: Any) -> Any:
            return {k: v for k, v in inner(obj).items() if v not in ("", None, [], {})}

        return hook

    conv.register_structure_hook_factory(attrs.has, structure_factory)
    conv.register_unstructure_hook_factory(attrs.has, unstructure_factory)

    def structure_str(value: Any, _: type) -> str:
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        raise _TypeMismatch(value, "string")

    def structure_int(value: Any, _: type) -> int:
        if value is None:
            return 0
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
        raise _TypeMismatch(value, "int")

    def list_factory(t: Any) -> Callable[[Any, Any], Any]:
        inner = list_structure_factory(t, conv)

        def hook(value: Any, t: Any) -> Any:
            if value is None:
                return []
            if not isinstance(value, list):
                raise _TypeMismatch(value, "array")
            return inner(value, t)

        return hook

    conv.register_structure_hook(str, structure_str)
    conv.register_structure_hook(int, structure_int)
    conv.register_structure_hook_factory(
        lambda t: typing.get_origin(t) is list and typing.get_args(t) != (Any,), list_factory
    )
    return conv


_lenient: cattrs.Converter | None = None
_lenient_lock = threading.Lock()


def get_lenient_converter() -> cattrs.Converter:
    """The converter for release data (built on first use): unknown fields ignored, ``null`` read as the zero
    value, types checked. :func:`structure_lenient` reads the release models without it (see there)."""
    global _lenient
    if _lenient is None:
        with _lenient_lock:
            if _lenient is None:
                _lenient = _build()
    return _lenient


if TYPE_CHECKING:
    lenient_converter: cattrs.Converter
    """Converter for release data: unknown fields ignored, ``null`` read as the zero value, types checked."""


def __getattr__(name: str) -> Any:
    if name == "lenient_converter":
        return get_lenient_converter()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# -- reading release models without generated code ---------------------------------------------------------------
#
# A process reads a release's files once (eksa_core.releases.cache), so the generated structuring functions of the
# converter above (one compiled per class: most of the first read's time) never pay for themselves. The release
# models use a few field types; _Reader walks them directly and gives the converter's answers and errors (the same
# zero values, type checks and wire paths). Any other type is handed to the converter.

_STR, _INT, _CLASS, _LIST, _OPTIONAL, _FREE, _OTHER = range(7)


def _plan_of(t: Any) -> tuple[int, Any]:
    if t is str:
        return _STR, None
    if t is int:
        return _INT, None
    if isinstance(t, type) and attrs.has(t):
        return _CLASS, t
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin is list and len(args) == 1 and args[0] is not Any:
        return _LIST, _plan_of(args[0])
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        inner = args[0] if args[1] is type(None) else args[1]
        return _OPTIONAL, _plan_of(inner)
    if origin is dict and len(args) == 2 and args[1] is Any:
        return _FREE, dict
    return _OTHER, t


_FIELDS: dict[type, list[tuple[str, str, tuple[int, Any], bool]]] = {}


def _fields_of(cls: type) -> list[tuple[str, str, tuple[int, Any], bool]]:
    """(init argument, wire name, type plan, required) of each wire attribute of ``cls``."""
    plan = _FIELDS.get(cls)
    if plan is None:
        hints = typing.get_type_hints(cls)
        plan = [(a.alias or a.name, wire_name(a), _plan_of(hints[a.name]), a.default is attrs.NOTHING)
                for a in attrs.fields(cls) if not _is_local(a) and a.init]
        _FIELDS[cls] = plan
    return plan


def _join(path: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{path}[{part}]"
    return f"{path}.{part}" if path else part


def _mismatch(errors: list[SpecError], path: str, value: Any, expected: str) -> None:
    errors.append(SpecError(f"cannot unmarshal {_yaml_type(value)} into field {path or '(document)'} of type "
                            f"{expected}", code=ErrorCode.TYPE_MISMATCH, field=path or None))


_FAILED = object()


def _read(value: Any, plan: tuple[int, Any], path: str, errors: list[SpecError]) -> Any:
    kind, arg = plan
    if kind == _STR:
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        _mismatch(errors, path, value, "string")
        return _FAILED
    if kind == _INT:
        if value is None:
            return 0
        if isinstance(value, int) and not isinstance(value, bool):
            return int(value)
        _mismatch(errors, path, value, "int")
        return _FAILED
    if kind == _CLASS:
        if value is None:
            return arg()  # ``bundle: null`` reads as the zero value, like Go
        if not isinstance(value, Mapping):
            _mismatch(errors, path, value, "object")
            return _FAILED
        before = len(errors)
        kwargs: dict[str, Any] = {}
        for name, wire, field_plan, required in _fields_of(arg):
            if wire in value:
                item = _read(value[wire], field_plan, _join(path, wire), errors)
                if item is not _FAILED:
                    kwargs[name] = item
            elif required:
                errors.append(SpecError(f"missing required field {_join(path, wire)}", field=_join(path, wire)))
        if len(errors) > before:
            return _FAILED
        try:
            return arg(**kwargs)
        except Exception as exc:  # a model's own check, as the converter reports it
            errors.append(SpecError(f"invalid value at {path or '(document)'}: {exc}", code=ErrorCode.TYPE_MISMATCH,
                                    field=path or None))
            return _FAILED
    if kind == _LIST:
        if value is None:
            return []
        if not isinstance(value, list):
            _mismatch(errors, path, value, "array")
            return _FAILED
        before = len(errors)
        items = [_read(v, arg, _join(path, i), errors) for i, v in enumerate(value)]
        return _FAILED if len(errors) > before else items
    if kind == _OPTIONAL:
        return None if value is None else _read(value, arg, path, errors)
    if kind == _FREE:
        if not isinstance(value, dict):
            _mismatch(errors, path, value, "object")
            return _FAILED
        from ..yamlio import to_plain

        return to_plain(value)
    from ..errors import SpecErrors

    try:
        return structure_with_converter(value, arg, path=path)
    except SpecErrors as exc:
        errors.extend(exc)
        return _FAILED


def structure_with_converter(data: Any, cls: Any, *, path: str = "") -> Any:
    """:func:`structure_lenient` through the cattrs converter (:func:`get_lenient_converter`)."""
    from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError

    from ..convert import _flatten
    from ..errors import SpecErrors

    try:
        return get_lenient_converter().structure(data, cls)
    except (ClassValidationError, IterableValidationError, ForbiddenExtraKeysError, _TypeMismatch) as exc:
        errors: list[SpecError] = _flatten(exc, path, cls)
        raise SpecErrors(errors, summary=f"cannot read {getattr(cls, '__name__', cls)}") from None


def structure_lenient(data: Any, cls: type[T], *, path: str = "") -> T:
    """Build ``cls`` from wire ``data`` as :func:`get_lenient_converter` does (unknown fields ignored, ``null``
    read as the zero value, types checked); type errors are listed as :class:`SpecError` (with the wire path of
    each) inside :class:`~eksa_core.errors.SpecErrors`."""
    from ..errors import SpecErrors

    errors: list[SpecError] = []
    obj = _read(data, _plan_of(cls), path, errors)
    if errors or obj is _FAILED:
        raise SpecErrors(errors, summary=f"cannot read {getattr(cls, '__name__', cls)}")
    return obj  # type: ignore[no-any-return]


def unstructure_lenient(obj: Any) -> Any:
    """Wire data of a release model (zero values left out)."""
    return get_lenient_converter().unstructure(obj)
