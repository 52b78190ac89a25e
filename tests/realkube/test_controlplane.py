"""The real control plane fixture itself: versions, identity, controllers, isolation, clean shutdown."""

from __future__ import annotations

import os
import stat
import time
import uuid
from pathlib import Path

import pytest

from eksa_core.kube import KubeClient, KubeNotFoundError
from eksa_core.testing import controlplane as cp_module
from eksa_core.testing.controlplane import KUBE_VERSION, ControlPlane, find_binaries

pytestmark = pytest.mark.realkube


def _eventually(check, what: str, timeout: float = 90.0) -> None:  # type: ignore[no-untyped-def]
    """Poll ``check`` until it returns true (a controller acts asynchronously); fail saying ``what``."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:.0f}s")
        time.sleep(0.25)


def _config_map(name: str, namespace: str, **meta: object) -> dict[str, object]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace, **meta}}


def test_version_is_the_pinned_release(control_plane: ControlPlane) -> None:
    version = control_plane.version()
    assert version["gitVersion"] == KUBE_VERSION
    assert version["major"] == "1"
    assert version["minor"] == KUBE_VERSION.split(".")[1]


def test_kubeconfig_is_private_and_authenticates_as_admin(control_plane: ControlPlane) -> None:
    mode = stat.S_IMODE(os.stat(control_plane.kubeconfig).st_mode)
    assert mode == 0o600
    from kubernetes import client as k8s_client

    with control_plane.api_client() as api:
        review = k8s_client.AuthenticationV1Api(api).create_self_subject_review(
            {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
        )
    assert review.status.user_info.username == "admin"
    assert "system:masters" in review.status.user_info.groups


def test_listens_on_loopback_only(control_plane: ControlPlane) -> None:
    assert control_plane.server.startswith("https://127.0.0.1:")
    assert control_plane.etcd_url.startswith("http://127.0.0.1:")


def test_rbac_denies_an_unauthenticated_caller(control_plane: ControlPlane, tmp_path: Path) -> None:
    import ssl
    import urllib.error
    import urllib.request

    ctx = ssl.create_default_context(cafile=str(control_plane.ca_cert))
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(f"{control_plane.server}/api/v1/namespaces/default/secrets", context=ctx, timeout=10)
    assert err.value.code in (401, 403)


def test_namespace_fixture_and_crud(control_plane: ControlPlane, control_plane_namespace: str) -> None:
    with KubeClient(str(control_plane.kubeconfig)) as kube:
        kube.apply(_config_map("cm", control_plane_namespace) | {"data": {"k": "v"}})
        assert kube.get("v1", "ConfigMap", "cm", control_plane_namespace)["data"] == {"k": "v"}


def test_deleted_namespace_is_finalized(control_plane: ControlPlane) -> None:
    name = f"t-finalize-{uuid.uuid4().hex[:6]}"
    with KubeClient(str(control_plane.kubeconfig)) as kube:
        kube.create_namespace(name)
        kube.apply(_config_map("inside", name))
        kube.delete("v1", "Namespace", name)

        def gone() -> bool:
            return kube.get_or_none("v1", "Namespace", name) is None

        _eventually(gone, f"namespace {name} being finalized by the namespace controller")
        with pytest.raises(KubeNotFoundError):
            kube.get("v1", "ConfigMap", "inside", name)


def test_owner_reference_garbage_collection(control_plane: ControlPlane, control_plane_namespace: str) -> None:
    ns = control_plane_namespace
    with KubeClient(str(control_plane.kubeconfig)) as kube:
        owner = kube.apply(_config_map("owner", ns))[0]
        ref = {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": owner["metadata"]["uid"]}
        kube.apply(_config_map("dependent", ns, ownerReferences=[ref]))
        kube.delete("v1", "ConfigMap", "owner", ns)
        _eventually(
            lambda: kube.get_or_none("v1", "ConfigMap", "dependent", ns) is None,
            "the garbage collector deleting the dependent of a deleted owner",
        )


def test_two_control_planes_are_independent(
    control_plane: ControlPlane, second_control_plane: ControlPlane, control_plane_namespace: str
) -> None:
    assert control_plane.server != second_control_plane.server
    assert control_plane.ca_cert.read_bytes() != second_control_plane.ca_cert.read_bytes()
    with (
        KubeClient(str(control_plane.kubeconfig)) as one,
        KubeClient(str(second_control_plane.kubeconfig)) as two,
    ):
        one.apply(_config_map("only-here", control_plane_namespace))
        assert two.get_or_none("v1", "Namespace", control_plane_namespace) is None


def test_stop_leaves_nothing_running(control_plane: ControlPlane) -> None:
    plane = ControlPlane(name="eksa-stop-test", binaries=find_binaries())
    plane.start()
    pids = [p.popen.pid for p in plane._processes]
    workdir = plane.workdir
    assert plane.running and len(pids) == 3
    plane.stop()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.killpg(pid, 0)
    assert not workdir.exists()


def test_failed_start_stops_what_it_started(control_plane: ControlPlane, tmp_path: Path) -> None:
    binaries = find_binaries()
    plane = ControlPlane(
        name="eksa-fail-test",
        binaries=binaries,
        extra_apiserver_args=["--no-such-flag-for-eksa"],
    )
    with pytest.raises(cp_module.ControlPlaneError, match="kube-apiserver"):
        plane.start()
    assert not plane._processes
    assert not plane.running
