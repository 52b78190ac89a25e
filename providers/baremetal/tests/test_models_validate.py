"""Tinkerbell kinds: round trip, defaults, and every static rule both ways."""

from __future__ import annotations

import base64
import struct

import pytest
from eksa_baremetal.models import TinkerbellMachineConfig, TinkerbellTemplateConfig
from eksa_baremetal.provider import eksa_generate_cluster_config
from eksa_baremetal.validation import cluster_spec_errors, eksa_set_defaults, eksa_validate_config

from eksa_core.convert import structure, unstructure
from eksa_core.errors import SpecErrors
from eksa_core.plugins import Plugins
from eksa_core.spec import ClusterConfig, parse_cluster_config


def _ssh_key() -> str:
    blob = struct.pack(">I", 7) + b"ssh-rsa" + b"\x00\x00\x00\x01\x01"
    return "ssh-rsa " + base64.b64encode(blob).decode() + " me@example"


SPEC = f"""\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: test
spec:
  clusterNetwork:
    cniConfig: {{cilium: {{}}}}
    pods: {{cidrBlocks: [192.168.0.0/16]}}
    services: {{cidrBlocks: [10.96.0.0/12]}}
  controlPlaneConfiguration:
    count: 1
    endpoint: {{host: 1.2.3.4}}
    machineGroupRef: {{kind: TinkerbellMachineConfig, name: test-cp}}
  datacenterRef: {{kind: TinkerbellDatacenterConfig, name: test}}
  kubernetesVersion: "1.28"
  workerNodeGroupConfigurations:
  - name: md-0
    count: 1
    machineGroupRef: {{kind: TinkerbellMachineConfig, name: test-md}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellDatacenterConfig
metadata:
  name: test
spec:
  tinkerbellIP: 5.6.7.8
  osImageURL: https://images.example/ubuntu-1-28.gz
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellMachineConfig
metadata:
  name: test-cp
spec:
  hardwareSelector: {{type: cp}}
  osFamily: ubuntu
  templateRef: {{kind: TinkerbellTemplateConfig, name: tmpl}}
  users:
  - name: ec2-user
    sshAuthorizedKeys: ["{_ssh_key()}"]
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellMachineConfig
metadata:
  name: test-md
spec:
  hardwareSelector: {{type: worker}}
  osFamily: ubuntu
  users:
  - name: ec2-user
    sshAuthorizedKeys: [""]
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellTemplateConfig
metadata:
  name: tmpl
spec:
  template:
    version: "0.1"
    name: tmpl
    global_timeout: 6000
    tasks:
    - name: tmpl
      worker: "{{{{.device_1}}}}"
      actions:
      - name: stream
        image: image2disk:v1
        timeout: 600
        on-timeout: [echo, timeout]
        on-failure: [echo, failed]
        environment: {{DEST_DISK: /dev/sda}}
"""


def load(plugins: Plugins, text: str = SPEC) -> ClusterConfig:
    config = parse_cluster_config(text, registry=plugins.registry)
    eksa_set_defaults(config)
    return config


def messages(config: ClusterConfig) -> list[str]:
    return [e.message for e in cluster_spec_errors(config)]


def test_valid_spec_has_no_problem(plugins: Plugins) -> None:
    assert messages(load(plugins)) == []


def test_template_keeps_tinkerbell_wire_names(plugins: Plugins) -> None:
    config = load(plugins)
    tc = config.get(TinkerbellTemplateConfig, "tmpl")
    action = tc.spec.template.tasks[0].actions[0]
    assert tc.spec.template.global_timeout == 6000 and action.on_timeout == ["echo", "timeout"]
    data = unstructure(tc)
    assert data["spec"]["template"]["global_timeout"] == 6000
    assert data["spec"]["template"]["tasks"][0]["actions"][0]["on-failure"] == ["echo", "failed"]
    assert structure(data, TinkerbellTemplateConfig) == tc


def test_round_trip_dumps_what_was_read(plugins: Plugins) -> None:
    config = parse_cluster_config(SPEC, registry=plugins.registry)
    assert parse_cluster_config(config.dump(), registry=plugins.registry).dump() == config.dump()


def test_unknown_field_is_rejected(plugins: Plugins) -> None:
    with pytest.raises(SpecErrors) as info:
        parse_cluster_config(SPEC.replace("osFamily: ubuntu\n  templateRef", "osFamily: ubuntu\n  bogus: 1\n"
                                                                          "  templateRef"), registry=plugins.registry)
    assert any(e.field == "spec.bogus" for e in info.value)


