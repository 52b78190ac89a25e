"""The bare metal provider's command line: ``--tinkerbell-bootstrap-ip`` on ``eksa create cluster`` and ``eksa generate
tinkerbelltemplateconfig``, contributed through the core's provider-neutral CLI extension hooks."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from eksa_baremetal import plugin
from eksa_baremetal.templates import BOOTSTRAP_IP_ANNOTATION
from eksa_baremetal.workflow import default_actions

from eksa_core.cli import build_parser, main
from eksa_core.plugins import Plugins

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhscHR4f test@example.com"

SPEC = f"""apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata: {{name: bm}}
spec:
  clusterNetwork:
    cniConfig: {{cilium: {{}}}}
    pods: {{cidrBlocks: [192.168.0.0/16]}}
    services: {{cidrBlocks: [10.96.0.0/12]}}
  controlPlaneConfiguration:
    count: 1
    endpoint: {{host: 10.0.0.10}}
    machineGroupRef: {{kind: TinkerbellMachineConfig, name: bm-cp}}
  datacenterRef: {{kind: TinkerbellDatacenterConfig, name: bm}}
  kubernetesVersion: "1.33"
  managementCluster: {{name: bm}}
  workerNodeGroupConfigurations:
  - name: md-0
    count: 1
    machineGroupRef: {{kind: TinkerbellMachineConfig, name: bm-wk}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellDatacenterConfig
metadata: {{name: bm}}
spec:
  tinkerbellIP: 10.0.0.20
  osImageURL: https://images.example/ubuntu-1-33.img.gz
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellMachineConfig
metadata: {{name: bm-cp}}
spec:
  hardwareSelector: {{type: cp}}
  osFamily: ubuntu
  users: [{{name: ec2-user, sshAuthorizedKeys: ["{KEY}"]}}]
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: TinkerbellMachineConfig
metadata: {{name: bm-wk}}
spec:
  hardwareSelector: {{type: worker}}
  osFamily: ubuntu
  users: [{{name: ec2-user, sshAuthorizedKeys: ["{KEY}"]}}]
"""

HEADER = "hostname,bmc_ip,bmc_username,bmc_password,mac,ip_address,netmask,gateway,nameservers,labels,disk\n"


def _plugins() -> Plugins:
    p = Plugins()
    p.register(plugin, name="eksa-provider-baremetal")
    return p


def _run(argv: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, plugins=_plugins(), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def test_the_flag_and_the_command_come_from_the_provider() -> None:
    parser = build_parser(_plugins())
    args = parser.parse_args(["create", "cluster", "-f", "x.yaml", "--tinkerbell-bootstrap-ip", "192.168.1.5"])
    assert args.tinkerbell_bootstrap_ip == "192.168.1.5" and args.plugin_options == ["tinkerbell_bootstrap_ip"]
    args = parser.parse_args(["generate", "tinkerbelltemplateconfig", "-f", "x.yaml"])
    assert args.generate_command.name == "tinkerbelltemplateconfig"
    # without the provider the core has neither
    from eksa_core.cli import UsageError

    bare = build_parser(Plugins())
    with pytest.raises(UsageError, match="unrecognized arguments: --tinkerbell-bootstrap-ip"):
        bare.parse_args(["create", "cluster", "-f", "x.yaml", "--tinkerbell-bootstrap-ip", "1.2.3.4"])


def test_create_help_shows_eksa_s_flag_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, _ = _run(["create", "cluster", "--help"], tmp_path, monkeypatch)
    assert code == 0
    assert "--tinkerbell-bootstrap-ip IP" in out and "Override the local tinkerbell IP in the bootstrap" in out


def test_generate_tinkerbelltemplateconfig(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bm.yaml").write_text(SPEC)
    code, out, err = _run(["generate", "tinkerbelltemplateconfig", "-f", "bm.yaml", "--tinkerbell-bootstrap-ip",
                           "192.168.1.5"], tmp_path, monkeypatch)
    assert code == 0, err
    doc = yaml.safe_load(out)
    assert (doc["apiVersion"], doc["kind"], doc["metadata"]) == ("anywhere.eks.amazonaws.com/v1alpha1",
                                                                 "TinkerbellTemplateConfig", {"name": "bm"})
    template = doc["spec"]["template"]
    assert (template["name"], template["version"], template["global_timeout"]) == ("bm", "0.1", 6000)
    actions = template["tasks"][0]["actions"]
    expected = default_actions("ubuntu", "https://images.example/ubuntu-1-33.img.gz", "192.168.1.5",
                               "10.0.0.20")
    assert [a["name"] for a in actions] == [a.name for a in expected]
    assert actions[0]["environment"]["IMG_URL"] == "https://images.example/ubuntu-1-33.img.gz"
    cloud_init = next(a for a in actions if a["name"] == "add cloud-init config")
    assert "metadata_urls: [http://192.168.1.5:7172,http://10.0.0.20:7172]" in cloud_init["environment"]["CONTENTS"]
    # the output is a document the spec can take back: it parses as the provider's kind
    code, _, err = _run(["generate", "tinkerbelltemplateconfig"], tmp_path, monkeypatch)
    assert code == 2 and "-f/--filename" in err


def test_generate_tinkerbelltemplateconfig_refuses_other_providers(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "missing.yaml").write_text(SPEC.replace("TinkerbellMachineConfig, name: bm-cp",
                                                        "TinkerbellMachineConfig, name: nope"))
    code, _, err = _run(["generate", "tinkerbelltemplateconfig", "-f", "missing.yaml"], tmp_path, monkeypatch)
    assert code == 1 and "Error:" in err and "Traceback" not in err


def test_create_dry_run_uses_the_bootstrap_ip_flag(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bm.yaml").write_text(SPEC)
    (tmp_path / "hw.csv").write_text(HEADER + "cp1,192.168.0.1,admin,pw-never-shown,00:00:00:00:00:01,10.10.10.1,"
                                              "255.255.255.0,10.10.10.254,1.1.1.1,type=cp,/dev/sda\n"
                                      "wk1,192.168.0.2,admin,pw-never-shown,00:00:00:00:00:02,10.10.10.2,"
                                      "255.255.255.0,10.10.10.254,1.1.1.1,type=worker,/dev/sda\n")
    code, out, err = _run(["create", "cluster", "-f", "bm.yaml", "-z", "hw.csv", "--dry-run", "--skip-ip-check",
                           "--tinkerbell-bootstrap-ip", "192.168.1.77"], tmp_path, monkeypatch)
    assert code == 0, err
    assert f"{BOOTSTRAP_IP_ANNOTATION}" in out and "192.168.1.77" in out
    assert "follow-tinkerbell-workflows" in out and "192.168.1.77:42113" in out
    assert "pw-never-shown" not in out
