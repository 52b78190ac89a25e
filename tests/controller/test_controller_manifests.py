"""The controller's Deployment, ServiceAccount and RBAC: accepted by the real API server, least privilege judged by
the API server's own authorizer (SubjectAccessReview), the image from the release bundle, and the create's
"Installing EKS-A custom components (CRD and controller)" step applying them."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from eksa_core.controller.manifests import CONTROLLER_NAME, controller_image, controller_manifests
from eksa_core.generate import generate_cluster_config
from eksa_core.kube import KubeClient
from eksa_core.loading import prepare_config
from eksa_core.plugins import default_plugins
from eksa_core.releases import build_spec
from eksa_core.releases.constants import BUNDLED_RELEASE_MANIFEST
from eksa_core.spec import Spec
from eksa_core.testing.controlplane import ControlPlane
from eksa_core.workflows import plan_create

SA = f"system:serviceaccount:eksa-system:{CONTROLLER_NAME}"


def _spec(name: str = "mgmt") -> Spec:
    plugins = default_plugins()
    config = prepare_config(
        generate_cluster_config(name, "inmemory", kubernetes_version="1.34", plugins=plugins), plugins=plugins, env={}
    )
    return build_spec(config, release_manifest=BUNDLED_RELEASE_MANIFEST, plugins=plugins)


def test_controller_image_comes_from_the_release_bundle() -> None:
    spec = _spec()
    image = controller_image(spec)
    assert image == spec.versions_bundle().eksa.cluster_controller.uri
    deployment = controller_manifests(image, default_plugins())[-1]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == image
    assert container["args"][:2] == ["controller", "--leader-elect"]
    assert "127.0.0.1:8080" in container["args"]


def _allowed(
    kube: KubeClient, verb: str, resource: str, *, group: str = "", namespace: str | None = None, subresource: str = ""
) -> bool:
    attributes: dict[str, Any] = {"verb": verb, "resource": resource, "group": group}
    if namespace:
        attributes["namespace"] = namespace
    if subresource:
        attributes["subresource"] = subresource
    review = kube.create(
        {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": {"user": SA, "groups": ["system:serviceaccounts"], "resourceAttributes": attributes},
        }
    )
    return bool(review["status"].get("allowed"))


@pytest.mark.realkube
def test_controller_rbac_is_accepted_and_least_privilege(control_plane: ControlPlane) -> None:
    with KubeClient(str(control_plane.kubeconfig)) as kube:
        objects = controller_manifests("example.com/eksa:v1", default_plugins())
        stored = kube.apply(objects, field_manager="eksa-test")
        assert [o["kind"] for o in stored][-1] == "Deployment"
        try:
            ns = f"user-{uuid.uuid4().hex[:4]}"
            # what the reconcile, the watches and the election do
            assert _allowed(kube, "watch", "clusters", group="anywhere.eks.amazonaws.com")
            assert _allowed(
                kube, "patch", "clusters", group="anywhere.eks.amazonaws.com", subresource="status", namespace=ns
            )
            assert _allowed(kube, "list", "inmemorymachineconfigs", group="anywhere.eks.amazonaws.com")
            assert _allowed(kube, "patch", "machinedeployments", group="cluster.x-k8s.io", namespace="eksa-system")
            assert _allowed(
                kube, "create", "devmachinetemplates", group="infrastructure.cluster.x-k8s.io", namespace="eksa-system"
            )
            assert _allowed(kube, "update", "leases", group="coordination.k8s.io", namespace="eksa-system")
            assert _allowed(kube, "patch", "secrets", namespace="eksa-system")
            assert _allowed(kube, "create", "events", namespace=ns)
            # and nothing more
            assert not _allowed(kube, "get", "secrets", namespace=ns)
            assert not _allowed(kube, "update", "leases", group="coordination.k8s.io", namespace=ns)
            assert not _allowed(kube, "delete", "namespaces")
            assert not _allowed(kube, "create", "clusterrolebindings", group="rbac.authorization.k8s.io")
            assert not _allowed(kube, "create", "pods", namespace="eksa-system")
            assert not _allowed(kube, "patch", "customresourcedefinitions", group="apiextensions.k8s.io")
            assert not _allowed(
                kube, "update", "inmemorymachineconfigs", group="anywhere.eks.amazonaws.com", namespace=ns
            )
        finally:
            for obj in reversed(objects[1:]):
                meta = obj["metadata"]
                kube.delete(obj["apiVersion"], obj["kind"], meta["name"], meta.get("namespace"), ignore_not_found=True)


def test_controller_and_crds_are_applied_by_the_create_step(tmp_path: Path) -> None:
    plan: Any = plan_create(_spec("mgmt"), workdir=tmp_path)
    step = next(s for s in plan.steps if s.task == "eksa-components-workload-install")
    applied = [o for a in step.actions if a.get("action") == "apply" for o in a.get("objects") or []]
    crd_names = [o for o in applied if "CustomResourceDefinition" in o]
    assert any("clusters.anywhere.eks.amazonaws.com" in o for o in crd_names), applied
    assert any("inmemorymachineconfigs.anywhere.eks.amazonaws.com" in o for o in crd_names), applied
    assert any("Deployment" in o and CONTROLLER_NAME in o for o in applied), applied
    assert any("ClusterRole" in o and CONTROLLER_NAME in o for o in applied), applied
