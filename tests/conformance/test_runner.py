"""The conformance runner on case files of its own: skips, env placeholders, mutations, exit status."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest

from eksa_core.conformance.__main__ import main
from eksa_core.conformance.cases import Case, case_environment, load_case_file, resolve_env
from eksa_core.conformance.runner import _split_path, apply_mutations, run_case
from eksa_core.plugins import Plugins
from eksa_core.spec import parse_cluster_config

CLUSTER = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: c
spec:
  controlPlaneConfiguration:
    count: 1
"""


def _case(tmp_path: Path, **raw: object) -> Case:
    return Case(id=str(raw.get("id", "x")), provider=str(raw.get("provider", "api")), kind=str(raw.get("kind", "")),
                operation=str(raw.get("operation", "")), base_dir=tmp_path, raw=dict(raw))


def test_env_placeholders(tmp_path: Path) -> None:
    (tmp_path / "creds.ini").write_bytes(b"[global]\napi-key=k\n")
    (tmp_path / "ca.pem").write_text("pem")
    case = _case(tmp_path, input="creds.ini", extra_inputs={"certificates": "ca.pem"}, env={
        "A": "base64(<input INI file bytes>)", "B": "same as A", "C": "<path of input>",
        "D": "<path of certificates>", "E": "plain"})
    env = resolve_env(case)
    assert base64.b64decode(env["A"]) == b"[global]\napi-key=k\n"
    assert env["B"] == env["A"]
    assert env["C"] == str(tmp_path / "creds.ini") and env["D"] == str(tmp_path / "ca.pem")
    assert env["E"] == "plain"


def test_case_environment_is_restored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EKSA_KEEP", "1")
    monkeypatch.delenv("EKSA_NEW", raising=False)
    case = _case(tmp_path, env={"EKSA_NEW": "v"}, env_unset=["EKSA_KEEP"])
    with case_environment(case):
        assert os.environ["EKSA_NEW"] == "v" and "EKSA_KEEP" not in os.environ
    assert os.environ["EKSA_KEEP"] == "1" and "EKSA_NEW" not in os.environ


def test_mutation_paths() -> None:
    assert _split_path("spec.workerNodeGroupConfigurations[0].kubeletConfiguration") == [
        "spec", "workerNodeGroupConfigurations", 0, "kubeletConfiguration"]
    assert _split_path("metadata.annotations.anywhere.eks.amazonaws.com/x-ip") == [
        "metadata", "annotations", "anywhere.eks.amazonaws.com/x-ip"]


def test_mutations_change_the_models() -> None:
    plugins = Plugins()
    config = parse_cluster_config(CLUSTER, registry=plugins.registry)
    apply_mutations(config, [
        {"path": "Cluster.spec.controlPlaneConfiguration.kubeletConfiguration", "value": {"maxPods": 20}},
        {"path": "Cluster.spec.clusterNetwork.dns.resolvConf.path", "value": "p"},
        {"path": "Cluster.metadata.annotations.anywhere.eks.amazonaws.com/skip", "value": "true"},
        {"path": "Cluster.spec.controlPlaneConfiguration.count", "op": "delete"},
    ], plugins)
    spec = config.cluster.spec
    assert spec.control_plane_configuration
    assert spec.control_plane_configuration.kubelet_configuration == {"maxPods": 20}
    assert spec.control_plane_configuration.count is None
    assert spec.cluster_network and spec.cluster_network.dns and spec.cluster_network.dns.resolv_conf
    assert spec.cluster_network.dns.resolv_conf.path == "p"
    assert config.cluster.metadata.annotations == {"anywhere.eks.amazonaws.com/skip": "true"}


def test_unknown_provider_and_blocked_cases_are_skipped(tmp_path: Path) -> None:
    plugins = Plugins()
    assert run_case(_case(tmp_path, provider="nosuch", kind="credentials-ini"), plugins).status == "SKIP"
    blocked = run_case(_case(tmp_path, kind="parse-valid", blocked_by="missing input"), plugins)
    assert (blocked.status, blocked.detail) == ("SKIP", "blocked by missing input")


def test_parse_cases_pass_and_fail(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text(CLUSTER)
    (tmp_path / "bad.yaml").write_text(CLUSTER.replace("count: 1", "count: '1'"))
    plugins = Plugins()
    ok = run_case(_case(tmp_path, kind="parse-valid", operation="ParseClusterConfig(Cluster)", input="c.yaml",
                        expected_outcome="valid"), plugins)
    assert ok.status == "PASS", ok.detail
    err = run_case(_case(tmp_path, kind="parse-invalid", operation="ParseClusterConfig(Cluster)", input="bad.yaml",
                         expected_error="of type int"), plugins)
    assert err.status == "PASS", err.detail
    wrong = run_case(_case(tmp_path, kind="parse-invalid", operation="ParseClusterConfig(Cluster)", input="c.yaml",
                           expected_error="boom"), plugins)
    assert wrong.status == "FAIL" and "expected error 'boom'" in wrong.detail


def test_main_prints_lines_and_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "c.yaml").write_text(CLUSTER)
    (tmp_path / "cases.yaml").write_text("""\
cases:
- {id: good, provider: api, kind: parse-valid, operation: ParseClusterConfig(Cluster), input: c.yaml}
- {id: bad, provider: api, kind: parse-invalid, operation: ParseClusterConfig(Cluster), input: c.yaml,
   expected_error: nope}
- {id: other, provider: nosuch, kind: credentials-ini, input: c.yaml}
""")
    assert load_case_file(tmp_path / "cases.yaml").cases[0].input == tmp_path / "c.yaml"
    status = main([str(tmp_path / "cases.yaml"), "--json", str(tmp_path / "out.json")])
    out = capsys.readouterr().out.splitlines()
    assert status == 1
    assert out[0].startswith("PASS good") and out[1].startswith("FAIL bad") and out[2].startswith("SKIP other")
    assert out[-1] == "1 passed, 1 failed, 1 skipped"
    assert (tmp_path / "out.json").is_file()
    assert main([str(tmp_path / "cases.yaml"), "-k", "good"]) == 0


def test_not_a_cases_file(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("a: 1\n")
    assert main([str(tmp_path / "x.yaml")]) == 2
