"""validate(): references between documents, identity/GitOps kinds, the provider hook, locations."""

from __future__ import annotations

import pytest

from eksa_core.defaults import set_defaults
from eksa_core.errors import ErrorCode
from eksa_core.plugins import Plugins
from eksa_core.spec import parse_cluster_config
from eksa_core.validation import validate

from .conftest_helpers import errors_of, full_problems, parse
from .fakelab import make_plugins
from .specs import API, fakelab_docs, spec, to_yaml

SPEC_TEXT = """\
# a FakeLab cluster
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: lab
spec:
  kubernetesVersion: "1.30"
  controlPlaneConfiguration:
    count: 4
    endpoint:
      host: 10.0.0.10
    machineGroupRef:
      kind: FakeLabMachineConfig
      name: lab-cp
  workerNodeGroupConfigurations:
  - name: md-0
    count: 1
    machineGroupRef:
      kind: FakeLabMachineConfig
      name: missing
  datacenterRef:
    kind: FakeLabDatacenterConfig
    name: lab
  clusterNetwork:
    cniConfig:
      cilium: {}
    pods:
      cidrBlocks: [192.168.0.0/16]
    services:
      cidrBlocks: [10.96.0.0/12]
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: FakeLabDatacenterConfig
metadata:
  name: lab
spec: {}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: FakeLabMachineConfig
metadata:
  name: lab-cp
spec:
  cpus: 2
"""


def _validate_text(text: str, plugins: Plugins | None = None):
    plugins = plugins or make_plugins()[0]
    config = parse_cluster_config(text, file="lab.yaml", registry=plugins.registry)
    set_defaults(config, plugins=plugins, env={})
    return validate(config, plugins=plugins, env={})


def test_all_problems_of_all_documents_at_once_with_locations() -> None:
    found = _validate_text(SPEC_TEXT)
    got = [(e.message, e.document, e.kind, e.name, e.field, e.line) for e in found if not e.warning]
    assert got == [
        ("control plane node count cannot be an even number when using stacked etcd topology", 0, "Cluster", "lab",
         "spec.controlPlaneConfiguration.count", 9),
        ("FakeLabMachineConfig missing named by machineGroupRef is not defined in the spec", 0, "Cluster", "lab",
         "spec.workerNodeGroupConfigurations[0].machineGroupRef", 18),
        ("FakeLabDatacenterConfig server is not set or is empty", 1, "FakeLabDatacenterConfig", "lab", "spec.server",
         36),
    ]
    assert all(e.file == "lab.yaml" for e in found)


def test_valid_spec_has_no_errors_and_only_selected_provider_validates() -> None:
    plugins, provider = make_plugins()
    other = next(p for info, p in plugins.providers.values() if info.name == "otherlab")
    assert full_problems(fakelab_docs(), plugins=plugins) == []
    assert provider.validate_calls == 1
    assert other.calls == 0


def test_datacenter_kind_without_installed_provider() -> None:
    docs = fakelab_docs()
    spec(docs)["datacenterRef"]["kind"] = "VSphereDatacenterConfig"
    found = errors_of(full_problems(docs))
    assert ("no installed provider handles datacenter kind VSphereDatacenterConfig; install the provider package "
            "that defines it") in found
    # machine refs of an unknown provider are not piled on top
    assert not any("machineGroupRef" in m for m in found)


def test_missing_datacenter_ref_and_missing_datacenter_document() -> None:
    docs = fakelab_docs()
    del spec(docs)["datacenterRef"]
    assert "spec.datacenterRef is not set; it must name the datacenter config of an installed provider" in errors_of(
        full_problems(docs))
    docs = fakelab_docs()
    spec(docs)["datacenterRef"]["name"] = "nope"
    found = full_problems(docs)
    err = next(e for e in found if "named by datacenterRef" in e.message)
    assert err.message == "FakeLabDatacenterConfig nope named by datacenterRef is not defined in the spec"
    assert err.code == ErrorCode.REFERENCE and err.field == "spec.datacenterRef"


