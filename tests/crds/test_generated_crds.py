"""CRDs generated from the models: structural schemas, required fields, enums, defaults; a third-party kind gets one
through the registry; installed on the real control plane, every example spec is kept whole."""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Iterator
from typing import Any, ClassVar, Literal

import attrs
import pytest

from eksa_core.cli import main
from eksa_core.convert import IntOrStr, field, unstructure
from eksa_core.crds import (
    CrdGenerationError,
    crd_for,
    generate_crds,
    install_crds,
    plural,
    schema_differences,
)
from eksa_core.errors import PluginError
from eksa_core.generate import generate_cluster_config
from eksa_core.kube import KubeClient, KubeError
from eksa_core.loading import prepare_config
from eksa_core.models import DatacenterConfigObject
from eksa_core.plugins import Plugins, default_plugins
from eksa_core.registry import KindRegistry
from eksa_core.testing.acceptance import pruned_paths
from eksa_core.testing.controlplane import ControlPlane

# --- a third-party kind, with what the core models do not use yet --------------------------------------------


@attrs.define
class _Disk:
    size_gib: int | None = field(wire="sizeGiB", required=True)
    kind: Literal["ssd", "hdd"] | None = field()


@attrs.define
class _WidgetSpec:
    zone: str | None = field(enum=("a", "b"), crd_default="a")
    surge: IntOrStr | None = field()
    disks: list[_Disk] | None = field()
    tags: dict[str, str] | None = field()
    extra: dict[str, Any] | None = field()
    ratio: float | None = field()


@attrs.define(kw_only=True)
class WidgetDatacenterConfig(DatacenterConfigObject):
    """A third party's datacenter kind."""

    KIND: ClassVar[str] = "WidgetDatacenterConfig"
    spec: _WidgetSpec = field(factory=_WidgetSpec)


def _widget_crd() -> dict[str, Any]:
    registry = KindRegistry()
    registry.register(WidgetDatacenterConfig, owner="acme widgets")
    [crd] = generate_crds(registry, kinds=["WidgetDatacenterConfig"])
    return crd


