"""The conformance comparer: YAML as data, wildcards, subsets, embedded documents, error ideas."""

from __future__ import annotations

from eksa_core.conformance.compare import compare_data, compare_manifests, compare_zero_tolerant, error_matches
from eksa_core.errors import ErrorCode, SpecError, SpecErrors

EXPECTED = """\
apiVersion: v1
kind: Secret
metadata:
  name: a
  namespace: eksa-system
stringData:
  config: |
    b: 2
    a: 1
---
kind: KubeadmControlPlane
metadata:
  name: c
spec:
  template: <no value>
  files:
  - path: /etc/<no value>.yaml
"""


def test_equal_documents_in_any_order_with_embedded_yaml_as_data() -> None:
    actual = [
        {"kind": "KubeadmControlPlane", "metadata": {"name": "c"},
         "spec": {"template": "c-control-plane-1", "files": [{"path": "/etc/kube-vip.yaml"}]}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a", "namespace": "eksa-system"},
         "stringData": {"config": "a: 1\nb: 2\n"}},
    ]
    assert compare_manifests(EXPECTED, actual) == []


def test_differences_are_reported_by_path() -> None:
    actual = [{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a", "namespace": "eksa-system"},
               "stringData": {"config": "a: 1\nb: 3\n"}}]
    diffs = compare_manifests(EXPECTED, actual)
    assert any("KubeadmControlPlane" in d and "missing" in d for d in diffs)
    assert any("stringData.config<embedded>.b: expected 2, got 3" in d for d in diffs)


def test_extra_documents_fail_exact_but_not_subset() -> None:
    exp = "kind: A\nmetadata: {name: x}\nspec: {a: [1]}\n"
    act = [{"kind": "A", "metadata": {"name": "x"}, "spec": {"a": [0, 1], "b": 2}}, {"kind": "B", "metadata": {}}]
    assert compare_manifests(exp, act, mode="subset") == []
    assert compare_manifests(exp, act, mode="exact")


def test_null_names_are_wildcards() -> None:
    exp = "kind: MachineDeployment\nmetadata: {name: null}\nspec: {template: {infrastructureRef: {name: null}}}\n"
    act = [{"kind": "MachineDeployment", "metadata": {"name": "c-md-0"},
            "spec": {"template": {"infrastructureRef": {"name": "c-md-0-1"}}}}]
    assert compare_manifests(exp, act) == []


def test_types_matter() -> None:
    assert compare_data({"a": "1"}, {"a": 1})
    assert not compare_data({"a": 1}, {"a": 1})


def test_zero_tolerant_comparison() -> None:
    assert compare_zero_tolerant({"a": 1}, {"a": 1, "b": "", "c": None, "d": []}) == []
    assert compare_zero_tolerant({"a": 1}, {"a": 1, "b": "x"})


def test_error_matching_by_message_and_by_idea() -> None:
    err = SpecErrors([SpecError("cannot unmarshal string into field spec.workerNodeGroupConfigurations[0].count "
                                "of type int", code=ErrorCode.TYPE_MISMATCH,
                                field="spec.workerNodeGroupConfigurations[0].count")])
    go = ("cannot unmarshal string into Go struct field WorkerNodeGroupConfiguration.spec."
          "workerNodeGroupConfigurations.count of type int")
    assert error_matches(go, err)[0]
    assert not error_matches(go.replace("count", "name"), err)[0]
    assert error_matches("of type int", err) == (True, "message")
    yaml_err = SpecError("unable to parse f.yaml: yaml: line 3: expected <block end>", code=ErrorCode.YAML_SYNTAX)
    assert error_matches("did not find expected key", yaml_err, origin="yaml-library")[0]
    assert not error_matches("did not find expected key", SpecError("other"), origin="yaml-library")[0]
    unknown = SpecError('unknown field "x"', code=ErrorCode.UNKNOWN_FIELD)
    assert error_matches("error unmarshaling JSON: while decoding JSON: json: unknown field", unknown)[0]
    assert not error_matches("some other words", unknown)[0]
