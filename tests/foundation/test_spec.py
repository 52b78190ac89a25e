"""Cluster spec files: documents to models, located errors, and dumps that keep what the user wrote."""

from __future__ import annotations

from pathlib import Path

import pytest

from eksa_core.convert import unstructure
from eksa_core.errors import ErrorCode, SpecError, SpecErrors
from eksa_core.models import Cluster, OIDCConfig
from eksa_core.models.base import ObjectMeta
from eksa_core.plugins import Plugins
from eksa_core.spec import load_cluster_config, parse_cluster_config
from eksa_core.yamlio import load_documents

REGISTRY = Plugins().registry  # core kinds only

SPEC = """\
# my cluster
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: dev   # short name
spec:
  kubernetesVersion: 1.30
  controlPlaneConfiguration:
    count: 1
---
apiVersion: v1
kind: ConfigMap   # not an EKS-A document
metadata:
  name: other
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: OIDCConfig
metadata:
  name: oidc
spec:
  clientId: id
"""


def test_loads_eksa_documents_and_keeps_others() -> None:
    config = parse_cluster_config(SPEC, file="dev.yaml", registry=REGISTRY)
    assert [(o.kind, o.name) for o in config] == [("Cluster", "dev"), ("OIDCConfig", "oidc")]
    assert config.cluster.spec.kubernetes_version == "1.30"
    assert isinstance(config.get(OIDCConfig, "oidc"), OIDCConfig)
    assert config.dump() == SPEC


def test_edits_keep_comments_and_other_documents() -> None:
    config = parse_cluster_config(SPEC, file="dev.yaml", registry=REGISTRY)
    cp = config.cluster.spec.control_plane_configuration
    assert cp is not None
    cp.count = 3
    config.remove(config.get(OIDCConfig, "oidc"))
    config.add(OIDCConfig(metadata=ObjectMeta(name="new")))
    text = config.dump()
    assert "# my cluster" in text and "# short name" in text and "# not an EKS-A document" in text
    assert "count: 3" in text
    assert "name: oidc" not in text and "name: new" in text
    again = parse_cluster_config(text, registry=REGISTRY)
    assert [(o.kind, o.name) for o in again] == [("Cluster", "dev"), ("OIDCConfig", "new")]


def test_errors_name_file_document_object_field_and_line() -> None:
    text = SPEC.replace("    count: 1", "    count: one\n    colour: blue")
    with pytest.raises(SpecErrors) as err:
        parse_cluster_config(text, file="dev.yaml", registry=REGISTRY)
    by_code = {e.code: e for e in err.value}
    wrong = by_code[ErrorCode.TYPE_MISMATCH]
    assert (wrong.file, wrong.document, wrong.kind, wrong.name) == ("dev.yaml", 0, "Cluster", "dev")
    assert wrong.field == "spec.controlPlaneConfiguration.count" and wrong.line == 9
    unknown = by_code[ErrorCode.UNKNOWN_FIELD]
    assert unknown.field == "spec.controlPlaneConfiguration.colour" and unknown.line == 10
    assert "dev.yaml, document 0, Cluster/dev, field spec.controlPlaneConfiguration.colour, line 10" in str(unknown)


def test_every_document_is_checked_in_one_pass() -> None:
    text = SPEC.replace("count: 1", "count: x").replace("clientId: id", "clientId: id\n  extra: 1")
    with pytest.raises(SpecErrors) as err:
        parse_cluster_config(text, registry=REGISTRY)
    assert {e.kind for e in err.value} == {"Cluster", "OIDCConfig"}


def test_duplicate_objects_are_an_error() -> None:
    text = SPEC + "---\n" + SPEC.split("---\n")[2]
    with pytest.raises(SpecErrors) as err:
        parse_cluster_config(text, registry=REGISTRY)
    (dup,) = list(err.value)
    assert dup.code == ErrorCode.DUPLICATE and dup.document == 3


def test_missing_cluster_uses_eksas_message() -> None:
    config = parse_cluster_config(SPEC.split("---\n")[1], registry=REGISTRY)
    with pytest.raises(SpecError, match="does not contain kind Cluster"):
        _ = config.cluster
    with pytest.raises(SpecError, match="does not contain kind OIDCConfig"):
        config.require("OIDCConfig")


