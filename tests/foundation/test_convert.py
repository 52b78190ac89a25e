"""The strict converter: wire names, unknown fields, type errors with paths, absent fields left out."""

from __future__ import annotations

import pytest

from eksa_core.convert import structure, unstructure
from eksa_core.errors import ErrorCode, SpecErrors
from eksa_core.models import AWSIamConfig, Cluster, MachineHealthCheck


def test_wire_names_round_trip() -> None:
    data = {
        "apiVersion": "anywhere.eks.amazonaws.com/v1alpha1",
        "kind": "AWSIamConfig",
        "metadata": {"name": "iam"},
        "spec": {"awsRegion": "us-west-2", "mapRoles": [{"roleARN": "arn:x", "username": "u", "groups": ["g"]}]},
    }
    obj = structure(data, AWSIamConfig)
    assert obj.spec.map_roles and obj.spec.map_roles[0].role_arn == "arn:x"
    assert unstructure(obj) == data


def test_absent_fields_are_left_out_but_false_and_zero_are_kept() -> None:
    data = {"apiVersion": "anywhere.eks.amazonaws.com/v1alpha1", "kind": "Cluster", "metadata": {"name": "c"},
            "spec": {"controlPlaneConfiguration": {"count": 0, "skipLoadBalancerDeployment": False}}}
    assert unstructure(structure(data, Cluster)) == data


def test_every_unknown_field_is_reported_with_its_path() -> None:
    data = {"kind": "Cluster", "metadata": {"name": "c", "bogus": 1},
            "spec": {"invalidField": 1, "workerNodeGroupConfigurations": [{"name": "a", "cnt": 2}]}}
    with pytest.raises(SpecErrors) as err:
        structure(data, Cluster)
    found = {(e.code, e.field, e.message) for e in err.value}
    assert (ErrorCode.UNKNOWN_FIELD, "metadata.bogus", 'unknown field "bogus"') in found
    assert (ErrorCode.UNKNOWN_FIELD, "spec.invalidField", 'unknown field "invalidField"') in found
    assert (ErrorCode.UNKNOWN_FIELD, "spec.workerNodeGroupConfigurations[0].cnt", 'unknown field "cnt"') in found


@pytest.mark.parametrize(
    ("value", "field", "words"),
    [
        ({"spec": {"controlPlaneConfiguration": {"count": "3"}}}, "spec.controlPlaneConfiguration.count",
         "cannot unmarshal string into field spec.controlPlaneConfiguration.count of type int"),
        ({"spec": {"controlPlaneConfiguration": {"count": True}}}, "spec.controlPlaneConfiguration.count",
         "of type int"),
        ({"spec": {"kubernetesVersion": [1]}}, "spec.kubernetesVersion", "cannot unmarshal array"),
        ({"spec": {"controlPlaneConfiguration": {"skipLoadBalancerDeployment": "yes"}}},
         "spec.controlPlaneConfiguration.skipLoadBalancerDeployment", "of type bool"),
        ({"spec": {"workerNodeGroupConfigurations": {"a": 1}}}, "spec.workerNodeGroupConfigurations", "array"),
        ({"spec": "nope"}, "spec", "of type object"),
        ({"spec": {"controlPlaneConfiguration": {"labels": {"a": {"b": 1}}}}},
         "spec.controlPlaneConfiguration.labels.a", "of type string"),
    ],
)
def test_type_errors_name_the_field(value: dict, field: str, words: str) -> None:
    with pytest.raises(SpecErrors) as err:
        structure({"kind": "Cluster", **value}, Cluster)
    (e,) = list(err.value)
    assert e.code == ErrorCode.TYPE_MISMATCH
    assert e.field == field
    assert words in e.message


def test_int_or_string() -> None:
    assert structure({"maxUnhealthy": "40%"}, MachineHealthCheck).max_unhealthy == "40%"
    assert structure({"maxUnhealthy": 2}, MachineHealthCheck).max_unhealthy == 2
    with pytest.raises(SpecErrors):
        structure({"maxUnhealthy": [1]}, MachineHealthCheck)


def test_free_form_kubelet_configuration_is_kept_as_data() -> None:
    data = {"kind": "Cluster", "spec": {"controlPlaneConfiguration": {"kubeletConfiguration": {"maxPods": 20,
                                                                                               "x": {"y": [1]}}}}}
    obj = structure(data, Cluster)
    assert obj.spec.control_plane_configuration
    assert obj.spec.control_plane_configuration.kubelet_configuration == {"maxPods": 20, "x": {"y": [1]}}


def test_scalars_read_into_string_fields_as_their_text() -> None:
    data = {"kind": "Cluster", "spec": {"registryMirrorConfiguration": {"port": 5000},
                                        "controlPlaneConfiguration": {"labels": {"a": True, "b": 1.5}}}}
    obj = structure(data, Cluster)
    assert obj.spec.registry_mirror_configuration and obj.spec.registry_mirror_configuration.port == "5000"
    assert obj.spec.control_plane_configuration
    assert obj.spec.control_plane_configuration.labels == {"a": "true", "b": "1.5"}
