"""Entry points: load_spec_file / load_spec_text and EKS-A's single-kind readers, plus every `provider: api`
conformance case of tests/conformance/data/cases.yaml that the core can answer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from eksa_core.convert import unstructure
from eksa_core.errors import EksaError, SpecErrors
from eksa_core.loading import (
    get_and_validate_awsiam_config,
    get_and_validate_cluster_config,
    get_and_validate_oidc_config,
    load_spec_file,
    load_spec_text,
)
from eksa_core.models import Cluster, ObjectMeta
from eksa_core.plugins import default_plugins
from eksa_core.testing import conformance_dir

from .fakelab import make_plugins
from .specs import fakelab_docs, spec, to_yaml

CONFORMANCE = conformance_dir(__file__) or Path(__file__).parent / "no-conformance-fixtures"


def test_load_spec_file_defaults_validates_and_keeps_warnings(tmp_path: Path) -> None:
    docs = fakelab_docs()
    spec(docs)["controlPlaneConfiguration"]["count"] = 1
    path = tmp_path / "lab.yaml"
    path.write_text(to_yaml(docs))
    plugins, _ = make_plugins()
    config = load_spec_file(path, plugins=plugins, env={})
    assert config.cluster.namespace == "default"
    assert config.datacenter().spec.zone == "zone-a"
    assert [w.message for w in config.warnings] == ["Warning: The recommended number of control plane nodes is 3 or 5"]
    assert config.warnings[0].file == str(path) and config.warnings[0].line is not None


def test_load_spec_file_raises_every_error_at_once(tmp_path: Path) -> None:
    docs = fakelab_docs()
    spec(docs)["controlPlaneConfiguration"]["count"] = 2
    spec(docs)["clusterNetwork"]["pods"]["cidrBlocks"] = ["nope"]
    del docs[1]["spec"]["server"]
    path = tmp_path / "lab.yaml"
    path.write_text(to_yaml(docs))
    with pytest.raises(SpecErrors) as info:
        load_spec_file(path, plugins=make_plugins()[0], env={})
    assert [e.message.split(":")[0] for e in info.value] == [
        "control plane node count cannot be an even number when using stacked etcd topology",
        "invalid CIDR block format for Pods",
        "FakeLabDatacenterConfig server is not set or is empty",
    ]
    assert str(path) in str(info.value)
    assert info.value.summary == f"the cluster config file {path} is invalid"


def test_parse_errors_and_missing_files_are_spec_errors(tmp_path: Path) -> None:
    plugins, _ = make_plugins()
    with pytest.raises(SpecErrors) as info:
        load_spec_text("kind: [\n", file="bad.yaml", plugins=plugins)
    assert info.value.errors[0].file == "bad.yaml"
    with pytest.raises(SpecErrors):
        load_spec_file(tmp_path / "missing.yaml", plugins=plugins)
    docs = fakelab_docs()
    spec(docs)["controlPlaneConfiguration"]["count"] = "3"
    with pytest.raises(SpecErrors) as info:
        load_spec_text(to_yaml(docs), plugins=plugins)
    assert info.value.errors[0].field == "spec.controlPlaneConfiguration.count"


def test_api_stage_load_keeps_namespaces_unset() -> None:
    config = load_spec_text(to_yaml(fakelab_docs()), plugins=make_plugins()[0], stage="api", env={})
    assert config.cluster.metadata.namespace is None


# -- conformance cases -------------------------------------------------------------------------------------------

def _api_cases() -> list[dict[str, Any]]:
    path = CONFORMANCE / "cases.yaml"
    if not path.exists():
        return []
    data = YAML(typ="safe").load(path.read_text())
    return [c for c in data["cases"] if c.get("provider") == "api"]


_CORE_OPERATIONS = {"GetAndValidateClusterConfig", "GetAndValidateOIDCConfig", "GetAndValidateAWSIamConfig",
                    "ParseClusterConfig(Cluster)", "ParseClusterConfigFromContent(Cluster)"}
_DATACENTER_READERS = {"GetVSphereDatacenterConfig": "VSphereDatacenterConfig",
                       "GetCloudStackDatacenterConfig": "CloudStackDatacenterConfig",
                       "GetSnowDatacenterConfig": "SnowDatacenterConfig",
                       "GetDockerDatacenterConfig": "DockerDatacenterConfig",
                       "GetAWSDatacenterConfig": "AWSDatacenterConfig"}


def _cluster_param(params: dict[str, Any]) -> Cluster | None:
    if "cluster" not in params or params["cluster"] is None:
        return None
    meta = params["cluster"].get("metadata") or {}
    return Cluster(metadata=ObjectMeta(name=meta.get("name"), namespace=meta.get("namespace")))


def _run(case: dict[str, Any]) -> Any:
    from eksa_core.spec import load_cluster_config, parse_cluster_config

    op = case["operation"]
    path = CONFORMANCE / case["input"]
    params = case.get("params") or {}
    if op == "GetAndValidateClusterConfig":
        return get_and_validate_cluster_config(path, env={})
    if op == "GetAndValidateOIDCConfig":
        return get_and_validate_oidc_config(path, params.get("refName") or "", _cluster_param(params))
    if op == "GetAndValidateAWSIamConfig":
        return get_and_validate_awsiam_config(path, params.get("refName") or "", _cluster_param(params))
    if op == "ParseClusterConfig(Cluster)":
        return load_cluster_config(path).cluster
    if op == "ParseClusterConfigFromContent(Cluster)":
        return parse_cluster_config(path.read_text()).cluster
    kind = _DATACENTER_READERS[op]
    registry = default_plugins().registry
    if kind not in registry:
        pytest.skip(f"{kind} is not registered (install its provider package)")
    return load_cluster_config(path, registry=registry).require(kind)


def _runnable(case: dict[str, Any]) -> bool:
    return case["operation"] in _CORE_OPERATIONS or case["operation"] in _DATACENTER_READERS


CASES = [c for c in _api_cases() if _runnable(c)]


@pytest.mark.skipif(not CASES, reason="conformance data not present")
@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_api_conformance_case(case: dict[str, Any]) -> None:
    if case.get("blocked_by"):
        pytest.skip(f"blocked: {case['blocked_by']}")
    if case["kind"] == "parse-invalid":
        with pytest.raises(EksaError) as info:
            _run(case)
        expected = case["expected_error"]
        if expected.startswith("error unmarshaling JSON"):
            assert "unknown field" in str(info.value)  # Go's JSON decoder wording: same idea, our words
        elif case.get("error_origin") or "Go struct field" in expected:
            # wording of Go's YAML/JSON libraries: check the idea (an error naming the same field), not the words
            leaf = expected.split(" of type")[0].rsplit(".", 1)[-1] if "Go struct field" in expected else ""
            assert leaf in str(info.value)
        else:
            assert expected in str(info.value)
        return
    result = _run(case)
    if case.get("expected_object"):
        expected = YAML(typ="safe").load((CONFORMANCE / case["expected_object"]).read_text())
        assert unstructure(result) == expected


def test_conformance_cases_not_run_here_are_provider_cases() -> None:
    left = [c["operation"] for c in _api_cases() if not _runnable(c)]
    assert all(("Nutanix" in op) or op.startswith("NewClusterGenerate") for op in left), left
