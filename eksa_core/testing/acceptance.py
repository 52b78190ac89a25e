"""Manifest acceptance: would a real API server store rendered objects exactly as they were rendered?

:func:`check_server_accepts` server-side-applies each object with ``dryRun=All`` (the server validates, defaults
and prunes it as it would store it, and stores nothing) and compares what was sent with what came back. An object
the server refuses is a *rejection*; a field that was sent but is missing from the answer is a *pruned* field (the
schema does not know it, so a real server drops it silently). Either means the rendered manifests are not what
the cluster will hold. Kinds the server does not serve are reported apart (:attr:`AcceptanceReport.unserved`), so
a caller decides whether that is allowed.

Explicit ``null`` values are not fields (in an apply they mean "unset"; :meth:`~eksa_core.kube.KubeClient.apply`
leaves them out), and empty maps and lists carry none, so neither is reported as pruned. A Secret's ``stringData``
is compared as the ``data`` the server folds it into.
"""

from __future__ import annotations

import base64
import copy
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from ..kube import KubeClient, without_nulls
from ..kube.errors import KubeError, KubeNotFoundError

__all__ = ["AcceptanceReport", "check_server_accepts", "describe", "pruned_paths"]


def describe(obj: Mapping[str, Any]) -> str:
    """``apiVersion Kind namespace/name`` of a manifest, for reports."""
    meta = obj.get("metadata") or {}
    where = f"{meta.get('namespace')}/{meta.get('name')}" if meta.get("namespace") else f"{meta.get('name')}"
    return f"{obj.get('apiVersion')} {obj.get('kind')} {where}"


def _join(path: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    text = str(key)
    part = f"[{text}]" if any(c in text for c in ".[]") or not text else text
    return f"{path}.{part}" if path and not part.startswith("[") else f"{path}{part}"


def _pruned(sent: Any, returned: Any, path: str) -> Iterator[str]:
    if isinstance(sent, Mapping):
        if not isinstance(returned, Mapping):
            yield path
            return
        for key, value in sent.items():
            if value is None or value == {} or value == []:
                continue
            child = _join(path, key)
            if key not in returned:
                yield child
            else:
                yield from _pruned(value, returned[key], child)
    elif isinstance(sent, list):
        if not isinstance(returned, list):
            yield path
            return
        for index, value in enumerate(sent):
            if value is None or value == {} or value == []:
                continue
            if index >= len(returned):
                yield _join(path, index)
            else:
                yield from _pruned(value, returned[index], _join(path, index))


def pruned_paths(sent: Any, returned: Any) -> list[str]:
    """Paths (``spec.template.spec.failureDomain``, ``spec.users[0].name``...) of every field of ``sent`` that is
    missing from ``returned``; a field whose parent is missing is reported at the parent only."""
    return list(_pruned(sent, returned, ""))


@attrs.define
class AcceptanceReport:
    """What :func:`check_server_accepts` found.

    :ivar checked: objects the server answered for (accepted or rejected).
    :ivar rejected: ``(object, server message)`` for each object the server refused.
    :ivar pruned: ``(object, field path)`` for each field the server dropped.
    :ivar unserved: ``(object, reason)`` for each object whose kind the server does not serve.
    """

    checked: int = 0
    rejected: list[tuple[str, str]] = attrs.field(factory=list)
    pruned: list[tuple[str, str]] = attrs.field(factory=list)
    unserved: list[tuple[str, str]] = attrs.field(factory=list)

    @property
    def ok(self) -> bool:
        """No rejection and no pruned field (unserved kinds are not counted here)."""
        return not self.rejected and not self.pruned

    def problems(self) -> list[str]:
        """One line per rejection and per pruned field."""
        return ([f"rejected: {what}: {message}" for what, message in self.rejected]
                + [f"pruned: {what}: {path}" for what, path in self.pruned])


def check_server_accepts(
    kube: KubeClient,
    objects: Iterable[Mapping[str, Any]],
    *,
    namespace: str | None = None,
    field_manager: str = "eksa-acceptance",
) -> AcceptanceReport:
    """Dry-run server-side apply every object of ``objects`` through ``kube`` and report rejections and pruned
    fields. With ``namespace``, namespaced objects are applied there (their own namespace need not exist); cluster-
    scoped ones keep having none. Nothing is stored on the server."""
    report = AcceptanceReport()
    for original in objects:
        obj = copy.deepcopy(dict(original))
        what = describe(obj)
        api_version, kind = str(obj.get("apiVersion") or ""), str(obj.get("kind") or "")
        try:
            info = kube.resource(api_version, kind)
        except KubeNotFoundError as exc:
            report.unserved.append((what, str(exc)))
            continue
        meta = obj.setdefault("metadata", {})
        if info.namespaced and namespace is not None:
            meta["namespace"] = namespace
        elif not info.namespaced:
            meta.pop("namespace", None)
        report.checked += 1
        try:
            (returned,) = kube.apply(obj, field_manager=field_manager, force=True, dry_run=True)
        except KubeError as exc:
            report.rejected.append((what, str(exc)))
            continue
        # status is a subresource: apply ignores it
        sent = {k: v for k, v in without_nulls(obj).items() if k != "status"}
        if kind == "Secret" and api_version == "v1" and isinstance(sent.get("stringData"), Mapping):
            # write-only: the server folds stringData into data
            encoded = {k: base64.b64encode(str(v).encode()).decode() for k, v in sent.pop("stringData").items()}
            sent["data"] = {**(sent.get("data") or {}), **encoded}
        report.pruned += [(what, path) for path in pruned_paths(sent, returned)]
    return report
