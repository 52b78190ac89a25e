"""A lenient variant of :mod:`eksa_core.convert` for release data.

Cluster specs are read strictly (an unknown field is the user's typo). Release manifests, bundles and EKS-D
releases are written by EKS Anywhere's release tooling, which adds fields over time; an eksa that refused a
bundle because it carries a newer field would stop working with every new EKS Anywhere release. So these models
are read with a converter that ignores fields it does not model (the whole document is kept in each top-level
object's ``raw`` attribute, so nothing is lost) while still checking the types of the fields it does model.

Attributes declared with :func:`local` are not part of the wire data (set by the loaders, e.g. ``source``).
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.cols import list_structure_factory
from cattrs.errors import ClassValidationError, ForbiddenExtraKeysError, IterableValidationError
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ..convert import _flatten, _TypeMismatch, converter, wire_name
from ..convert import field as _core_field
from ..errors import SpecError

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
    # The copy keeps the strict primitive hooks (a string where a number belongs is still an error); only the
    # attrs-class hooks are replaced by ones that ignore unknown keys.
    conv = converter.copy()

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


lenient_converter: cattrs.Converter = _build()
"""Converter for release data: unknown fields ignored, ``null`` read as the zero value, types checked."""


def structure_lenient(data: Any, cls: type[T], *, path: str = "") -> T:
    """Build ``cls`` from wire ``data`` with :data:`lenient_converter`; type errors are listed as
    :class:`SpecError` (with the wire path of each) inside :class:`~eksa_core.errors.SpecErrors`."""
    from ..errors import SpecErrors

    try:
        return lenient_converter.structure(data, cls)
    except (ClassValidationError, IterableValidationError, ForbiddenExtraKeysError, _TypeMismatch) as exc:
        errors: list[SpecError] = _flatten(exc, path, cls)
        raise SpecErrors(errors, summary=f"cannot read {getattr(cls, '__name__', cls)}") from None


def unstructure_lenient(obj: Any) -> Any:
    """Wire data of a release model (zero values left out)."""
    return lenient_converter.unstructure(obj)
