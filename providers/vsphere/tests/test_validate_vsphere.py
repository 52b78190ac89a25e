"""Static validation, immutability, credentials, control plane IP check, SSH key generation and the live
setup-and-validate hooks (against vcsim) of the vSphere provider."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from eksa_vsphere import plugin
from eksa_vsphere.models import VSphereMachineConfig
from eksa_vsphere.validation import (
    PRIVATE_KEY_FILE,
    PUBLIC_KEY_FILE,
    control_plane_ip_in_use,
    eksa_set_defaults,
    eksa_setup_and_validate_create,
    eksa_setup_and_validate_delete,
    eksa_setup_and_validate_upgrade,
    eksa_validate_config,
    eksa_validate_new_spec,
    ensure_ssh_keys,
    validate_control_plane_ip,
)
from eksa_vsphere_testlib import PASSWORD, UBUNTU_TEMPLATE, USERNAME, VcsimServer

from eksa_core.context import HookContext
from eksa_core.errors import SpecError, SpecErrors
from eksa_core.plugins import Plugins
from eksa_core.spec import ClusterConfig, Spec, parse_cluster_config

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJx test@example"
CREDS = {"EKSA_VSPHERE_USERNAME": USERNAME, "EKSA_VSPHERE_PASSWORD": PASSWORD}


def spec_yaml(server: str = "https://vcenter.example", host: str = "198.18.0.10", os_family: str = "ubuntu",
              user: str = "capv", key: str = KEY, template: str = UBUNTU_TEMPLATE) -> str:
    """A complete vSphere spec (control plane, external etcd, one worker group) matching vcsim's inventory."""
    machine = """---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: VSphereMachineConfig
metadata:
  name: {name}
spec:
  datastore: /DC0/datastore/LocalDS_0
  folder: /DC0/vm/eksa
  resourcePool: /DC0/host/DC0_C0/Resources
  template: "{template}"
  osFamily: {os_family}
  diskGiB: 25
  memoryMiB: 8192
  numCPUs: 2
  users:
  - name: {user}
    sshAuthorizedKeys: ["{key}"]
"""
    cluster = f"""apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: mycluster
spec:
  kubernetesVersion: "1.28"
  controlPlaneConfiguration:
    count: 3
    endpoint:
      host: "{host}"
    machineGroupRef: {{kind: VSphereMachineConfig, name: mycluster-cp}}
  externalEtcdConfiguration:
    count: 3
    machineGroupRef: {{kind: VSphereMachineConfig, name: mycluster-etcd}}
  workerNodeGroupConfigurations:
  - name: md-0
    count: 2
    machineGroupRef: {{kind: VSphereMachineConfig, name: mycluster-md}}
  datacenterRef: {{kind: VSphereDatacenterConfig, name: mycluster}}
  clusterNetwork:
    cniConfig: {{cilium: {{}}}}
    pods: {{cidrBlocks: [192.168.0.0/16]}}
    services: {{cidrBlocks: [10.96.0.0/12]}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: VSphereDatacenterConfig
metadata:
  name: mycluster
spec:
  datacenter: DC0
  network: VM Network
  server: "{server}"
  insecure: false
"""
    return cluster + "".join(
        machine.format(name=n, template=template, os_family=os_family, user=user, key=key)
        for n in ("mycluster-cp", "mycluster-etcd", "mycluster-md")
    )


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    p = Plugins()
    p.register(plugin, name="eksa-provider-vsphere")
    return p


def parse(text: str, plugins: Plugins, defaults: bool = True) -> ClusterConfig:
    config = parse_cluster_config(text, file="cluster.yaml", registry=plugins.registry)
    if defaults:
        eksa_set_defaults(config)
    return config


def make_spec(text: str, plugins: Plugins) -> Spec:
    return Spec(parse(text, plugins), plugins=plugins)


def messages(errors: list[SpecError]) -> list[str]:
    return [e.message for e in errors if not e.warning]


def mc(config: ClusterConfig, name: str) -> VSphereMachineConfig:
    obj = config.get("VSphereMachineConfig", name)
    assert isinstance(obj, VSphereMachineConfig)
    return obj


# ------------------------------------------------------------------------------------------- static rules


