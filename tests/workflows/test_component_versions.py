"""The component versions the installer asks clusterctl for come from the versions bundle, for every provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from eksa_core.plugins import Plugins, default_plugins
from eksa_core.releases import BUNDLED_RELEASE_MANIFEST, build_spec
from eksa_core.spec import parse_cluster_config
from eksa_core.workflows.capi import component_versions

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vsphere-cluster.yaml"


@pytest.mark.parametrize(("provider", "infrastructure"), [
    ("vsphere", "v1.16.1"), ("cloudstack", "deprecated"), ("tinkerbell", "v0.6.6"),
    ("docker", "v1.13.2"), ("nutanix", "v1.6.1"), ("snow", "v0.3.3"),
])
def test_every_component_has_its_bundle_version(provider: str, infrastructure: str) -> None:
    # the bundled snapshot (EKS Anywhere v0.26.1): CloudStack's bundle there says "deprecated"
    text = EXAMPLE.read_text()
    spec = build_spec(parse_cluster_config(text, registry=Plugins().registry),
                      release_manifest=BUNDLED_RELEASE_MANIFEST)
    versions = component_versions(spec, default_plugins().provider(provider).info)
    assert versions == {
        "cluster-api": "v1.13.2", "bootstrap-kubeadm": "v1.13.2", "control-plane-kubeadm": "v1.13.2",
        "bootstrap-etcdadm-bootstrap": "v1.0.22", "bootstrap-etcdadm-controller": "v1.0.28",
        f"infrastructure-{provider}": infrastructure,
    }
