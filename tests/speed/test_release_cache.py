"""Release data is parsed once per process and read again when its content changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from eksa_core.errors import ReleaseError
from eksa_core.releases import (
    clear_release_data_cache,
    load_bundles,
    load_release_document,
    load_release_manifest,
    release_data_cache_info,
)
from eksa_core.releases.cache import parse_release_yaml


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    clear_release_data_cache()


RELEASE = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Release
metadata:
  name: release
spec:
  latestVersion: {latest}
  releases:
  - bundleManifestUrl: bundles.yaml
    date: "2024-05-01"
    number: 1
    version: v0.19.0
"""


@pytest.fixture
def release_dir(tmp_path: Path) -> Path:
    (tmp_path / "release.yaml").write_text(RELEASE.format(latest="v0.19.0"))
    return tmp_path


def test_a_file_read_twice_is_parsed_once_and_shared(release_dir: Path) -> None:
    manifest = release_dir / "release.yaml"
    first = load_release_manifest(manifest)
    second = load_release_manifest(manifest)
    assert second is first
    again = load_release_document(manifest)  # the other entry point shares the parse and the object
    assert again is first
    info = release_data_cache_info()
    assert (info.parses, info.files) == (1, 1)
    assert info.hits >= 2


def test_a_changed_file_is_read_again(release_dir: Path) -> None:
    manifest = release_dir / "release.yaml"
    first = load_release_manifest(manifest)
    assert first.spec.latest_version == "v0.19.0"
    manifest.write_text(RELEASE.format(latest="v9.9.9"))
    os.utime(manifest, (1, 1))
    second = load_release_manifest(manifest)
    assert second is not first
    assert second.spec.latest_version == "v9.9.9"
    assert release_data_cache_info().parses == 2


def test_a_failing_document_is_not_cached(release_dir: Path) -> None:
    bad = release_dir / "bad.yaml"
    bad.write_text("apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: Bundles\nspec: [\n")
    for _ in range(2):
        with pytest.raises(ReleaseError, match="unable to parse manifest"):
            load_bundles(bad)
    bad.write_text("apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: Bundles\nspec: {}\n")
    assert load_bundles(bad).source == str(bad)


def test_release_yaml_follows_yaml_1_2_scalars() -> None:
    data = parse_release_yaml("a: yes\nb: on\nc: true\nd: 0755\ne: 0o17\nf: 2021-06-01\ng: 1.20\nh: ~\ni: 0x1f\n")
    assert data == [{"a": "yes", "b": "on", "c": True, "d": 755, "e": 15, "f": "2021-06-01", "g": 1.2, "h": None,
                     "i": 31}]


def test_repeated_keys_keep_the_last_value() -> None:
    assert parse_release_yaml("a: 1\na: 2\n") == [{"a": 2}]
