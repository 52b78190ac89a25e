"""The CNI's real path: the real helm renders the bundle's Cilium chart pulled over TLS from a real OCI registry
(standing in for the cluster's registry mirror), and the workflow step server-side applies the result to a real
control plane, whose schemas keep every field rendered (nothing pruned)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from eksa_core.cni import HelmCiliumRenderer, HelmFailedError
from eksa_core.kube import KubeClient
from eksa_core.testing.controlplane import ControlPlane
from eksa_core.testing.registry import ChartRegistry
from tests.workflows.cnispec import cilium_spec

pytestmark = pytest.mark.realkube


def _mirror(registry: ChartRegistry, **extra: Any) -> dict[str, Any]:
    return {"endpoint": registry.endpoint, "port": str(registry.port), **extra}


def _missing(rendered: Any, stored: Any, path: str = "") -> list[str]:
    """Paths of ``rendered`` (its leaves) that ``stored`` lacks or holds otherwise: what the server pruned. A zero
    value the server leaves out (Go's ``omitempty``: ``initialDelaySeconds: 0``) is not missing."""
    if stored is None and rendered in (0, False, "", [], {}):
        return []
    if isinstance(rendered, dict):
        if not isinstance(stored, dict):
            return [path or "."]
        return [p for k, v in rendered.items() for p in _missing(v, stored.get(k), f"{path}.{k}")]
    if isinstance(rendered, list):
        if not isinstance(stored, list) or len(stored) != len(rendered):
            return [path]
        pairs = enumerate(zip(rendered, stored, strict=True))
        return [p for i, (a, b) in pairs for p in _missing(a, b, f"{path}[{i}]")]
    return [] if stored == rendered or str(stored) == str(rendered) else [path]


@pytest.fixture
def cleanup(control_plane: ControlPlane) -> Iterator[list[dict[str, Any]]]:
    applied: list[dict[str, Any]] = []
    yield applied
    client = KubeClient(str(control_plane.kubeconfig))
    for obj in reversed(applied):
        meta = obj["metadata"]
        client.delete(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace"), ignore_not_found=True)
    # a namespace this test made (eksa-system on a fresh plane) stays Terminating a while: later tests on the
    # shared plane write into it, so it must be gone, not going, when this test ends
    namespaces = [o["metadata"]["name"] for o in applied if o["kind"] == "Namespace"]
    deadline = time.monotonic() + 180
    while (left := [n for n in namespaces if client.get_or_none("v1", "Namespace", n) is not None]):
        assert time.monotonic() < deadline, f"namespaces still terminating after 180 s: {left}"
        time.sleep(0.5)


def test_helm_renders_the_bundle_chart_from_the_mirror_and_the_real_server_keeps_it_all(
    cilium_chart_registry: ChartRegistry, control_plane: ControlPlane, cleanup: list[dict[str, Any]],
) -> None:
    registry = cilium_chart_registry
    spec = cilium_spec(mirror=_mirror(registry, caCertContent=registry.ca_pem),
                       cilium={"policyEnforcementMode": "always"})
    objects = HelmCiliumRenderer(registry.helm).render(spec)
    by_name = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    agent = by_name[("DaemonSet", "cilium")]["spec"]["template"]["spec"]["containers"][0]
    operator = by_name[("Deployment", "cilium-operator")]
    mirror = f"{registry.endpoint}:{registry.port}"
    assert agent["image"] == f"{mirror}/eks/cilium/cilium:v1.19.4-1"
    assert operator["spec"]["template"]["spec"]["containers"][0]["image"] == \
        f"{mirror}/eks/cilium/operator-generic:v1.19.4-1"
    config = by_name[("ConfigMap", "cilium-config")]["data"]
    assert (config["routing-mode"], config["tunnel-protocol"], config["ipam"]) == ("tunnel", "geneve", "kubernetes")
    assert config["enable-policy"] == "always"
    assert ("NetworkPolicy", "allow-all-ingress-egress") in by_name

    client = KubeClient(str(control_plane.kubeconfig))
    # removed after the test: what was not there before (kube-system and the other system namespaces stay)
    cleanup.extend(o for o in objects if client.get_or_none(o["apiVersion"], o["kind"], o["metadata"]["name"],
                                                            o["metadata"].get("namespace")) is None)
    stored = client.apply(objects, field_manager="eks-a-cli", force=True)
    pruned = {f"{o['kind']}/{o['metadata']['name']}": _missing(o, s) for o, s in zip(objects, stored, strict=True)}
    assert not {k: v for k, v in pruned.items() if v}, pruned
    live = client.get("apps/v1", "DaemonSet", "cilium", "kube-system")
    assert live["spec"]["template"]["spec"]["containers"][0]["image"] == agent["image"]


def test_a_mirror_whose_certificate_is_not_trusted_fails_with_helm_s_reason(
    cilium_chart_registry: ChartRegistry,
) -> None:
    spec = cilium_spec(mirror=_mirror(cilium_chart_registry))  # no caCertContent: the registry's CA is unknown
    with pytest.raises(HelmFailedError, match=r"helm template failed \(exit 1\):[\s\S]*certificate"):
        HelmCiliumRenderer(cilium_chart_registry.helm).render(spec)
