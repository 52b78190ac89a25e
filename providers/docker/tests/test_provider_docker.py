"""Provider identity, entry point and generated documents."""

from __future__ import annotations

import importlib.metadata

from eksa_docker import plugin
from eksa_docker.models import DockerDatacenterConfig

from eksa_core.generate import generate_cluster_config, to_yaml
from eksa_core.plugins import Plugins


def plugins() -> Plugins:
    p = Plugins()
    p.register(plugin, name="eksa-provider-docker")
    return p


def test_provider_info() -> None:
    info = plugin.eksa_provider()
    assert (info.name, info.datacenter_kind, info.machine_kind) == ("docker", "DockerDatacenterConfig", "")
    assert info.kinds == (DockerDatacenterConfig,)
    assert info.version == importlib.metadata.version("eksa-provider-docker")


def test_entry_point_is_installed_and_loads() -> None:
    eps = [ep for ep in importlib.metadata.entry_points(group="eksa.providers") if ep.name == "docker"]
    assert [ep.value for ep in eps] == ["eksa_docker.plugin"]
    p = Plugins()
    p.load_entry_points()
    assert "docker" in p.providers
    assert not [f for f in p.failures if f.name == "docker"]


def test_generated_docker_spec() -> None:
    config = generate_cluster_config("dev", "docker", plugins=plugins())
    cluster = config.cluster
    spec = cluster.spec
    assert spec.control_plane_configuration.count == 1
    assert spec.control_plane_configuration.endpoint is None
    assert spec.control_plane_configuration.machine_group_ref is None
    assert spec.external_etcd_configuration.count == 1
    assert spec.external_etcd_configuration.machine_group_ref is None
    assert [(g.name, g.count, g.machine_group_ref) for g in cluster.worker_groups()] == [("md-0", 1, None)]
    assert (spec.datacenter_ref.kind, spec.datacenter_ref.name) == ("DockerDatacenterConfig", "dev")
    assert [o.kind for o in config.objects] == ["Cluster", "DockerDatacenterConfig"]
    assert to_yaml(config).endswith("kind: DockerDatacenterConfig\nmetadata:\n  name: dev\nspec: {}\n\n---\n")
