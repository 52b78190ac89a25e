"""The DockerDatacenterConfig kind."""

from __future__ import annotations

import pytest
from eksa_docker.models import DockerDatacenterConfig, DockerDatacenterConfigSpec

from eksa_core import SpecErrors
from eksa_core.convert import structure, unstructure
from eksa_core.models import ObjectMeta


def test_empty_and_null_spec_are_accepted() -> None:
    for spec in ({}, None):
        obj = structure({"apiVersion": "anywhere.eks.amazonaws.com/v1alpha1", "kind": "DockerDatacenterConfig",
                         "metadata": {"name": "dev"}, "spec": spec}, DockerDatacenterConfig)
        assert obj.name == "dev"


def test_unknown_spec_field_is_an_error_with_its_path() -> None:
    with pytest.raises(SpecErrors) as exc:
        structure({"kind": "DockerDatacenterConfig", "metadata": {"name": "dev"}, "spec": {"server": "x"}},
                  DockerDatacenterConfig)
    assert [(e.field, e.message) for e in exc.value] == [("spec.server", 'unknown field "server"')]


def test_new_object_dumps_an_empty_spec() -> None:
    obj = DockerDatacenterConfig(metadata=ObjectMeta(name="dev"))
    assert obj.kind == "DockerDatacenterConfig"
    assert unstructure(obj) == {"apiVersion": "anywhere.eks.amazonaws.com/v1alpha1",
                                "kind": "DockerDatacenterConfig", "metadata": {"name": "dev"}, "spec": {}}
    assert isinstance(obj.spec, DockerDatacenterConfigSpec)