def test_machine_ref_of_another_kind_is_rejected() -> None:
    docs = fakelab_docs()
    spec(docs)["controlPlaneConfiguration"]["machineGroupRef"]["kind"] = "VSphereMachineConfig"
    assert ("machineGroupRef kind VSphereMachineConfig is not supported by provider fakelab; use FakeLabMachineConfig"
            in errors_of(full_problems(docs)))


def test_namespaces_must_match() -> None:
    docs = fakelab_docs()
    docs[1]["metadata"]["namespace"] = "other"
    found = [e for e in full_problems(docs) if not e.warning]
    assert [(e.message, e.field) for e in found] == [
        ("FakeLabDatacenterConfig and Cluster objects must have the same namespace specified", "spec.datacenterRef")]


def _with(docs, *extra):
    return docs + list(extra)


def test_identity_and_gitops_references_resolve_and_check_namespace() -> None:
    docs = fakelab_docs()
    spec(docs)["identityProviderRefs"] = [{"kind": "OIDCConfig", "name": "oidc"}, {"kind": "AWSIamConfig",
                                                                                   "name": "iam"}]
    spec(docs)["gitOpsRef"] = {"kind": "FluxConfig", "name": "flux"}
    assert errors_of(full_problems(docs)) == [
        "FluxConfig flux named by gitOpsRef is not defined in the spec",
        "OIDCConfig oidc named by identityProviderRefs is not defined in the spec",
        "AWSIamConfig iam named by identityProviderRefs is not defined in the spec",
    ]
    docs = _with(docs,
                 {"apiVersion": API, "kind": "OIDCConfig", "metadata": {"name": "oidc"},
                  "spec": {"clientId": "c", "issuerUrl": "https://issuer.example.com"}},
                 {"apiVersion": API, "kind": "AWSIamConfig", "metadata": {"name": "iam", "namespace": "x"},
                  "spec": {"awsRegion": "us-west-2", "backendMode": ["EKSConfigMap"],
                           "mapRoles": [{"roleARN": "arn", "username": "u"}]}},
                 {"apiVersion": API, "kind": "FluxConfig", "metadata": {"name": "flux"},
                  "spec": {"github": {"owner": "o", "repository": "r"}}})
    assert errors_of(full_problems(docs)) == ["AWSIamConfig and Cluster objects must have the same namespace specified"]


OIDC_CASES = [
    ({"issuerUrl": "https://x.example.com"}, "OIDCConfig clientId is required", "spec.clientId"),
    ({"clientId": "c"}, "OIDCConfig issuerUrl is required", "spec.issuerUrl"),
    ({"clientId": "c", "issuerUrl": "mydomain./issuer"}, "OIDCConfig issuerUrl is invalid", "spec.issuerUrl"),
    ({"clientId": "c", "issuerUrl": "http://x.example.com"}, "OIDCConfig issuerUrl should have HTTPS scheme",
     "spec.issuerUrl"),
    ({"clientId": "c", "issuerUrl": "https://x", "requiredClaims": [{"claim": "a"}, {"claim": "b"}]},
     "only one OIDConfig RequiredClaim is supported at this time", "spec.requiredClaims"),
]

AWSIAM_CASES = [
    ({"backendMode": ["EKSConfigMap"], "mapUsers": [{"userARN": "a"}]}, "AWSIamConfig AWSRegion is a required field",
     "spec.awsRegion"),
    ({"awsRegion": "r"}, "AWSIamConfig BackendMode is a required field", "spec.backendMode"),
    ({"awsRegion": "r", "backendMode": ["CRD", "MountedFile"]},
     "AWSIamConfig BackendMode does not support MountedFile backend", "spec.backendMode[1]"),
]