def test_valid_spec_has_no_errors(plugins: Plugins) -> None:
    assert eksa_validate_config(parse(spec_yaml(), plugins)) == []


@pytest.mark.parametrize(
    ("edit", "message", "kind", "name", "field"),
    [
        (lambda c: setattr(c.datacenter().spec, "server", ""),
         "VSphereDatacenterConfig server is not set or is empty", "VSphereDatacenterConfig", "mycluster",
         "spec.server"),
        (lambda c: setattr(c.datacenter().spec, "datacenter", None),
         "VSphereDatacenterConfig datacenter is not set or is empty", "VSphereDatacenterConfig", "mycluster",
         "spec.datacenter"),
        (lambda c: setattr(c.datacenter().spec, "network", ""),
         "VSphereDatacenterConfig VM network is not set or is empty", "VSphereDatacenterConfig", "mycluster",
         "spec.network"),
        (lambda c: setattr(mc(c, "mycluster-md").spec, "datastore", ""),
         "VSphereMachineConfig mycluster-md datastore is not set or is empty", "VSphereMachineConfig",
         "mycluster-md", "spec.datastore"),
        (lambda c: setattr(mc(c, "mycluster-cp").spec, "resource_pool", None),
         "VSphereMachineConfig mycluster-cp VM resourcePool is not set or is empty", "VSphereMachineConfig",
         "mycluster-cp", "spec.resourcePool"),
        (lambda c: setattr(mc(c, "mycluster-etcd").spec, "template", ""),
         "template field is required", "VSphereMachineConfig", "mycluster-etcd", "spec.template"),
        (lambda c: setattr(mc(c, "mycluster-md").spec, "clone_mode", "instantClone"),
         "cloneMode instantClone is not supported, please use one of the following: fullClone, linkedClone",
         "VSphereMachineConfig", "mycluster-md", "spec.cloneMode"),
        (lambda c: setattr(mc(c, "mycluster-cp").spec, "networks", ["/DC0/network/VM Network"]),
         "networks field is not supported for control plane machine config 'mycluster-cp', it is only supported "
         "for worker node groups", "VSphereMachineConfig", "mycluster-cp", "spec.networks"),
        (lambda c: setattr(c.cluster.spec.control_plane_configuration.machine_group_ref, "name", "nope"),
         "cannot find VSphereMachineConfig nope for control plane", "Cluster", "mycluster",
         "spec.controlPlaneConfiguration.machineGroupRef.name"),
        (lambda c: setattr(c.cluster.spec.external_etcd_configuration.machine_group_ref, "name", "nope"),
         "cannot find VSphereMachineConfig nope for etcd machines", "Cluster", "mycluster",
         "spec.externalEtcdConfiguration.machineGroupRef.name"),
        (lambda c: setattr(c.cluster.spec.worker_node_group_configurations[0].machine_group_ref, "name", "nope"),
         "cannot find VSphereMachineConfig nope for worker nodes", "Cluster", "mycluster",
         "spec.workerNodeGroupConfigurations[0].machineGroupRef.name"),
        (lambda c: setattr(c.cluster.spec.control_plane_configuration.endpoint, "host", "cp.example.com"),
         "cluster controlPlaneConfiguration.Endpoint.Host is invalid: cp.example.com", "Cluster", "mycluster",
         "spec.controlPlaneConfiguration.endpoint.host"),
    ],
)
def test_each_rule_fails_with_eksa_message_and_location(
    plugins: Plugins, edit: Callable[[ClusterConfig], None], message: str, kind: str, name: str, field: str
) -> None:
    config = parse(spec_yaml(), plugins)
    edit(config)
    errors = eksa_validate_config(config)
    assert messages(errors) == [message]
    err = errors[0]
    assert (err.kind, err.name, err.field, err.file) == (kind, name, field, "cluster.yaml")
    assert err.line is not None