def test_defaults_os_family_bottlerocket(plugins: Plugins) -> None:
    config = load(plugins, SPEC.replace("  osFamily: ubuntu\n  templateRef", "  templateRef"))
    assert config.get(TinkerbellMachineConfig, "test-cp").spec.os_family == "bottlerocket"


@pytest.mark.parametrize(("old", "new", "message"), [
    ("tinkerbellIP: 5.6.7.8", "tinkerbellIP: ''", "TinkerbellDatacenterConfig: missing spec.tinkerbellIP field"),
    ("tinkerbellIP: 5.6.7.8", "tinkerbellIP: '10'", "TinkerbellDatacenterConfig: invalid tinkerbell ip: "),
    ("tinkerbellIP: 5.6.7.8", "tinkerbellIP: 5.6.7.8\n  hookIsoURL: https://x/hook.iso",
     "isoURL can be set, only when isoBoot is set to true"),
    ("osImageURL: https://images.example/ubuntu-1-28.gz", "osImageURL: test",
     'parsing osImageOverride: parse "test": invalid URI for request'),
    ("hardwareSelector: {type: cp}", "hardwareSelector: {type: cp}\n  hardwareAffinity: {required: []}",
     "TinkerbellMachineConfig: hardwareSelector and hardwareAffinity are mutually exclusive: test-cp"),
    ("hardwareSelector: {type: cp}", "hardwareSelector: {}",
     "TinkerbellMachineConfig: either hardwareSelector or hardwareAffinity must be specified: test-cp"),
    ("hardwareSelector: {type: cp}", "hardwareSelector: {type: cp, b: c}",
     "TinkerbellMachineConfig: spec.hardwareSelector must contain only 1 key-value pair: test-cp"),
    ("hardwareSelector: {type: cp}",
     "hardwareAffinity: {required: [{labelSelector: {matchExpressions: [{key: a, operator: Bad}]}}]}",
     "TinkerbellMachineConfig: invalid matchExpression operator 'Bad' in required[0].labelSelector"),
    ("hardwareSelector: {type: cp}",
     "hardwareAffinity: {required: [{labelSelector: {matchLabels: {a: b}}}], preferred: [{weight: 0}]}",
     "TinkerbellMachineConfig: preferred term weight must be in range [1, 100], got 0: test-cp"),
    ("osFamily: ubuntu\n  templateRef", "osFamily: windows\n  templateRef",
     "TinkerbellMachineConfig: unsupported spec.osFamily (windows); Please use one of the following: ubuntu, "
     "redhat, bottlerocket"),
    ('kubernetesVersion: "1.28"', 'kubernetesVersion: "1.20"', "kubernetes version v1.20 is not supported for "
                                                                "Bare Metal"),
    ("name: test-md\nspec:\n  hardwareSelector: {type: worker}\n  osFamily: ubuntu",
     "name: test-md\nspec:\n  hardwareSelector: {type: worker}\n  osFamily: redhat",
     "worker node group osFamily cannot be different from control plane osFamily"),
    ("endpoint: {host: 1.2.3.4}", "endpoint: {host: 5.6.7.8}",
     "controlPlaneConfiguration.endpoint.host and tinkerbellIP are the same (5.6.7.8), please provide two unique "
     "IPs"),
    ("ubuntu-1-28.gz", "ubuntu-1-27.gz",
     "missing kube version from OSImageURL: url=https://images.example/ubuntu-1-27.gz, version=1.28"),
    ("name: test-md\n", "name: test-md\n  namespace: other\n",
     "TinkerbellMachineConfig's namespace must match TinkerbellDatacenterConfig's namespace: test-md"),
    ("machineGroupRef: {kind: TinkerbellMachineConfig, name: test-md}",
     "machineGroupRef: {kind: TinkerbellMachineConfig, name: nope}",
     "missing machine config ref: kind=TinkerbellMachineConfig; name=nope"),
])
def test_rules(plugins: Plugins, old: str, new: str, message: str) -> None:
    assert old in SPEC
    found = messages(load(plugins, SPEC.replace(old, new, 1)))
    assert any(m.startswith(message) for m in found), found


