"""The chart registry (eksa_core.testing.registry): the bundle's Cilium chart served over TLS, clean shutdown."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import tarfile
from pathlib import Path

import pytest
import yaml

from eksa_core.releases import BUNDLED_RELEASE_MANIFEST
from eksa_core.testing.registry import (
    CILIUM_CHART_REPOSITORY,
    CILIUM_CHART_VERSION,
    ChartRegistry,
    ChartRegistryError,
    _make_tls,
    find_helm_component,
)

pytestmark = pytest.mark.realkube

pytest_plugins = ["pytester"]


def _cilium(registry: ChartRegistry) -> str:
    return f"oci://{registry.endpoint}:{registry.port}/{CILIUM_CHART_REPOSITORY}/cilium"


def test_the_chart_is_the_one_the_release_bundle_names() -> None:
    bundles = yaml.safe_load((BUNDLED_RELEASE_MANIFEST.parent / "bundles.yaml").read_text())
    uris = {vb["cilium"]["helmChart"]["uri"] for vb in bundles["spec"]["versionsBundles"]}
    assert uris == {f"public.ecr.aws/{CILIUM_CHART_REPOSITORY}/cilium:{CILIUM_CHART_VERSION}"}


def test_registry_serves_the_bundle_chart_over_tls(cilium_chart_registry: ChartRegistry) -> None:
    registry = cilium_chart_registry
    assert registry.endpoint == "127.0.0.1" and registry.port > 0
    assert registry.ca_pem.startswith("-----BEGIN CERTIFICATE-----")
    shown = registry.run_helm(
        "show", "chart", _cilium(registry), "--version", CILIUM_CHART_VERSION, "--ca-file", str(registry.ca_file)
    )
    chart = yaml.safe_load(shown.stdout)
    assert (chart["name"], chart["version"], chart["appVersion"]) == ("cilium", "1.19.4-1", "1.19.4")


def test_pulled_chart_is_the_pushed_archive(cilium_chart_registry: ChartRegistry, tmp_path: Path) -> None:
    registry = cilium_chart_registry
    registry.run_helm(
        "pull", _cilium(registry), "--version", CILIUM_CHART_VERSION, "--insecure-skip-tls-verify",
        "--destination", str(tmp_path),
    )
    pulled = tmp_path / f"cilium-{CILIUM_CHART_VERSION}.tgz"
    original = find_helm_component().cilium_chart
    assert hashlib.sha256(pulled.read_bytes()).digest() == hashlib.sha256(original.read_bytes()).digest()
    with tarfile.open(pulled) as archive:
        names = archive.getnames()
    assert "cilium/templates/cilium-agent/daemonset.yaml" in names


def test_the_certificate_is_checked(cilium_chart_registry: ChartRegistry, tmp_path: Path) -> None:
    """Trusting another CA, helm refuses the registry: its TLS is real and verified, not plain HTTP."""
    registry = cilium_chart_registry
    other_ca = _make_tls(tmp_path / "other")[1]  # a CA of its own, which did not sign the registry's certificate
    with pytest.raises(ChartRegistryError, match="certificate"):
        registry.run_helm(
            "show", "chart", _cilium(registry), "--version", CILIUM_CHART_VERSION, "--ca-file", str(other_ca)
        )


def test_push_names_the_reference_and_unknown_versions_are_not_served(tmp_path: Path) -> None:
    component = find_helm_component()
    with ChartRegistry(component, workdir=tmp_path) as registry:
        ref = registry.push(component.cilium_chart, "mirror/charts")
        assert ref == f"{registry.host}/mirror/charts/cilium:{CILIUM_CHART_VERSION}"
        with pytest.raises(ChartRegistryError, match=r"not found|404"):
            registry.run_helm("show", "chart", f"oci://{registry.host}/mirror/charts/cilium", "--version", "9.9.9",
                              "--ca-file", str(registry.ca_file))


def test_stop_leaves_no_process_port_or_files(tmp_path: Path) -> None:
    registry = ChartRegistry(find_helm_component(), workdir=tmp_path).start()
    pid, port, workdir = registry.pid, registry.port, registry.workdir
    assert pid is not None and registry.running
    registry.stop()
    assert not registry.running
    with pytest.raises(ProcessLookupError):
        os.killpg(pid, 0)  # neither the registry nor anything of its process group is left
    with socket.socket() as sock, pytest.raises(ConnectionRefusedError):
        sock.connect(("127.0.0.1", port))
    assert not workdir.exists()
    registry.stop()  # stopping twice is harmless


_USES_REGISTRY = """
def test_one(cilium_chart_registry):
    pass

def test_two(cilium_chart_registry):
    pass
"""


def _env_without_go(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tools = tmp_path / "bin-without-go"
    tools.mkdir()
    for tool in ("bash", "dirname"):
        found = shutil.which(tool)
        assert found, f"{tool} is needed by this test"
        (tools / tool).symlink_to(found)
    monkeypatch.setenv("PATH", str(tools))
    monkeypatch.setenv("EKSA_COMPONENTS_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("EKSA_HELM_BIN_DIR", raising=False)


def test_without_go_the_fixture_skips_with_one_reason_and_fails_in_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _env_without_go(monkeypatch, tmp_path)
    monkeypatch.delenv("CI", raising=False)
    pytester.makepyfile(_USES_REGISTRY)
    result = pytester.runpytest_subprocess("-rs", "-m", "realkube")  # the fixture marks its users realkube
    result.assert_outcomes(skipped=2)
    reasons = {line.split(": ", 1)[1] for line in result.outlines if line.startswith("SKIPPED")}
    assert len(reasons) == 1
    assert "go command is not installed" in reasons.pop()

    monkeypatch.setenv("CI", "true")
    result = pytester.runpytest_subprocess()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(["*chart registry*go command is not installed*CI=true*"])