def test_os_family_rules(plugins: Plugins) -> None:
    config = parse(spec_yaml(), plugins)
    mc(config, "mycluster-md").spec.os_family = "windows"
    assert messages(eksa_validate_config(config)) == [
        "osFamily: windows is not supported, please use one of the following: bottlerocket, ubuntu, redhat",
        "all VSphereMachineConfigs must have the same osFamily specified",
    ]
    config = parse(spec_yaml(), plugins)
    mc(config, "mycluster-md").spec.os_family = "redhat"
    errors = eksa_validate_config(config)
    assert messages(errors) == ["all VSphereMachineConfigs must have the same osFamily specified"]
    assert (errors[0].name, errors[0].field) == ("mycluster-md", "spec.osFamily")


def test_bottlerocket_user_must_be_ec2_user(plugins: Plugins) -> None:
    config = parse(spec_yaml(os_family="bottlerocket", user="ec2-user"), plugins)
    assert messages(eksa_validate_config(config)) == []
    config = parse(spec_yaml(os_family="bottlerocket", user="capv"), plugins)
    errors = eksa_validate_config(config)
    assert set(messages(errors)) == {"users[0].name capv is invalid. Please use 'ec2-user' for Bottlerocket"}
    assert {e.field for e in errors} == {"spec.users[0].name"}


def test_bottlerocket_needs_no_template_but_ubuntu_does(plugins: Plugins) -> None:
    assert messages(eksa_validate_config(parse(spec_yaml(os_family="bottlerocket", user="ec2-user",
                                                         template=""), plugins))) == []
    assert messages(eksa_validate_config(parse(spec_yaml(template=""), plugins))) == [
        "template field is required"] * 3


def test_networks_allowed_on_worker_configs(plugins: Plugins) -> None:
    config = parse(spec_yaml(), plugins)
    mc(config, "mycluster-md").spec.networks = ["/DC0/network/VM Network"]
    assert eksa_validate_config(config) == []


def test_bottlerocket_settings_need_bottlerocket(plugins: Plugins) -> None:
    text = spec_yaml().replace("  numCPUs: 2\n", "  numCPUs: 2\n  hostOSConfiguration:\n"
                                                  "    bottlerocketConfiguration: {kubernetes: {maxPods: 50}}\n", 1)
    errors = eksa_validate_config(parse(text, plugins))
    assert messages(errors) == ['BottlerocketConfiguration can only be used with osFamily: "bottlerocket"']
    assert errors[0].field == "spec.hostOSConfiguration.bottlerocketConfiguration"


def test_failure_domain_rules(plugins: Plugins) -> None:
    text = spec_yaml().replace("  insecure: false\n", """  insecure: false
  failureDomains:
  - name: fd-1
    computeCluster: /DC0/host/DC0_C0
    resourcePool: /DC0/host/DC0_C0/Resources
    datastore: /DC0/datastore/LocalDS_0
    folder: /DC0/vm/eksa
    network: VM Network
  - name: fd-2
    computeCluster: /DC0/host/DC0_C0
""").replace("    count: 2\n", "    count: 2\n    failureDomains: [fd-1]\n")
    config = parse(text, plugins)
    assert config.datacenter().spec.failure_domains[0].network == "/DC0/network/VM Network"
    errors = eksa_validate_config(config)
    assert messages(errors) == [
        f"{f} is not set or is empty in the FailureDomain: fd-2"
        for f in ("resourcePool", "datastore", "folder", "network")
    ]
    assert errors[0].field == "spec.failureDomains[1].resourcePool"
    config.cluster.spec.worker_node_group_configurations[0].failure_domains = ["fd-1", "fd-9"]
    assert messages(eksa_validate_config(config))[-2:] == [
        "multiple failure domains provided in the worker node group: md-0",
        "provided invalid failure domain fd-9 in the worker node group: md-0",
    ]


def test_all_problems_reported_at_once(plugins: Plugins) -> None:
    config = parse(spec_yaml(), plugins)
    config.datacenter().spec.server = ""
    mc(config, "mycluster-md").spec.datastore = ""
    mc(config, "mycluster-cp").spec.networks = ["x"]
    assert len(messages(eksa_validate_config(config))) == 3


def test_other_providers_specs_are_ignored(plugins: Plugins) -> None:
    text = spec_yaml().replace("datacenterRef: {kind: VSphereDatacenterConfig", "datacenterRef: {kind: DockerX")
    config = parse(text, plugins)
    config.datacenter()  # no vSphere datacenter selected
    assert eksa_validate_config(config) == []