def _nodes(schema: dict[str, Any], path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    yield path or ".", schema
    for name, child in (schema.get("properties") or {}).items():
        yield from _nodes(child, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        yield from _nodes(schema["items"], f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _nodes(schema["additionalProperties"], f"{path}.*")


def _schema(crd: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def test_every_registered_kind_gets_a_structural_crd() -> None:
    plugins = default_plugins()
    crds = generate_crds(plugins)
    assert [c["spec"]["names"]["kind"] for c in crds] == plugins.registry.kinds()
    for crd in crds:
        kind = crd["spec"]["names"]["kind"]
        assert crd["metadata"]["name"] == f"{plural(kind)}.anywhere.eks.amazonaws.com"
        for path, node in _nodes(_schema(crd)):
            free = node.get("x-kubernetes-preserve-unknown-fields") or node.get("x-kubernetes-int-or-string")
            assert node.get("type") or free, f"{kind} {path}: no type"
        assert _schema(crd)["properties"]["metadata"] == {"type": "object"}
    cluster = next(c for c in crds if c["spec"]["names"]["kind"] == "Cluster")
    spec = _schema(cluster)["properties"]["spec"]["properties"]
    cp = spec["controlPlaneConfiguration"]["properties"]
    assert cp["endpoint"]["required"] == ["host"]
    assert cp["certSans"]["type"] == "array" and cp["certSans"]["items"] == {"type": "string"}
    assert cp["upgradeRolloutStrategy"]["properties"]["type"]["enum"] == ["RollingUpdate", "InPlace"]
    assert cp["machineHealthCheck"]["properties"]["maxUnhealthy"] == {"x-kubernetes-int-or-string": True}
    assert spec["workerNodeGroupConfigurations"]["items"]["properties"]["taints"]["items"]["required"] == [
        "effect",
        "key",
    ]
    assert spec["gitOpsRef"]["properties"]["kind"] == {"type": "string"}
    assert cluster["spec"]["versions"][0]["subresources"] == {"status": {}}


def test_a_third_party_kind_gets_enums_required_defaults_and_free_form_maps() -> None:
    crd = _widget_crd()
    assert crd["metadata"]["labels"]["anywhere.eks.amazonaws.com/owner"] == "acme-widgets"
    assert "subresources" not in crd["spec"]["versions"][0]  # no status in the model
    spec = _schema(crd)["properties"]["spec"]["properties"]
    assert spec["zone"] == {"type": "string", "enum": ["a", "b"], "default": "a"}
    assert spec["surge"] == {"x-kubernetes-int-or-string": True}
    disk = spec["disks"]["items"]
    assert disk["required"] == ["sizeGiB"]
    assert disk["properties"]["kind"] == {"type": "string", "enum": ["ssd", "hdd"]}
    assert spec["tags"] == {"type": "object", "additionalProperties": {"type": "string"}}
    assert spec["extra"] == {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    assert spec["ratio"] == {"type": "number"}


@attrs.define
class _Bad:
    value: int | str | bool | None = field()


@attrs.define(kw_only=True)
class BadDatacenterConfig(DatacenterConfigObject):
    KIND: ClassVar[str] = "BadDatacenterConfig"
    spec: _Bad = field(factory=_Bad)


def test_a_type_without_a_schema_is_a_located_error() -> None:
    registry = KindRegistry()
    info = registry.register(BadDatacenterConfig, owner="x")
    with pytest.raises(CrdGenerationError, match=r"kind BadDatacenterConfig, field spec\.value: the union"):
        crd_for(info)
    with pytest.raises(CrdGenerationError, match="unknown kind"):
        generate_crds(registry, kinds=["Nope"])


def test_schema_differences_name_missing_fields_and_other_types() -> None:
    reference = {
        "type": "object",
        "properties": {
            "a": {"type": "string"},
            "b": {"type": "integer"},
            "c": {"type": "array", "items": {"type": "object", "properties": {"d": {"type": "boolean"}}}},
            "e": {"type": "object", "properties": {"f": {"type": "string"}}},
            "g": {"x-kubernetes-int-or-string": True},
        },
    }
    ours = {
        "type": "object",
        "properties": {
            "a": {"type": "string"},
            "b": {"type": "string"},
            "c": {"type": "array", "items": {"type": "object", "properties": {}}},
            "e": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "g": {"x-kubernetes-int-or-string": True},
            "only": {"type": "string"},
        },
    }
    assert schema_differences(reference, ours) == ["b: type integer in the reference, string here", "c[].d: missing"]
    assert schema_differences(ours, ours) == []


def test_cli_prints_the_crds_of_the_chosen_kinds() -> None:
    out = io.StringIO()
    assert main(["crds", "--kind", "Cluster", "--kind", "OIDCConfig"], stdout=out) == 0
    text = out.getvalue()
    assert "name: clusters.anywhere.eks.amazonaws.com" in text and "name: oidcconfigs.anywhere" in text
    assert text.count("kind: CustomResourceDefinition") == 2
    err = io.StringIO()
    assert main(["crds", "--kind", "Nope"], stdout=io.StringIO(), stderr=err) == 1
    assert "unknown kind(s) Nope" in err.getvalue()


# --- on the real control plane ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def installed(control_plane: ControlPlane) -> Iterator[ControlPlane]:
    """The generated CRDs installed through ``eksa crds --install`` (removed afterwards: the control plane is
    shared by the session, whose other tests expect no EKS Anywhere CRD)."""
    out = io.StringIO()
    assert main(["crds", "--install", "--kubeconfig", str(control_plane.kubeconfig)], stdout=out, stderr=out) == 0, (
        out.getvalue()
    )
    extra = _widget_crd()
    with KubeClient(str(control_plane.kubeconfig)) as kube:
        install_crds(kube, [extra])
    names = [c["metadata"]["name"] for c in generate_crds()] + [extra["metadata"]["name"]]
    try:
        yield control_plane
    finally:
        with KubeClient(str(control_plane.kubeconfig)) as kube:
            for name in names:
                kube.delete("apiextensions.k8s.io/v1", "CustomResourceDefinition", name, ignore_not_found=True)
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and any(
                kube.get_or_none("apiextensions.k8s.io/v1", "CustomResourceDefinition", n) for n in names
            ):
                time.sleep(0.2)


def _example_documents(plugins: Plugins) -> list[tuple[str, dict[str, Any]]]:
    """Each provider's generated spec, as written and with every default filled in."""
    docs: list[tuple[str, dict[str, Any]]] = []
    for name in sorted(plugins.providers):
        try:
            raw = generate_cluster_config("ex-" + name.lower()[:20], name, plugins=plugins)
        except PluginError:  # a provider that generates no spec
            continue
        docs += [(f"{name} generated", unstructure(o)) for o in raw.objects]
        defaulted = generate_cluster_config("ex-" + name.lower()[:20], name, plugins=plugins)
        with contextlib.suppress(Exception):  # validation may want what a bare spec lacks: the defaults stay
            prepare_config(defaulted, plugins=plugins, env={})
        docs += [(f"{name} defaulted", unstructure(o)) for o in defaulted.objects]
    return docs


@pytest.mark.realkube
def test_crds_keep_every_field_of_every_example_spec(installed: ControlPlane, control_plane_namespace: str) -> None:
    plugins = default_plugins()
    docs = _example_documents(plugins)
    assert {d[1]["kind"] for d in docs} >= {"Cluster", "InMemoryDatacenterConfig", "VSphereMachineConfig"}
    problems: list[str] = []
    with KubeClient(str(installed.kubeconfig)) as kube:
        for index, (where, doc) in enumerate(docs):
            doc.setdefault("metadata", {})["namespace"] = control_plane_namespace
            doc["metadata"]["name"] = f"{doc['metadata'].get('name', 'x')}-{index}"[:63]
            status = doc.pop("status", None)
            try:
                stored = kube.apply(doc, field_manager="eksa-test")[0]
            except KubeError as exc:
                problems.append(f"{where} {doc['kind']}: rejected: {exc}")
                continue
            problems += [f"{where} {doc['kind']}: pruned {p}" for p in pruned_paths(doc, stored)]
            if status is not None:
                assert "status" not in stored or stored["status"] == {}
    assert not problems, "\n".join(problems)


@pytest.mark.realkube
def test_enums_required_fields_and_defaults_are_enforced_by_the_api_server(
    installed: ControlPlane, control_plane_namespace: str
) -> None:
    ns = control_plane_namespace
    cluster: dict[str, Any] = {
        "apiVersion": "anywhere.eks.amazonaws.com/v1alpha1",
        "kind": "Cluster",
        "metadata": {"name": "enum", "namespace": ns},
        "spec": {
            "kubernetesVersion": "1.33",
            "controlPlaneConfiguration": {"count": 1, "upgradeRolloutStrategy": {"type": "Sideways"}},
        },
    }
    with KubeClient(str(installed.kubeconfig)) as kube:
        with pytest.raises(KubeError, match="Sideways"):
            kube.apply(cluster)
        cluster["spec"]["controlPlaneConfiguration"] = {"count": 1, "endpoint": {}}
        with pytest.raises(KubeError, match="host"):
            kube.apply(cluster)
        cluster["spec"]["controlPlaneConfiguration"] = {"count": 1, "endpoint": {"host": "10.0.0.1"}, "notAField": 1}
        with pytest.raises(KubeError, match="notAField"):  # strict server-side apply: unknown fields refused
            kube.apply(cluster)
        widget = {
            "apiVersion": "anywhere.eks.amazonaws.com/v1alpha1",
            "kind": "WidgetDatacenterConfig",
            "metadata": {"name": "w", "namespace": ns},
            "spec": {"disks": [{"sizeGiB": 10, "kind": "ssd"}]},
        }
        stored = kube.apply(widget)[0]
        assert stored["spec"]["zone"] == "a"  # filled in by the API server from the model's crd_default
        widget["spec"]["disks"] = [{"kind": "ssd"}]
        with pytest.raises(KubeError, match="sizeGiB"):
            kube.apply(widget)
