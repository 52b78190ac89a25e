"""End to end: create and delete a real Docker (CAPD) cluster through the ``eksa`` command line.

Runs only where it can work, otherwise it is skipped with the reason:

* a Docker engine answers (``docker info`` succeeds) and ``kind`` is on PATH (the bootstrap cluster);
* ``EKSA_RELEASE_MANIFEST`` names a real EKS Anywhere release manifest: the release data bundled with eksa is test
  data whose image URIs point at development registries, so it can plan but not create.

Optional: ``EKSA_E2E_KUBERNETES_VERSION`` (default ``1.30``), ``EKSA_E2E_EKSA_VERSION`` (the release of the
manifest to use, written to ``spec.eksaVersion``), ``EKSA_E2E_TIMEOUT`` seconds per command (default 3600).
Whatever happens, the test removes the cluster's containers and the bootstrap kind cluster it made.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from eksa_docker.machines import DockerEngine


def _skip_reason() -> str | None:
    if shutil.which("docker") is None:
        return "no docker CLI on PATH"
    done = subprocess.run(["docker", "info"], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        return "no Docker engine answers (`docker info` failed)"
    if shutil.which("kind") is None:
        return "kind is not on PATH (needed for the bootstrap cluster)"
    if not os.environ.get("EKSA_RELEASE_MANIFEST"):
        return ("EKSA_RELEASE_MANIFEST is not set: the bundled release data is test data with development image "
                "URIs; point it at a real EKS Anywhere release manifest")
    return None


def eksa(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    timeout = float(os.environ.get("EKSA_E2E_TIMEOUT", "3600"))
    return subprocess.run([sys.executable, "-m", "eksa_core", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, check=False)


def test_create_and_delete_a_docker_cluster(tmp_path: Path) -> None:
    reason = _skip_reason()
    if reason is not None:
        pytest.skip(reason)
    name = f"e2e-{uuid.uuid4().hex[:8]}"
    version = os.environ.get("EKSA_E2E_KUBERNETES_VERSION", "1.30")
    engine = DockerEngine()
    try:
        generated = eksa("generate", "clusterconfig", name, "-p", "docker", "--kubernetes-version", version,
                         cwd=tmp_path)
        assert generated.returncode == 0, generated.stderr
        text = generated.stdout
        if os.environ.get("EKSA_E2E_EKSA_VERSION"):
            text = text.replace(f'  kubernetesVersion: "{version}"\n',
                                f'  eksaVersion: {os.environ["EKSA_E2E_EKSA_VERSION"]}\n'
                                f'  kubernetesVersion: "{version}"\n', 1)
        spec_file = tmp_path / f"{name}.yaml"
        spec_file.write_text(text)

        created = eksa("create", "cluster", "-f", spec_file.name, "-v", "4", cwd=tmp_path)
        assert created.returncode == 0, created.stdout[-4000:] + created.stderr[-4000:]
        assert "🎉 Cluster created!" in created.stdout
        kubeconfig = tmp_path / name / f"{name}-eks-a-cluster.kubeconfig"
        assert kubeconfig.is_file() and kubeconfig.stat().st_mode & 0o077 == 0
        assert (tmp_path / name / f"{name}-eks-a-cluster.yaml").is_file()
        assert engine.cluster_containers(name), "no node containers for the new cluster"
        assert not (tmp_path / "eksa-cli-logs").exists()

        deleted = eksa("delete", "cluster", name, "-v", "4", cwd=tmp_path)
        assert deleted.returncode == 0, deleted.stdout[-4000:] + deleted.stderr[-4000:]
        assert engine.cluster_containers(name) == []
    finally:
        leftovers = engine.cluster_containers(name)
        if leftovers:
            engine.remove_containers(leftovers)
        subprocess.run(["kind", "delete", "cluster", "--name", f"{name}-eks-a-cluster"], capture_output=True,
                       check=False)
