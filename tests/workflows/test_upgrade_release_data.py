"""During an upgrade the running cluster's spec gets the release data of the versions it runs (the etcd, control
plane and worker components it has now), and a Kubernetes version change is detected per worker group."""

from __future__ import annotations

import pytest

from eksa_core.errors import UnsupportedKubernetesVersionError
from eksa_core.releases import BUNDLED_RELEASE_MANIFEST, build_spec, spec_with_release_data
from eksa_core.workflows.capi import component_versions
from eksa_core.workflows.upgrade import kubernetes_version_changes
from tests.releases.helpers import cluster_config


def test_the_running_spec_gets_the_bundles_of_the_versions_it_runs() -> None:
    new = build_spec(cluster_config("1.36"), release_manifest=BUNDLED_RELEASE_MANIFEST)
    assert list(new.versions_bundles) == ["1.36"]
    running = cluster_config("1.35", workers={"md-0": None, "md-1": "1.34"})
    current = spec_with_release_data(running, new)
    assert current.bundles is new.bundles and current.eksa_version == new.eksa_version
    assert list(current.versions_bundles) == ["1.35", "1.34"]
    assert {k: e.channel for k, e in current.eksd_releases.items()} == {"1.35": "1-35", "1.34": "1-34"}
    assert current.eksd_release().kubernetes_version_tag() == "v1.35.6-eks-1-35-12"
    assert current.versions_bundle() is new.bundles.versions_bundle("1.35")  # type: ignore[union-attr]
    # the components of the running cluster (etcdadm included) come from its own versions bundle
    assert component_versions(current, "docker")["bootstrap-etcdadm-controller"] == "v1.0.28"
    # release data already loaded for the new spec is reused, not read again
    same = spec_with_release_data(cluster_config("1.36"), new)
    assert same.eksd_releases["1.36"] is new.eksd_releases["1.36"]


def test_a_running_version_the_release_does_not_have_names_the_supported_ones() -> None:
    new = build_spec(cluster_config("1.36"), release_manifest=BUNDLED_RELEASE_MANIFEST)
    with pytest.raises(UnsupportedKubernetesVersionError) as info:
        spec_with_release_data(cluster_config("1.29"), new)
    assert info.value.version == "1.29"
    assert info.value.supported == ["1.30", "1.31", "1.32", "1.33", "1.34", "1.35", "1.36"]


@pytest.mark.parametrize(("old", "new", "changes"), [
    (("1.35", {"md-0": None}), ("1.36", {"md-0": None}), True),              # control plane (and its workers)
    (("1.36", {"md-0": "1.35"}), ("1.36", {"md-0": None}), True),            # a worker group catches up
    (("1.36", {"md-0": "1.35"}), ("1.36", {"md-0": "1.35"}), False),
    (("1.36", {"md-0": None}), ("1.36", {"md-0": None, "md-1": "1.35"}), False),  # a new group is not a change
])
def test_kubernetes_version_changes(old: tuple[str, dict[str, str | None]], new: tuple[str, dict[str, str | None]],
                                    changes: bool) -> None:
    release = build_spec(cluster_config("1.36"), release_manifest=BUNDLED_RELEASE_MANIFEST)
    current = spec_with_release_data(cluster_config(old[0], workers=old[1]), release)
    target = spec_with_release_data(cluster_config(new[0], workers=new[1]), release)
    assert kubernetes_version_changes(current, target) is changes
