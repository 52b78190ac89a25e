"""Nutanix conformance case kinds: ``validate-datacenter`` and ``render-secret``.

A ``render-secret`` case renders EKS-A's ``GenerateCAPISpecSecret`` (:func:`~eksa_nutanix.templates.
generate_secret_objects`) for the spec the runner built.

A ``validate-datacenter`` case names a datacenter document (``input``) that replaces the datacenter of a cluster
spec (``extra_inputs.cluster``), and describes a mocked Prism Central (``params.mocked_prism_central``). Real Prism
Central cannot run here, so the case is run by starting a :class:`~eksa_core.testing.prism_double.PrismCentralDouble`
on 127.0.0.1 seeded from those params and running the real :class:`~eksa_nutanix.client.PrismClient` and
:func:`~eksa_nutanix.validation.validate_datacenter` against it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from eksa_core import hookimpl
from eksa_core.errors import EksaError, ErrorCode, SpecErrors
from eksa_core.models.cluster import Cluster
from eksa_core.provider import load_documents, read_text, structure, to_plain

from .client import PrismClient
from .models import NutanixDatacenterConfig
from .templates import generate_secret_objects
from .validation import ENV_PASSWORD, ENV_USERNAME, validate_datacenter

__all__ = ["eksa_conformance_case", "load_lenient", "run_validate_datacenter"]

_PIECE = re.compile(r"^([^\[]*)((?:\[\d+\])*)$")


def _delete_path(data: Any, field: str) -> bool:
    parts: list[str | int] = []
    for piece in field.split("."):
        match = _PIECE.match(piece)
        if not match:
            return False
        head, indexes = match.groups()
        if head:
            parts.append(head)
        parts += [int(i) for i in re.findall(r"\[(\d+)\]", indexes)]
    node = data
    for part in parts[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(node, dict) and parts and parts[-1] in node:
        del node[parts[-1]]
        return True
    return False


def load_lenient(data: Any, cls: type[Any]) -> Any:
    """Structure ``data`` into ``cls``, dropping fields the model does not know (EKS-A's test helpers read spec
    files without the strict decoder). Type errors still raise :class:`SpecErrors`."""
    data = to_plain(data)
    for _ in range(20):
        try:
            return structure(data, cls)
        except SpecErrors as exc:
            unknown = [e for e in exc if e.code == ErrorCode.UNKNOWN_FIELD and e.field]
            if len(unknown) != len(exc) or not all(_delete_path(data, e.field or "") for e in unknown):
                raise
    raise EksaError(f"cannot read {cls.__name__}: too many unknown fields")


def _documents(path: Path) -> list[Any]:
    return [to_plain(d.data) for d in load_documents(read_text(path), file=str(path)) if not d.is_empty]


def run_validate_datacenter(case: dict[str, Any], base_dir: Path, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run one ``validate-datacenter`` case; raises :class:`SpecErrors` when the datacenter is invalid."""
    params = case.get("params") or {}
    mock = params.get("mocked_prism_central")
    if not isinstance(mock, dict):
        raise EksaError(f"case {case.get('id')}: validate-datacenter needs params.mocked_prism_central")
    dc_docs = [d for d in _documents(base_dir / case["input"]) if d.get("kind") == NutanixDatacenterConfig.KIND]
    if not dc_docs:
        raise EksaError("yamlop content is invalid or does not contain kind NutanixDatacenterConfig")
    dc: NutanixDatacenterConfig = structure(dc_docs[0], NutanixDatacenterConfig)
    cluster_file = (case.get("extra_inputs") or {}).get("cluster") or case["input"]
    cluster_docs = [d for d in _documents(base_dir / cluster_file) if d.get("kind") == Cluster.KIND]
    if not cluster_docs:
        raise EksaError("yamlop content is invalid or does not contain kind Cluster")
    cluster: Cluster = load_lenient(cluster_docs[0], Cluster)
    environ = env if env is not None else {}
    username = environ.get(ENV_USERNAME) or "admin"
    password = environ.get(ENV_PASSWORD) or "password"
    # an HTTP server of the core's test kit: loaded when a case runs, not with the plugin
    from eksa_core.testing.prism_double import PrismCentralDouble

    with PrismCentralDouble.from_params(mock, username=username, password=password) as prism, \
            PrismClient(prism.url, username=username, password=password,
                        additional_trust_bundle=dc.spec.additional_trust_bundle,
                        insecure=bool(dc.spec.insecure)) as client:
        validate_datacenter(dc, cluster, client)
        return {"valid": True, "prism_round_trips": client.round_trips}


@hookimpl
def eksa_conformance_case(kind: str, case: dict[str, Any], inputs: dict[str, Any]) -> Any:
    """Run Nutanix-specific case kinds (``validate-datacenter``, ``render-secret``); ``None`` for other kinds."""
    if kind == "validate-datacenter":
        return run_validate_datacenter(case, Path(inputs["base_dir"]), inputs.get("env") or {})
    if kind == "render-secret":
        spec = inputs.get("spec")
        if spec is None or not isinstance(spec.datacenter(), NutanixDatacenterConfig):
            return None
        return generate_secret_objects(spec, dict(inputs.get("env") or {}))
    return None
