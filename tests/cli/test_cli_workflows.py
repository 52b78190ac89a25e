"""``eksa create/upgrade/delete cluster --dry-run`` through the real workflows and the bundled release data."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from eksa_core.cli import LOG_DIR, main
from eksa_core.plugins import Plugins


def docker_plugins() -> Plugins:
    pytest.importorskip("eksa_docker", reason="the Docker provider (providers/docker) is not installed")
    from eksa_docker import plugin

    plugins = Plugins()
    plugins.register(plugin, name="eksa-provider-docker")
    return plugins


def eksa(*argv: str, plugins: Plugins | None = None) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), plugins=plugins or docker_plugins(), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EKSA_RELEASE_MANIFEST", raising=False)
    monkeypatch.delenv("CHECKPOINT_ENABLED", raising=False)
    return tmp_path


def generated(version: str = "1.36") -> None:
    code, _, err = eksa("generate", "clusterconfig", "dev", "-p", "docker", "--kubernetes-version", version)
    assert code == 0, err


def test_create_dry_run_prints_the_plan_and_writes_manifests(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["generate", "clusterconfig", "dev", "-p", "docker"], plugins=docker_plugins())
    Path("dev.yaml").write_text(capsys.readouterr().out)
    assert code == 0
    code, out, err = eksa("create", "cluster", "-f", "dev.yaml", "--dry-run")
    assert code == 0, err
    assert out.startswith("Warning: using the release data bundled with eksa")
    assert "Plan: create-management of cluster dev\n" in out
    assert " 1. setup-validate" in out and "says: Performing setup and validations" in out
    assert "hookAction=check-docker-engine" in out  # the Docker provider asked nothing of the engine
    assert "🎉 Cluster created!" not in out.replace("says: 🎉 Cluster created!", "")  # no fake progress
    assert "Manifests written to dev/generated/plan" in out
    manifests = list(Path("dev/generated/plan").glob("*.yaml"))
    assert manifests and any("DockerMachineTemplate" in m.read_text() for m in manifests)
    assert not Path("dev/dev-eks-a-cluster.kubeconfig").exists()
    assert not Path(LOG_DIR).exists()


def test_create_dry_run_with_unsupported_version_explains_the_bundled_data() -> None:
    from eksa_core.generate import generate_cluster_config, to_yaml

    Path("dev.yaml").write_text(to_yaml(generate_cluster_config("dev", "docker", plugins=docker_plugins(),
                                                                kubernetes_version="1.29")))
    code, _, err = eksa("create", "cluster", "-f", "dev.yaml", "--dry-run")
    assert code == 1
    assert ("kubernetes version 1.29 is not supported by bundles manifest 1 (supported Kubernetes versions: "
            "1.30, 1.31, 1.32, 1.33, 1.34, 1.35, 1.36)") in err
    assert "The release data bundled with eksa covers Kubernetes 1.30 to 1.36" in err
    assert "Traceback" not in err


def test_release_manifest_option_and_missing_file() -> None:
    from eksa_core.cli import BUNDLED_RELEASE_MANIFEST
    from eksa_core.generate import generate_cluster_config, to_yaml

    Path("dev.yaml").write_text(to_yaml(generate_cluster_config("dev", "docker", plugins=docker_plugins(),
                                                                kubernetes_version="1.31")))
    code, out, err = eksa("create", "cluster", "-f", "dev.yaml", "--dry-run", "--release-manifest",
                          str(BUNDLED_RELEASE_MANIFEST), "-v", "1")
    assert code == 0, err
    assert "Using release manifest" in out and "Warning: using the release data bundled" not in out
    code, _, err = eksa("create", "cluster", "-f", "dev.yaml", "--dry-run", "--release-manifest", "none.yaml")
    assert code == 1 and "the release manifest none.yaml (--release-manifest) does not exist" in err


def test_delete_dry_run_reads_the_cluster_folder() -> None:
    from eksa_core.generate import generate_cluster_config, to_yaml

    Path("dev").mkdir()
    Path("dev/dev-eks-a-cluster.yaml").write_text(
        to_yaml(generate_cluster_config("dev", "docker", plugins=docker_plugins(), kubernetes_version="1.36")))
    code, out, err = eksa("delete", "cluster", "dev", "--dry-run")
    assert code == 0, err
    assert "Plan: delete" in out
    assert "eksa_cleanup_machines" in out
