"""Defaults (reference 3.3, 3.7): API stage, CLI stage, provider hook, idempotency."""

from __future__ import annotations

from pathlib import Path

import pytest

from eksa_core.convert import unstructure
from eksa_core.defaults import set_defaults

from .conftest_helpers import parse
from .fakelab import make_plugins
from .specs import API, fakelab_docs, spec


def _defaulted(docs, *, stage="cli", env=None):
    plugins, provider = make_plugins()
    config = parse(docs, plugins)
    warnings = set_defaults(config, plugins=plugins, stage=stage, env=env or {})
    return config, warnings, provider


def test_worker_group_name_and_count_defaults() -> None:
    docs = fakelab_docs()
    spec(docs)["workerNodeGroupConfigurations"] = [
        {"machineGroupRef": {"kind": "FakeLabMachineConfig", "name": "mycluster"}},
        {"name": "auto", "autoscalingConfiguration": {"minCount": 2, "maxCount": 5},
         "machineGroupRef": {"kind": "FakeLabMachineConfig", "name": "mycluster"}},
        {"name": "second-unnamed-stays", "machineGroupRef": {"kind": "FakeLabMachineConfig", "name": "mycluster"}},
    ]
    config, _, _ = _defaulted(docs, stage="api")
    groups = config.cluster.spec.worker_node_group_configurations
    assert [(g.name, g.count) for g in groups] == [("md-0", 1), ("auto", 2), ("second-unnamed-stays", 1)]


@pytest.mark.parametrize(("cni", "expected"), [
    ("cilium", {"cilium": {}}), ("cilium-enterprise", {"cilium": {}}), ("kindnetd", {"kindnetd": {}}),
    ("calico", {}), (None, {}),
])
def test_legacy_cni_is_converted_and_cleared(cni, expected) -> None:
    docs = fakelab_docs()
    network = spec(docs)["clusterNetwork"]
    del network["cniConfig"]
    if cni is not None:
        network["cni"] = cni
    config, _, _ = _defaulted(docs, stage="api")
    net = config.cluster.spec.cluster_network
    assert net.cni is None
    assert unstructure(net.cni_config) == expected


def test_both_cni_formats_are_left_for_validation_to_reject() -> None:
    docs = fakelab_docs()
    spec(docs)["clusterNetwork"]["cni"] = "cilium"
    config, _, _ = _defaulted(docs, stage="api")
    assert config.cluster.spec.cluster_network.cni == "cilium"


def test_registry_mirror_port_and_ca_from_env_file(tmp_path: Path) -> None:
    ca = tmp_path / "ca.crt"
    ca.write_text("-----BEGIN CERTIFICATE-----\nabc\n-----END CERTIFICATE-----\n")
    docs = fakelab_docs()
    spec(docs)["registryMirrorConfiguration"] = {"endpoint": "1.2.3.4"}
    config, warnings, _ = _defaulted(docs, stage="api", env={"EKSA_REGISTRY_MIRROR_CA": str(ca)})
    mirror = config.cluster.spec.registry_mirror_configuration
    assert mirror.port == "443"
    assert mirror.ca_cert_content == ca.read_text()
    assert warnings == []


def test_registry_mirror_ca_given_in_spec_wins_and_unreadable_file_warns(tmp_path: Path) -> None:
    docs = fakelab_docs()
    spec(docs)["registryMirrorConfiguration"] = {"endpoint": "1.2.3.4", "port": "8443", "caCertContent": "mine"}
    config, _, _ = _defaulted(docs, env={"EKSA_REGISTRY_MIRROR_CA": str(tmp_path / "ca.crt")})
    assert config.cluster.spec.registry_mirror_configuration.ca_cert_content == "mine"
    assert config.cluster.spec.registry_mirror_configuration.port == "8443"
    docs = fakelab_docs()
    spec(docs)["registryMirrorConfiguration"] = {"endpoint": "1.2.3.4"}
    config, warnings, _ = _defaulted(docs, env={"EKSA_REGISTRY_MIRROR_CA": str(tmp_path / "missing.crt")})
    assert config.cluster.spec.registry_mirror_configuration.ca_cert_content is None
    assert len(warnings) == 1 and warnings[0].warning
    assert warnings[0].field == "spec.registryMirrorConfiguration.caCertContent" and warnings[0].line is not None


def test_kms_defaults() -> None:
    docs = fakelab_docs()
    spec(docs)["etcdEncryption"] = [{"providers": [{"kms": {"name": "k", "socketListenAddress": "unix:///s"}},
                                                   {"kms": {"name": "k2", "cachesize": 10, "timeout": "1s"}}],
                                     "resources": ["secrets"]}]
    config, _, _ = _defaulted(docs, stage="api")
    kms = [p.kms for p in config.cluster.spec.etcd_encryption[0].providers]
    assert [(k.cachesize, k.timeout) for k in kms] == [(1000, "3s"), (10, "1s")]


