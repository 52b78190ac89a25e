"""Without Go and without built binaries the real control plane tests skip with one reason, and fail in CI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from eksa_core.testing.controlplane import ControlPlaneUnavailable, find_binaries

pytest_plugins = ["pytester"]


def _env_without_go(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """PATH with only what the build scripts need before they look for go (bash, dirname): no go command."""
    tools = tmp_path / "bin-without-go"
    tools.mkdir()
    for tool in ("bash", "dirname"):
        found = shutil.which(tool)
        assert found, f"{tool} is needed by this test"
        (tools / tool).symlink_to(found)
    monkeypatch.setenv("PATH", str(tools))
    monkeypatch.setenv("EKSA_COMPONENTS_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("EKSA_KUBE_BIN_DIR", raising=False)
    monkeypatch.delenv("EKSA_ETCD_BIN_DIR", raising=False)


def test_without_go_the_reason_is_one_clear_sentence(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _env_without_go(monkeypatch, tmp_path)
    with pytest.raises(ControlPlaneUnavailable, match="go command is not installed"):
        find_binaries()


def test_env_var_naming_a_directory_without_binaries_is_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EKSA_KUBE_BIN_DIR", str(tmp_path))
    with pytest.raises(RuntimeError, match="kube-apiserver"):
        find_binaries()


# test_own runs first: its plane of its own (started_control_plane) meets the missing component itself, and the
# session's fixtures then give the reason it recorded
_USES_FIXTURES = """
import pytest

from eksa_core.testing.pytest_plugin import started_control_plane


@pytest.fixture(scope="module")
def own_plane():
    yield from started_control_plane("eksa-own")


@pytest.mark.realkube
def test_own(own_plane):
    pass

def test_one(control_plane):
    pass

def test_two(control_plane, control_plane_namespace):
    pass
"""


def test_plugin_skips_every_test_with_the_same_reason(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env_without_go(monkeypatch, tmp_path)
    monkeypatch.delenv("CI", raising=False)
    pytester.makepyfile(_USES_FIXTURES)
    result = pytester.runpytest_subprocess("-rs", "-m", "realkube")
    result.assert_outcomes(skipped=3)
    reasons = {line.split(": ", 1)[1] for line in result.outlines if line.startswith("SKIPPED")}
    assert len(reasons) == 1  # every test gives the same one reason
    assert "go command is not installed" in reasons.pop()


def test_plugin_fails_in_ci_instead_of_skipping(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env_without_go(monkeypatch, tmp_path)
    monkeypatch.setenv("CI", "true")
    pytester.makepyfile(_USES_FIXTURES)
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(errors=3)
    result.stdout.fnmatch_lines(["*go command is not installed*CI=true*"])