def test_locate_finds_the_line_of_a_validation_error() -> None:
    config = parse_cluster_config(SPEC, file="dev.yaml", registry=REGISTRY)
    err = config.locate(SpecError("bad count", field="spec.controlPlaneConfiguration.count"), config.cluster)
    assert (err.file, err.document, err.kind, err.name, err.line) == ("dev.yaml", 0, "Cluster", "dev", 9)
    by_kind = config.locate(SpecError("x", kind="OIDCConfig", name="oidc", field="spec.clientId"))
    assert by_kind.document == 2 and by_kind.line == 21


def test_a_document_that_is_not_a_mapping() -> None:
    with pytest.raises(SpecErrors, match="must be a mapping"):
        parse_cluster_config("- a\n- b\n", registry=REGISTRY)


def test_load_from_file(tmp_path: Path) -> None:
    p = tmp_path / "c.yaml"
    p.write_text(SPEC)
    config = load_cluster_config(p, registry=REGISTRY)
    assert isinstance(config.cluster, Cluster) and config.file == str(p)


def test_non_strict_reading_drops_unknown_fields_with_warnings() -> None:
    text = SPEC.replace("    count: 1", "    count: 1\n    colour: blue")
    config = parse_cluster_config(text, file="dev.yaml", registry=REGISTRY, strict=False)
    assert config.cluster.spec.control_plane_configuration is not None
    (warning,) = config.warnings
    assert warning.warning and warning.field == "spec.controlPlaneConfiguration.colour" and warning.line == 10
    with pytest.raises(SpecErrors):
        parse_cluster_config(text.replace("count: 1", "count: x"), registry=REGISTRY, strict=False)


def test_keys_match_case_insensitively_like_eksas_decoder() -> None:
    text = SPEC.replace("    count: 1", "    count: 1\n    certSANS: [a.b]")
    config = parse_cluster_config(text, registry=REGISTRY)
    assert config.cluster.spec.control_plane_configuration
    assert config.cluster.spec.control_plane_configuration.cert_sans == ["a.b"]


def test_errors_at_map_keys_with_dots_are_located() -> None:
    text = SPEC.replace("    count: 1", "    count: 1\n    labels:\n      example.com/role: x")
    config = parse_cluster_config(text, registry=REGISTRY)
    err = config.locate(SpecError("bad label", field="spec.controlPlaneConfiguration.labels[example.com/role]"),
                        config.cluster)
    assert err.line == 11


@pytest.mark.parametrize("spelling", ["certSans", "certSANs"])
def test_cert_sans_read_in_either_spelling_are_written_as_the_crds_certSans(spelling: str) -> None:
    text = SPEC.replace("    count: 1", f"    count: 1\n    {spelling}: [api.example.com]")
    config = parse_cluster_config(text, registry=REGISTRY)
    cp = config.cluster.spec.control_plane_configuration
    assert cp and cp.cert_sans == ["api.example.com"]
    cp.count = 3  # a change, so the document is written from the model
    written = config.dump()
    reread = load_documents(written)[0].data["spec"]["controlPlaneConfiguration"]
    assert reread["certSans"] == ["api.example.com"]
    assert "certSANs" not in written
    data = unstructure(config.cluster)
    assert data["spec"]["controlPlaneConfiguration"]["certSans"] == ["api.example.com"]
    assert "certSANs" not in data["spec"]["controlPlaneConfiguration"]


@pytest.mark.parametrize("value", [True, False])
def test_cilium_cni_exclusive_is_read_and_written(value: bool) -> None:
    text = SPEC.replace("    count: 1", "    count: 1\n  clusterNetwork:\n    cniConfig:\n      cilium:\n"
                        f"        cniExclusive: {str(value).lower()}")
    config = parse_cluster_config(text, registry=REGISTRY)
    network = config.cluster.spec.cluster_network
    assert network and network.cni_config and network.cni_config.cilium
    assert network.cni_config.cilium.cni_exclusive is value
    assert unstructure(config.cluster)["spec"]["clusterNetwork"]["cniConfig"]["cilium"] == {"cniExclusive": value}
