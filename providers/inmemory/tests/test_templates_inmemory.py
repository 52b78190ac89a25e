"""In-memory renderer: DevCluster / DevMachineTemplate on CAPD's in-memory backend, found through the entry point,
and the generated spec it renders."""

from __future__ import annotations

import importlib.metadata
from typing import Any

from test_contract_inmemory import VALID

from eksa_core.generate import generate_cluster_config, to_yaml
from eksa_core.plugins import Plugins
from eksa_core.releases import BUNDLED_RELEASE_MANIFEST
from eksa_core.testing import build_spec, render


def _plugins() -> Plugins:
    p = Plugins()
    p.load_entry_points()
    return p


def _by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def test_entry_point_is_installed_and_loads() -> None:
    eps = [ep for ep in importlib.metadata.entry_points(group="eksa.providers") if ep.name == "inmemory"]
    assert [ep.value for ep in eps] == ["eksa_inmemory.plugin"]
    p = _plugins()
    assert "inmemory" in p.providers
    assert not [f for f in p.failures if f.name == "inmemory"]


def test_renders_dev_cluster_and_machine_templates_on_the_in_memory_backend() -> None:
    plugins = _plugins()
    spec = build_spec(plugins, VALID, release_manifest=BUNDLED_RELEASE_MANIFEST)
    control_plane, workers = render(plugins.provider("inmemory"), spec)
    assert [o["kind"] for o in control_plane] == ["Cluster", "DevCluster", "DevMachineTemplate", "KubeadmControlPlane"]
    cluster = control_plane[0]
    assert cluster["spec"]["infrastructureRef"]["kind"] == "DevCluster"
    dev_cluster = control_plane[1]
    assert dev_cluster["apiVersion"] == "infrastructure.cluster.x-k8s.io/v1beta2"
    assert dev_cluster["spec"] == {"backend": {"inMemory": {}}}
    cp_template = control_plane[2]
    assert cp_template["metadata"]["name"] == "dev-control-plane-1"
    backend = cp_template["spec"]["template"]["spec"]["backend"]["inMemory"]
    # the control plane's machine config asks for 500ms, every simulated part gets it
    assert {part: backend[part]["provisioning"]["startupDuration"] for part in backend} == {
        "vm": "500ms",
        "node": "500ms",
        "apiServer": "500ms",
        "etcd": "500ms",
    }
    kcp = control_plane[3]
    assert kcp["spec"]["machineTemplate"]["spec"]["infrastructureRef"]["kind"] == "DevMachineTemplate"
    assert kcp["spec"]["replicas"] == 1
    assert "etcd" not in kcp["spec"]["kubeadmConfigSpec"]["clusterConfiguration"] or "external" not in (
        kcp["spec"]["kubeadmConfigSpec"]["clusterConfiguration"]["etcd"]
    )

    assert [o["kind"] for o in workers] == ["KubeadmConfigTemplate", "MachineDeployment", "DevMachineTemplate"]
    md = _by_kind(workers, "MachineDeployment")[0]
    assert md["spec"]["template"]["spec"]["infrastructureRef"]["kind"] == "DevMachineTemplate"
    worker_template = _by_kind(workers, "DevMachineTemplate")[0]
    assert worker_template["metadata"]["name"] == md["spec"]["template"]["spec"]["infrastructureRef"]["name"]
    # the workers' machine config says nothing: the default duration
    assert worker_template["spec"]["template"]["spec"]["backend"]["inMemory"]["vm"] == {
        "provisioning": {"startupDuration": "1s"}
    }


def test_generated_spec_is_valid_and_renders() -> None:
    plugins = _plugins()
    config = generate_cluster_config("dev", "inmemory", plugins=plugins)
    assert [o.kind for o in config.objects] == [
        "Cluster",
        "InMemoryDatacenterConfig",
        "InMemoryMachineConfig",
        "InMemoryMachineConfig",
    ]
    spec = build_spec(plugins, to_yaml(config), release_manifest=BUNDLED_RELEASE_MANIFEST)
    control_plane, workers = render(plugins.provider("inmemory"), spec)
    assert _by_kind(control_plane, "DevCluster") and _by_kind(workers, "DevMachineTemplate")


def test_new_machine_templates_only_where_the_machines_change() -> None:
    plugins = _plugins()
    provider = plugins.provider("inmemory")
    current = build_spec(plugins, VALID, release_manifest=BUNDLED_RELEASE_MANIFEST)
    version = current.cluster.spec.kubernetes_version
    assert version is not None
    group = current.cluster.worker_groups()[0].name

    def needs(new_text: str, role: str, group: str | None = None) -> bool | None:
        new = build_spec(plugins, new_text, release_manifest=BUNDLED_RELEASE_MANIFEST)
        return provider.needs_new_machine_templates(current, new, role, group)

    # a replica count reaches no machine: same templates
    scaled = VALID.replace("  - name: md-0\n    count: 1", "  - name: md-0\n    count: 2")
    assert scaled != VALID
    assert needs(scaled, "workers", group) is False
    assert needs(scaled, "control-plane") is False
    # a Kubernetes version rolls both roles
    major, minor = version.split(".")
    older = VALID.replace(f'kubernetesVersion: "{version}"', f'kubernetesVersion: "{major}.{int(minor) - 1}"')
    assert older != VALID
    older_spec = build_spec(plugins, older, release_manifest=BUNDLED_RELEASE_MANIFEST)
    assert provider.needs_new_machine_templates(older_spec, current, "control-plane", None) is True
    assert provider.needs_new_machine_templates(older_spec, current, "workers", group) is True
    # a worker group gone from the new spec has nothing to render
    assert needs(VALID, "workers", "not-there") is False
