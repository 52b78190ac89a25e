"""The component versions the installer asks clusterctl for come from the versions bundle, for every provider."""

from __future__ import annotations

from pathlib import Path

import pytest

from eksa_core.plugins import Plugins
from eksa_core.releases import BUNDLED_RELEASE_MANIFEST, build_spec
from eksa_core.spec import parse_cluster_config
from eksa_core.workflows.capi import component_versions

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "vsphere-cluster.yaml"


@pytest.mark.parametrize(("provider", "infrastructure"), [
    ("vsphere", "v0.7.10"), ("cloudstack", "v0.4.0-alpha+e3b0c44"), ("tinkerbell", "v0.1.0+210860f"),
    ("docker", "v0.3.23"), ("nutanix", "v1.2.4+4b53cc4"), ("snow", "v1.0.2"),
])
def test_every_component_has_its_bundle_version(provider: str, infrastructure: str) -> None:
    text = EXAMPLE.read_text().replace('"1.30"', '"1.21"')
    spec = build_spec(parse_cluster_config(text, registry=Plugins().registry),
                      release_manifest=BUNDLED_RELEASE_MANIFEST)
    versions = component_versions(spec, provider)
    assert versions == {
        "cluster-api": "v0.3.23", "bootstrap-kubeadm": "v0.3.23", "control-plane-kubeadm": "v0.3.23",
        "bootstrap-etcdadm-bootstrap": "v0.1.0-beta-3.3", "bootstrap-etcdadm-controller": "v0.1.0-beta-3.5",
        f"infrastructure-{provider}": infrastructure,
    }