# ------------------------------------------------------------------------------------------- immutability


def test_immutable_fields(plugins: Plugins) -> None:
    current = make_spec(spec_yaml(), plugins)
    new = make_spec(spec_yaml(), plugins)
    assert eksa_validate_new_spec(new, current) == []
    dc = new.datacenter()
    dc.spec.server = "https://other.example"
    dc.spec.network = "Other"
    mc(new.config, "mycluster-md").spec.storage_policy_name = "gold"
    mc(new.config, "mycluster-cp").spec.os_family = "bottlerocket"
    mc(new.config, "mycluster-cp").spec.num_cpus = 8  # mutable
    errors = eksa_validate_new_spec(new, current)
    assert [e.message for e in errors] == [
        "spec.server is immutable. Previous value https://vcenter.example, new value https://other.example",
        "spec.network is immutable. Previous value /DC0/network/VM Network, new value Other",
        "spec.osFamily is immutable. Previous value ubuntu, new value bottlerocket",
        "spec.storagePolicyName is immutable. Previous value , new value gold",
    ]
    assert [(e.kind, e.name, e.field) for e in errors][2] == ("VSphereMachineConfig", "mycluster-cp",
                                                               "spec.osFamily")


# ------------------------------------------------------------------------------------------- credentials


def test_missing_credentials_fail_before_anything_else(plugins: Plugins, tmp_path: Path) -> None:
    spec = make_spec(spec_yaml(), plugins)
    ctx = HookContext(cluster_dir=tmp_path, env={"EKSA_VSPHERE_PASSWORD": "x"})
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_create(spec, ctx)
    assert [e.message for e in exc.value] == ["EKSA_VSPHERE_USERNAME is not set or is empty"]
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_delete(spec, HookContext(cluster_dir=tmp_path, env={}))
    assert [e.message for e in exc.value] == ["EKSA_VSPHERE_USERNAME is not set or is empty",
                                              "EKSA_VSPHERE_PASSWORD is not set or is empty"]
    eksa_setup_and_validate_delete(spec, HookContext(cluster_dir=tmp_path, env=CREDS))


# ------------------------------------------------------------------------------------------- IP check


@pytest.fixture
def listening_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port whose SYNs are dropped (listen backlog full): a dial times out, like an unused address."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(0)
    port = server.getsockname()[1]
    fillers = []
    for _ in range(4):
        client = socket.socket()
        client.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            client.connect(("127.0.0.1", port))
        fillers.append(client)
    yield port
    for client in fillers:
        client.close()
    server.close()


def test_ip_in_use_when_anything_answers(listening_port: int, closed_port: int, silent_port: int) -> None:
    assert control_plane_ip_in_use("127.0.0.1", port=listening_port)
    assert control_plane_ip_in_use("127.0.0.1", port=closed_port)  # refused: a host owns the address
    assert not control_plane_ip_in_use("127.0.0.1", port=silent_port, timeout=0.5)


def test_ip_check_error_and_skips(plugins: Plugins, tmp_path: Path, listening_port: int, silent_port: int,
                                  caplog: pytest.LogCaptureFixture) -> None:
    spec = make_spec(spec_yaml(host="127.0.0.1"), plugins)
    ctx = HookContext(cluster_dir=tmp_path, env=CREDS)
    with pytest.raises(SpecErrors) as exc:
        validate_control_plane_ip(spec, ctx, port=listening_port)
    err = next(iter(exc.value))
    assert err.message == ("cluster controlPlaneConfiguration.Endpoint.Host 127.0.0.1 is already in use, control "
                           "plane IP must be unique")
    assert (err.kind, err.field) == ("Cluster", "spec.controlPlaneConfiguration.endpoint.host")
    validate_control_plane_ip(spec, ctx, port=silent_port)
    with caplog.at_level(logging.INFO, logger="eksa"):
        validate_control_plane_ip(spec, HookContext(cluster_dir=tmp_path, options={"skip_ip_check": True}),
                                  port=listening_port)
    assert "Skipping check for whether control plane ip is in use" in caplog.text
    spec.cluster.annotate("anywhere.eks.amazonaws.com/skip-ip-check", "true")
    validate_control_plane_ip(spec, ctx, port=listening_port)