FLUX_CASES = [
    ({}, "must specify a provider. Valid options are git and github", "spec"),
    ({"git": {"repositoryUrl": "u"}, "github": {"owner": "o", "repository": "r"}}, "must specify only one provider",
     "spec"),
    ({"github": {"repository": "r"}}, "'owner' is not set or empty in githubProviderConfig; owner is a required field",
     "spec.github.owner"),
    ({"github": {"owner": "o"}}, "'repository' is not set or empty in githubProviderConfig", "spec.github.repository"),
    ({"github": {"owner": "o", "repository": "bad/repo"}}, "bad/repo is not a valid git repository name",
     "spec.github.repository"),
    ({"git": {}}, "'repositoryUrl' is not set or empty in gitProviderConfig", "spec.git.repositoryUrl"),
    ({"git": {"repositoryUrl": "u", "sshKeyAlgorithm": "dsa"}},
     "'sshKeyAlgorithm' does not have a valid value in gitProviderConfig; sshKeyAlgorithm must be amongst rsa, "
     "ecdsa, ed25519", "spec.git.sshKeyAlgorithm"),
    ({"git": {"repositoryUrl": "u"}, "branch": "bad..branch"}, "bad..branch is not a valid git branch name",
     "spec.branch"),
]

GITOPS_CASES = [
    ({"flux": {"github": {"repository": "r"}}}, "'owner' is not set or empty in gitOps.flux; owner is a required field",
     "spec.flux.github.owner"),
    ({"flux": {"github": {"owner": "o"}}}, "'repository' is not set or empty in gitOps.flux",
     "spec.flux.github.repository"),
    ({"flux": {"github": {"owner": "o", "repository": "r", "branch": "x:y"}}}, "x:y is not a valid git branch name",
     "spec.flux.github.branch"),
]


@pytest.mark.parametrize(("kind", "body", "message", "field"),
                         [("OIDCConfig", *c) for c in OIDC_CASES] + [("AWSIamConfig", *c) for c in AWSIAM_CASES]
                         + [("FluxConfig", *c) for c in FLUX_CASES] + [("GitOpsConfig", *c) for c in GITOPS_CASES])
def test_identity_and_gitops_kind_rules(kind, body, message, field) -> None:
    docs = fakelab_docs()
    docs.append({"apiVersion": API, "kind": kind, "metadata": {"name": "x"}, "spec": body})
    found = [e for e in full_problems(docs) if message in e.message]
    assert found, errors_of(full_problems(docs))
    assert (found[0].kind, found[0].name, found[0].field, found[0].document) == (kind, "x", field, 4)
    assert found[0].line is not None and found[0].line > 20


def test_awsiam_eks_configmap_without_maps_is_only_a_warning() -> None:
    docs = fakelab_docs()
    docs.append({"apiVersion": API, "kind": "AWSIamConfig", "metadata": {"name": "iam"},
                 "spec": {"awsRegion": "r", "backendMode": ["EKSConfigMap"]}})
    found = full_problems(docs)
    assert errors_of(found) == []
    assert [e.kind for e in found if e.warning] == ["AWSIamConfig"]


def test_cluster_without_cluster_document() -> None:
    plugins, _ = make_plugins()
    config = parse_cluster_config(to_yaml(fakelab_docs()[1:]), file="f.yaml", registry=plugins.registry)
    found = validate(config, plugins=plugins)
    assert [e.message for e in found] == ["yamlop content is invalid or does not contain kind Cluster"]


def test_provider_hook_errors_without_kind_are_located_on_the_datacenter() -> None:
    from eksa_core import hookimpl
    from eksa_core.errors import SpecError

    class Addon:
        @hookimpl
        def eksa_validate_config(self, config):
            return [SpecError("addon says no", field="spec.server")]

    plugins, _ = make_plugins()
    plugins.register(Addon(), name="addon")
    config = parse(fakelab_docs(), plugins)
    set_defaults(config, plugins=plugins, env={})
    found = validate(config, plugins=plugins, env={})
    err = next(e for e in found if e.message == "addon says no")
    assert (err.kind, err.document, err.file) == ("FakeLabDatacenterConfig", 1, "spec.yaml")