def test_api_stage_does_not_default_namespace_or_health_checks() -> None:
    config, _, _ = _defaulted(fakelab_docs(), stage="api")
    assert config.cluster.metadata.namespace is None
    assert config.cluster.spec.machine_health_check is None


def test_cli_stage_namespaces_and_machine_health_checks() -> None:
    docs = fakelab_docs()
    docs[2]["metadata"]["namespace"] = "kept"
    config, _, _ = _defaulted(docs)
    assert [o.namespace for o in config.objects] == ["default", "default", "kept", "default"]
    cluster = config.cluster
    mhc = cluster.spec.machine_health_check
    assert (mhc.node_startup_timeout, mhc.unhealthy_machine_timeout, mhc.max_unhealthy) == ("10m0s", "5m0s", "100%")
    assert cluster.spec.control_plane_configuration.machine_health_check.max_unhealthy == "100%"
    assert cluster.spec.worker_node_group_configurations[0].machine_health_check.max_unhealthy == "40%"


def test_cli_stage_top_level_max_unhealthy_is_inherited_and_timeouts_kept() -> None:
    docs = fakelab_docs()
    spec(docs)["machineHealthCheck"] = {"maxUnhealthy": "60%", "nodeStartupTimeout": "30m"}
    spec(docs)["workerNodeGroupConfigurations"][0]["machineHealthCheck"] = {"maxUnhealthy": 1}
    spec(docs)["workerNodeGroupConfigurations"].append(
        {"name": "md-1", "count": 1, "machineGroupRef": {"kind": "FakeLabMachineConfig", "name": "mycluster"}})
    config, _, _ = _defaulted(docs)
    s = config.cluster.spec
    assert s.machine_health_check.node_startup_timeout == "30m"
    assert s.control_plane_configuration.machine_health_check.max_unhealthy == "60%"
    assert [g.machine_health_check.max_unhealthy for g in s.worker_node_group_configurations] == [1, "60%"]


def test_tinkerbell_node_startup_timeout_is_20_minutes() -> None:
    """The default comes from the provider's registration (``ProviderTraits.node_startup_timeout``)."""
    from eksa_baremetal import plugin as baremetal

    docs = fakelab_docs()
    spec(docs)["datacenterRef"]["kind"] = "TinkerbellDatacenterConfig"
    plugins, _ = make_plugins()
    plugins.register(baremetal, name="eksa-provider-baremetal")
    config = parse(docs, plugins)
    set_defaults(config, plugins=plugins, env={})
    assert config.cluster.spec.machine_health_check.node_startup_timeout == "20m0s"


def test_identity_and_gitops_kind_defaults() -> None:
    docs = fakelab_docs()
    spec(docs)["managementCluster"] = {"name": "mgmt"}
    docs += [
        {"apiVersion": API, "kind": "AWSIamConfig", "metadata": {"name": "iam"}, "spec": {"awsRegion": "r"}},
        {"apiVersion": API, "kind": "FluxConfig", "metadata": {"name": "flux"},
         "spec": {"git": {"repositoryUrl": "ssh://git@example.com/r.git"}}},
        {"apiVersion": API, "kind": "GitOpsConfig", "metadata": {"name": "legacy"},
         "spec": {"flux": {"github": {"owner": "o", "repository": "r", "branch": "dev"}}}},
    ]
    config, _, _ = _defaulted(docs, stage="api")
    assert config.get("AWSIamConfig", "iam").spec.partition == "aws"
    flux = config.get("FluxConfig", "flux").spec
    assert (flux.system_namespace, flux.branch, flux.cluster_config_path, flux.git.ssh_key_algorithm) == (
        "flux-system", "main", "clusters/mgmt", "ecdsa")
    gh = config.get("GitOpsConfig", "legacy").spec.flux.github
    assert (gh.flux_system_namespace, gh.branch, gh.cluster_config_path) == ("flux-system", "dev", "clusters/mgmt")


def test_provider_defaults_hook_runs_only_on_selected_provider() -> None:
    config, _, provider = _defaulted(fakelab_docs())
    assert provider.defaults_calls == 1
    assert config.datacenter().spec.zone == "zone-a"


def test_defaults_are_idempotent() -> None:
    docs = fakelab_docs()
    del spec(docs)["clusterNetwork"]["cniConfig"]
    spec(docs)["clusterNetwork"]["cni"] = "cilium"
    spec(docs)["registryMirrorConfiguration"] = {"endpoint": "1.2.3.4"}
    del spec(docs)["workerNodeGroupConfigurations"][0]["name"]
    plugins, _ = make_plugins()
    config = parse(docs, plugins)
    set_defaults(config, plugins=plugins, env={})
    once = config.dump()
    set_defaults(config, plugins=plugins, env={})
    assert config.dump() == once


def test_unknown_stage_is_rejected() -> None:
    plugins, _ = make_plugins()
    with pytest.raises(ValueError):
        set_defaults(parse(fakelab_docs(), plugins), plugins=plugins, stage="webhook")  # type: ignore[arg-type]