# ------------------------------------------------------------------------------------------- SSH keys


def test_ssh_key_generated_once_mode_0600_never_logged(plugins: Plugins, tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    spec = make_spec(spec_yaml(key=""), plugins)
    ctx = HookContext(cluster_dir=tmp_path / "mycluster")
    with caplog.at_level(logging.DEBUG):
        private_path = ensure_ssh_keys(spec, ctx)
    assert private_path == tmp_path / "mycluster" / PRIVATE_KEY_FILE
    public_path = tmp_path / "mycluster" / PUBLIC_KEY_FILE
    for path in (private_path, public_path):
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    private = private_path.read_text()
    public = public_path.read_text().strip()
    assert private.startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    assert public.startswith("ssh-rsa ")
    for name in ("mycluster-cp", "mycluster-etcd", "mycluster-md"):
        assert mc(spec.config, name).spec.users[0].ssh_authorized_keys == [public]
    body = "".join(private.splitlines()[1:-1])
    assert body[:40] not in caplog.text
    assert (f"Private key saved to {private_path}. Use 'ssh -i {private_path} capv@<Node-IP-Address>' to login to "
            "your cluster node") in caplog.text
    assert ctx.recorded == [] or all(private not in str(r) for r in ctx.recorded)

    # a resumed create reuses the key pair on disk
    again = make_spec(spec_yaml(key=""), plugins)
    ensure_ssh_keys(again, HookContext(cluster_dir=tmp_path / "mycluster"))
    assert mc(again.config, "mycluster-md").spec.users[0].ssh_authorized_keys == [public]
    assert private_path.read_text() == private


def test_configs_with_keys_are_left_alone(plugins: Plugins, tmp_path: Path) -> None:
    spec = make_spec(spec_yaml(), plugins)
    assert ensure_ssh_keys(spec, HookContext(cluster_dir=tmp_path)) is None
    assert not (tmp_path / PRIVATE_KEY_FILE).exists()


# ------------------------------------------------------------------------------------------- dry runs


def test_dry_run_touches_nothing(plugins: Plugins, tmp_path: Path) -> None:
    # the server is not reachable: a dry run must not try
    spec = make_spec(spec_yaml(server="https://127.0.0.1:9", host="127.0.0.1", key=""), plugins)
    ctx = HookContext(cluster_dir=tmp_path, env=CREDS, dry_run=True,
                      options={"skip_validations": ["vsphere-user-privilege"]})
    eksa_setup_and_validate_create(spec, ctx)
    assert [r["action"] for r in ctx.recorded] == ["vsphere-validate", "generate-ssh-key"]
    plan = ctx.recorded[0]
    assert plan["server"] == "https://127.0.0.1:9" and "vsphere-user-privilege" not in plan["checks"]
    assert "control-plane-ip" in plan["checks"]
    assert list(tmp_path.iterdir()) == []
    assert PASSWORD not in str(ctx.recorded)
    upgrade_ctx = HookContext(cluster_dir=tmp_path, env=CREDS, dry_run=True)
    eksa_setup_and_validate_upgrade(spec, make_spec(spec_yaml(), plugins), upgrade_ctx)
    assert [r["operation"] for r in upgrade_ctx.recorded] == ["upgrade"]


# ------------------------------------------------------------------------------------------- live (vcsim)


def test_create_passes_against_vcsim(vcsim: VcsimServer, plugins: Plugins, tmp_path: Path, silent_port: int,
                                     caplog: pytest.LogCaptureFixture) -> None:
    spec = make_spec(spec_yaml(server=vcsim.server, host="127.0.0.1", key=""), plugins)
    ctx = HookContext(cluster_dir=tmp_path, env=vcsim.env, options={"ip_check_port": silent_port})
    with caplog.at_level(logging.INFO, logger="eksa"):
        eksa_setup_and_validate_create(spec, ctx)
    for line in ("✅ Connected to server", "✅ Authenticated to vSphere", "✅ Datacenter validated",
                 "✅ Network validated"):
        assert line in caplog.text
    assert (tmp_path / PRIVATE_KEY_FILE).is_file()
    assert vcsim.password not in caplog.text


def test_create_reports_every_vcenter_failure_located(vcsim: VcsimServer, plugins: Plugins, tmp_path: Path) -> None:
    text = spec_yaml(server=vcsim.server, host="127.0.0.1").replace("network: VM Network", "network: Missing Net")
    spec = make_spec(text, plugins)
    mc(spec.config, "mycluster-md").spec.datastore = "/DC0/datastore/Nope"
    ctx = HookContext(cluster_dir=tmp_path, env=vcsim.env, options={"skip_ip_check": True})
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_create(spec, ctx)
    found = {(e.kind, e.name, e.field): e.message for e in exc.value}
    assert found[("VSphereDatacenterConfig", "mycluster", "spec.network")] == \
        "network /DC0/network/Missing Net not found"
    assert "failed to get datastore" in found[("VSphereMachineConfig", "mycluster-md", "spec.datastore")]
    assert all(e.file == "cluster.yaml" for e in exc.value)
    assert vcsim.password not in str(exc.value)


def test_wrong_password_is_reported_without_leaking(vcsim: VcsimServer, plugins: Plugins, tmp_path: Path) -> None:
    spec = make_spec(spec_yaml(server=vcsim.server, host="127.0.0.1"), plugins)
    env = {"EKSA_VSPHERE_USERNAME": vcsim.username, "EKSA_VSPHERE_PASSWORD": "wrong-Pa55word"}
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_create(spec, HookContext(cluster_dir=tmp_path, env=env,
                                                         options={"skip_ip_check": True}))
    text = str(exc.value)
    assert "failed validating credentials for vCenter: vSphere authentication failed" in text
    assert "wrong-Pa55word" not in text


def test_upgrade_runs_live_checks_and_name_uniqueness(vcsim: VcsimServer, plugins: Plugins, tmp_path: Path) -> None:
    current = make_spec(spec_yaml(server=vcsim.server), plugins)
    new = make_spec(spec_yaml(server=vcsim.server), plugins)
    ctx = HookContext(cluster_dir=tmp_path, env=vcsim.env,
                      options={"skip_validations": "vsphere-user-privilege"})
    eksa_setup_and_validate_upgrade(new, current, ctx)
    assert list(tmp_path.iterdir()) == []  # no SSH key, no IP check on upgrade
    # the control plane now points at a config name the running cluster already uses for workers
    new.cluster.spec.control_plane_configuration.machine_group_ref.name = "mycluster-md"
    with pytest.raises(SpecErrors) as exc:
        eksa_setup_and_validate_upgrade(new, current, ctx)
    err = next(iter(exc.value))
    assert err.message == "machineconfig mycluster-md already exists"
    assert err.field == "spec.controlPlaneConfiguration.machineGroupRef.name"



# ------------------------------------------------------------------------------------------- files without a Cluster


def test_vsphere_objects_without_cluster_get_defaults_and_checks(plugins: Plugins) -> None:
    text = spec_yaml().split("---\n", 1)[1]  # drop the Cluster document
    text = text.replace("  server: \"https://vcenter.example\"\n", "")
    config = parse(text, plugins)
    assert not config.has_cluster()
    assert config.of_kind("VSphereDatacenterConfig")[0].spec.network == "/DC0/network/VM Network"
    assert messages(eksa_validate_config(config)) == ["VSphereDatacenterConfig server is not set or is empty"]


def test_conformance_validate_datacenter(tmp_path: Path) -> None:
    from eksa_vsphere.conformance import eksa_conformance_case

    good = tmp_path / "dc.yaml"
    good.write_text(spec_yaml())
    data = eksa_conformance_case(kind="validate-datacenter", case={"input": "dc.yaml"},
                                 inputs={"base_dir": tmp_path})
    assert data["spec"]["network"] == "/DC0/network/VM Network"
    (tmp_path / "bad.yaml").write_text(spec_yaml().replace("  datacenter: DC0\n", ""))
    with pytest.raises(SpecErrors, match="VSphereDatacenterConfig datacenter is not set or is empty"):
        eksa_conformance_case(kind="validate-datacenter", case={"input": "bad.yaml"}, inputs={"base_dir": tmp_path})
    assert eksa_conformance_case(kind="render-failure-domains", case={}, inputs={}) is None