def test_os_image_url_rules(plugins: Plugins) -> None:
    both = SPEC.replace("  osFamily: ubuntu\n  templateRef", "  osFamily: ubuntu\n  osImageURL: https://x/1-28.gz\n"
                        "  templateRef")
    assert "cannot specify OSImageURL on both TinkerbellMachineConfig's and TinkerbellDatacenterConfig" in messages(
        load(plugins, both))
    none = SPEC.replace("  osImageURL: https://images.example/ubuntu-1-28.gz\n", "")
    found = messages(load(plugins, none))
    assert "please use bottlerocket as osFamily for auto-importing or provide a valid osImageURL" in found
    assert "missing OSImageURL on TinkerbellMachineConfig 'test-cp'" in found
    bottlerocket = none.replace("osFamily: ubuntu", "osFamily: bottlerocket")
    assert messages(load(plugins, bottlerocket)) == []
    newer = bottlerocket.replace('kubernetesVersion: "1.28"', 'kubernetesVersion: "1.29"')
    assert "tinkerbell provider does not support K8s version 1.29+ for BottleRocket OS" in messages(
        load(plugins, newer))


def test_users_and_ssh_key(plugins: Plugins) -> None:
    no_users = SPEC.replace("  users:\n  - name: ec2-user\n    sshAuthorizedKeys: [\"\"]\n", "")
    assert "TinkerbellMachineConfig: missing spec.Users: test-md" in messages(load(plugins, no_users))
    bad_key = SPEC.replace('sshAuthorizedKeys: [""]', 'sshAuthorizedKeys: ["ssh-rsa not-base64!"]')
    assert any("failed to parse ssh authorized key" in m for m in messages(load(plugins, bad_key)))


def test_host_os_configuration(plugins: Plugins) -> None:
    text = SPEC.replace("  osFamily: ubuntu\n  templateRef",
                        "  osFamily: ubuntu\n  hostOSConfiguration:\n    bottlerocketConfiguration:\n"
                        "      kernel: {sysctlSettings: {a: b}}\n  templateRef")
    assert ('HostOSConfiguration is invalid for TinkerbellMachineConfig test-cp: BottlerocketConfiguration can only '
            'be used with osFamily: "bottlerocket"') in messages(load(plugins, text))


def test_rollout_rules(plugins: Plugins) -> None:
    text = SPEC.replace("    count: 1\n    endpoint", "    count: 1\n    upgradeRolloutStrategy: {type: InPlace}\n"
                        "    endpoint")
    assert ("cannot specify different upgrade rollout strategy types for control plane and worker node group "
            "configurations") in messages(load(plugins, text))


def test_hook_errors_are_located(plugins: Plugins) -> None:
    config = load(plugins, SPEC.replace("tinkerbellIP: 5.6.7.8", "tinkerbellIP: ''"))
    errors = eksa_validate_config(config) or []
    located = [config.locate(e) for e in errors]
    assert located[0].kind == "TinkerbellDatacenterConfig" and located[0].field == "spec.tinkerbellIP"
    assert located[0].line is not None


def test_generate_cluster_config(plugins: Plugins) -> None:
    from eksa_core.models import Cluster, ClusterSpec, ControlPlaneConfiguration, ObjectMeta
    from eksa_core.models.cluster import WorkerNodeGroupConfiguration

    cluster = Cluster(metadata=ObjectMeta(name="dev"), spec=ClusterSpec(
        control_plane_configuration=ControlPlaneConfiguration(count=2),
        worker_node_group_configurations=[WorkerNodeGroupConfiguration(name="md-0", count=2)]))
    docs = eksa_generate_cluster_config("dev", cluster) or []
    data = [unstructure(d) for d in docs]
    assert [d["kind"] for d in data] == ["TinkerbellDatacenterConfig", "TinkerbellMachineConfig",
                                         "TinkerbellMachineConfig"]
    assert data[0]["spec"] == {"tinkerbellIP": "", "osImageURL": ""}
    assert data[1]["metadata"]["name"] == "dev-cp" and data[2]["metadata"]["name"] == "dev"
    assert data[1]["spec"] == {"templateRef": {}, "osFamily": "ubuntu", "osImageURL": "",
                               "users": [{"name": "ec2-user", "sshAuthorizedKeys": ["ssh-rsa AAAA..."]}]}
    cp = cluster.spec.control_plane_configuration
    assert cp is not None and cp.count == 1 and cp.endpoint is not None and cp.endpoint.host == ""
    assert cluster.worker_groups()[0].count == 1


def test_provider_is_found_by_alias(plugins: Plugins) -> None:
    assert plugins.provider("baremetal").info.name == "tinkerbell"
    assert plugins.for_datacenter_kind("TinkerbellDatacenterConfig").info.machine_kind == "TinkerbellMachineConfig"
