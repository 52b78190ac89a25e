"""validate_update: immutable fields and version skew on upgrade (reference 3.5, core part)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from eksa_core.validation import validate_update

from .conftest_helpers import parse
from .fakelab import make_plugins
from .specs import API, fakelab_docs, spec


def _pair(change: Callable[[list[dict[str, Any]]], None], base: Callable[[list[dict[str, Any]]], None] | None = None):
    plugins, _ = make_plugins()
    old_docs = fakelab_docs()
    if base:
        base(old_docs)
    new_docs = fakelab_docs()
    if base:
        base(new_docs)
    change(new_docs)
    return parse(old_docs, plugins, file="old.yaml"), parse(new_docs, plugins, file="new.yaml")


def _messages(change, base=None) -> list[str]:
    old, new = _pair(change, base)
    return [e.message for e in validate_update(old, new)]


def _between(old_mut, new_mut) -> list[str]:
    """Messages for an upgrade from fakelab_docs()+old_mut to fakelab_docs()+new_mut."""
    plugins, _ = make_plugins()
    old_docs, new_docs = fakelab_docs(), fakelab_docs()
    old_mut(old_docs)
    new_mut(new_docs)
    old, new = parse(old_docs, plugins, file="old.yaml"), parse(new_docs, plugins, file="new.yaml")
    return [e.message for e in validate_update(old, new)]


def _set(path: str, value: Any):
    def change(docs: list[dict[str, Any]]) -> None:
        node: Any = spec(docs)
        keys = path.split(".")
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        if value is None:
            node.pop(keys[-1], None)
        else:
            node[keys[-1]] = value

    return change


def _gitops(name: str = "flux", **github: Any):
    def add(docs: list[dict[str, Any]]) -> None:
        spec(docs)["gitOpsRef"] = {"kind": "GitOpsConfig", "name": name}
        docs.append({"apiVersion": API, "kind": "GitOpsConfig", "metadata": {"name": name},
                     "spec": {"flux": {"github": {"owner": "o", "repository": "r", **github}}}})

    return add


IMMUTABLE = [
    ("endpoint", _set("controlPlaneConfiguration.endpoint.host", "10.0.0.11"),
     "spec.controlPlaneConfiguration.endpoint is immutable"),
    ("pods", _set("clusterNetwork.pods.cidrBlocks", ["10.10.0.0/16"]), "spec.clusterNetwork.Pods is immutable"),
    ("services", _set("clusterNetwork.services.cidrBlocks", ["10.20.0.0/16"]),
     "spec.clusterNetwork.Services is immutable"),
    ("dns", _set("clusterNetwork.dns", {"resolvConf": {"path": "/etc/r"}}), "spec.clusterNetwork.DNS is immutable"),
    ("nodes", _set("clusterNetwork.nodes", {"cidrMaskSize": 25}), "spec.clusterNetwork.Nodes is immutable"),
    ("cni", _set("clusterNetwork.cniConfig", {"kindnetd": {}}), "spec.clusterNetwork.CNI/CNIConfig is immutable"),
    ("proxy", _set("proxyConfiguration", {"httpProxy": "1.1.1.1:1", "httpsProxy": "1.1.1.1:1"}),
     "spec.proxyConfiguration is immutable"),
    ("etcd", _set("externalEtcdConfiguration", {"count": 3}),
     "adding or removing external etcd during upgrade is not supported"),
    ("dc-name", _set("datacenterRef.name", "other"), "spec.dataCenterRef.name is immutable"),
    ("management", _set("managementCluster.name", "mgmt"), "management flag is immutable"),
    ("k8s-down", _set("kubernetesVersion", "1.29"), "kubernetes version downgrade is not supported (1.30) -> (1.29)"),
    ("k8s-skip", _set("kubernetesVersion", "1.32"), "only +1 minor version skew is supported, minor version skew "
     "detected 2"),
    ("eksa-removed", _set("eksaVersion", None), "spec.eksaVersion cannot be removed once it is set"),
]


@pytest.mark.parametrize(("change", "message"), [c[1:] for c in IMMUTABLE], ids=[c[0] for c in IMMUTABLE])
def test_immutable_changes_are_rejected(change, message) -> None:
    base = _set("eksaVersion", "v0.19.0")
    found = _messages(change, base)
    assert message in found, found


def test_errors_are_located_in_the_new_file() -> None:
    old, new = _pair(_set("controlPlaneConfiguration.endpoint.host", "10.0.0.11"))
    (err,) = validate_update(old, new)
    assert (err.file, err.document, err.field) == ("new.yaml", 0, "spec.controlPlaneConfiguration.endpoint")
    assert err.line is not None


def test_mutable_changes_pass() -> None:
    def change(docs: list[dict[str, Any]]) -> None:
        s = spec(docs)
        s["kubernetesVersion"] = "1.31"
        s["controlPlaneConfiguration"]["count"] = 5
        s["workerNodeGroupConfigurations"][0]["count"] = 7
        s["workerNodeGroupConfigurations"].append({"name": "md-1", "count": 1})
        s["clusterNetwork"]["cniConfig"] = {"cilium": {"policyEnforcementMode": "always"}}
        s["registryMirrorConfiguration"] = {"endpoint": "1.2.3.4"}

    assert _messages(change) == []


def test_management_cluster_name_change_of_workload_cluster() -> None:
    base = _set("managementCluster.name", "mgmt")
    assert _messages(_set("managementCluster.name", "mgmt2"), base) == ["management cluster name is immutable"]


def test_worker_version_increment() -> None:
    base = _set("kubernetesVersion", "1.30")

    def change(docs: list[dict[str, Any]]) -> None:
        spec(docs)["kubernetesVersion"] = "1.31"
        spec(docs)["workerNodeGroupConfigurations"][0]["kubernetesVersion"] = "1.29"

    assert _messages(change, base) == [
        "worker node group md-0: kubernetes version downgrade is not supported (1.30) -> (1.29)"]


def test_eksa_version_skew_and_skip_annotation() -> None:
    base = _set("eksaVersion", "v0.19.2")
    assert _messages(_set("eksaVersion", "v0.20.0"), base) == []
    assert _messages(_set("eksaVersion", "v0.21.0"), base) == [
        "cannot upgrade eksaVersion from v0.19.2 to v0.21.0: only +1 minor version skew is supported"]
    assert _messages(_set("eksaVersion", "v0.18.0"), base) == [
        "cannot downgrade eksaVersion from v0.19.2 to v0.18.0"]

    def skip(docs: list[dict[str, Any]]) -> None:
        _set("eksaVersion", "v0.21.0")(docs)
        docs[0]["metadata"]["annotations"] = {"anywhere.eks.amazonaws.com/skip-eksa-version-skew-check": "true"}

    assert _messages(skip, base) == []


def test_gitops_fields_are_immutable_and_ref_immutable_on_workload_clusters() -> None:
    assert _between(_gitops(branch="main"), _gitops(branch="dev")) == ["gitOps spec.flux.github.branch is immutable"]

    def workload(docs: list[dict[str, Any]]) -> None:
        _gitops()(docs)
        spec(docs)["managementCluster"] = {"name": "mgmt"}

    def moved(docs: list[dict[str, Any]]) -> None:
        workload(docs)
        spec(docs)["gitOpsRef"] = {"kind": "FluxConfig", "name": "new"}

    assert _between(workload, moved) == [
        "once cluster.spec.gitOpsRef is set, it is immutable"]


def test_aws_iam_config_is_immutable() -> None:
    def iam(region: str):
        def add(docs: list[dict[str, Any]]) -> None:
            spec(docs)["identityProviderRefs"] = [{"kind": "AWSIamConfig", "name": "iam"}]
            docs.append({"apiVersion": API, "kind": "AWSIamConfig", "metadata": {"name": "iam"},
                         "spec": {"awsRegion": region, "backendMode": ["CRD"]}})

        return add

    assert _between(iam("us-west-2"), iam("us-east-1")) == ["aws iam identity provider is immutable"]
    assert _between(iam("us-west-2"), iam("us-west-2")) == []
