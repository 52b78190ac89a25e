"""The entry-point scan cache (eksa_core.entrypoints): reused while nothing it was read from changed, read again
when a distribution is added, changed or removed, and never in the way of the plain importlib.metadata answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

GROUP = "eksa.test-cache"

PROBE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import eksa_core.entrypoints as e
records = e.scan(sys.argv[2])
print(json.dumps({"records": [[r.name, r.value, r.dist, r.version] for r in records],
                  "metadata_imported": "importlib.metadata" in sys.modules,
                  "version": e.distribution_version("fake-dist")}))
"""


def _dist(site: Path, version: str, entries: dict[str, str], name: str = "fake_dist") -> Path:
    folder = site / f"{name}-{version}.dist-info"
    folder.mkdir(parents=True)
    (folder / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name.replace('_', '-')}\nVersion: {version}\n")
    lines = "".join(f"{k} = {v}\n" for k, v in entries.items())
    (folder / "entry_points.txt").write_text(f"[{GROUP}]\n{lines}")
    return folder


def _scan(site: Path, cache: Path) -> dict[str, object]:
    env = dict(os.environ, EKSA_ENTRY_POINT_CACHE=str(cache))
    out = subprocess.run([sys.executable, "-c", PROBE, str(site), GROUP], capture_output=True, text=True,
                         check=True, env=env, cwd=site)
    result: dict[str, object] = json.loads(out.stdout)
    return result


def test_the_second_scan_comes_from_the_cache_without_importlib_metadata(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    _dist(site, "1.0", {"alpha": "fake_alpha.plugin"})
    first = _scan(site, cache)
    assert first["records"] == [["alpha", "fake_alpha.plugin", "fake-dist", "1.0"]]
    assert first["metadata_imported"] is True
    assert len(list(cache.glob("*.json"))) == 1
    second = _scan(site, cache)
    assert second["records"] == first["records"]
    assert second["metadata_imported"] is False
    assert second["version"] == "1.0"


def test_an_edited_entry_points_file_is_read_again(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    folder = _dist(site, "1.0", {"alpha": "fake_alpha.plugin"})
    _scan(site, cache)
    text = (folder / "entry_points.txt").read_text() + "beta = fake_beta.plugin\n"
    (folder / "entry_points.txt").write_text(text)
    stat = (folder / "entry_points.txt").stat()  # same second: the size and ns time still differ
    os.utime(folder / "entry_points.txt", ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    again = _scan(site, cache)
    assert again["metadata_imported"] is True
    assert [r[0] for r in again["records"]] == ["alpha", "beta"]  # type: ignore[union-attr]


def test_an_upgraded_or_removed_distribution_is_read_again(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    old = _dist(site, "1.0", {"alpha": "fake_alpha.plugin"})
    _scan(site, cache)
    for f in old.iterdir():
        f.unlink()
    old.rmdir()
    _dist(site, "2.0", {"alpha": "fake_alpha.plugin2"})
    upgraded = _scan(site, cache)
    assert upgraded["records"] == [["alpha", "fake_alpha.plugin2", "fake-dist", "2.0"]]
    new = site / "fake_dist-2.0.dist-info"
    for f in new.iterdir():
        f.unlink()
    new.rmdir()
    assert _scan(site, cache)["records"] == []


def test_a_corrupt_cache_file_is_replaced(tmp_path: Path) -> None:
    site, cache = tmp_path / "site", tmp_path / "cache"
    _dist(site, "1.0", {"alpha": "fake_alpha.plugin"})
    _scan(site, cache)
    (path,) = cache.glob("*.json")
    path.write_text("{not json")
    again = _scan(site, cache)
    assert again["records"] == [["alpha", "fake_alpha.plugin", "fake-dist", "1.0"]]
    assert again["metadata_imported"] is True
    assert json.loads(path.read_text())["entry_points"][0]["name"] == "alpha"


def test_the_cache_can_be_turned_off(tmp_path: Path) -> None:
    site = tmp_path / "site"
    _dist(site, "1.0", {"alpha": "fake_alpha.plugin"})
    for _ in range(2):
        assert _scan(site, Path("off"))["metadata_imported"] is True
    assert not (site / "off").exists()


def test_default_plugins_load_the_same_providers_as_a_fresh_scan(tmp_path: Path) -> None:
    code = textwrap.dedent("""
        import json
        from eksa_core.plugins import Plugins, default_plugins
        fresh = Plugins()
        fresh.load_entry_points()
        cached = default_plugins()
        print(json.dumps([sorted(fresh.providers), sorted(cached.providers),
                          {n: i.version for n, (i, _) in fresh.providers.items()},
                          {n: i.version for n, (i, _) in cached.providers.items()},
                          [f.name for f in cached.failures]]))
    """)
    env = dict(os.environ, EKSA_ENTRY_POINT_CACHE=str(tmp_path / "cache"))
    for _ in range(2):  # the second run reads the cache the first wrote
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
        fresh, cached, fresh_versions, cached_versions, failures = json.loads(out.stdout)
        if not fresh:
            pytest.skip("no provider installed")
        assert cached == fresh and cached_versions == fresh_versions and failures == []
    assert list((tmp_path / "cache").glob("*.json"))
