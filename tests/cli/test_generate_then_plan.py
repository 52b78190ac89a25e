"""A new user's first commands, for every provider: ``eksa generate clusterconfig`` (defaults only) then
``eksa create cluster --dry-run`` against the bundled release snapshot, and a dry-run upgrade to the next
Kubernetes minor version (1.35 -> 1.36, including a worker group on its own ``kubernetesVersion``).

Docker needs nothing filled in; the other providers' generated specs carry placeholders (empty endpoint, server,
datastore, image names, ...), which :func:`fill_placeholders` fills the way a user would, and the credentials a
provider reads come from the environment (:data:`CREDENTIALS`)."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from eksa_core.cli import main
from eksa_core.plugins import Plugins
from eksa_core.releases import BUNDLED_RELEASE_MANIFEST, bundles_for_version, newest_kubernetes_version
from eksa_core.releases.build import DEFAULT_CLI_VERSION

#: provider name -> its Python package (the test is skipped when the provider is not installed)
PROVIDERS = {"docker": "eksa_docker", "vsphere": "eksa_vsphere", "tinkerbell": "eksa_baremetal",
             "nutanix": "eksa_nutanix", "cloudstack": "eksa_cloudstack", "snow": "eksa_snow"}

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBq7VxIP8kUEnLxOsIgWEDS5Xs3AOeqgXx2gCrsi2ih5 user@example"

#: A value for every placeholder field a generated spec leaves empty (by field name, any document).
VALUES: dict[str, Any] = {
    "host": "10.20.0.10",
    "server": "vcenter.example.test",
    "datacenter": "SDDC-Datacenter",
    "network": "/SDDC-Datacenter/network/sddc-cgw-network-1",
    "datastore": "/SDDC-Datacenter/datastore/WorkloadDatastore",
    "folder": "/SDDC-Datacenter/vm/eksa",
    "resourcePool": "/SDDC-Datacenter/host/Cluster-1/Resources/Compute-ResourcePool",
    "template": "/SDDC-Datacenter/vm/Templates/ubuntu-kube-v1-36",
    "osImageURL": "https://images.example.test/ubuntu-2204-kube-v1-36.gz",
    "tinkerbellIP": "10.20.0.20",
    "endpoint": "prism.example.test",
    "managementApiEndpoint": "https://cloudstack.example.test:8080/client/api",
    "amiID": "ami-0123456789abcdef0",
    "sshKeyName": "eksa-key",
    "devices": ["10.20.0.50"],
}

#: What the providers read from the environment (dummy values: a dry run contacts nothing).
CREDENTIALS = {
    "EKSA_VSPHERE_USERNAME": "user@vsphere.local", "EKSA_VSPHERE_PASSWORD": "not-a-real-password",
    "EKSA_NUTANIX_USERNAME": "admin", "EKSA_NUTANIX_PASSWORD": "not-a-real-password",
    "EKSA_CLOUDSTACK_B64ENCODED_SECRET": base64.b64encode(
        b"[Global]\napi-key = k\nsecret-key = s\napi-url = https://cloudstack.example.test:8080/client/api\n"
    ).decode(),
}

HARDWARE_CSV = (
    "hostname,mac,ip_address,netmask,gateway,nameservers,labels,disk,bmc_ip,bmc_username,bmc_password\n"
    + "".join(f"node{i},00:00:00:00:00:0{i},10.20.0.{100 + i},255.255.255.0,10.20.0.1,8.8.8.8,"
              f"type={'cp' if i < 3 else 'worker'},/dev/sda,10.20.1.{100 + i},admin,not-a-real-password\n"
              for i in range(1, 6))
)


def _placeholder(value: Any) -> bool:
    return value == "" or (isinstance(value, str) and value.startswith("<") and value.endswith(">")) \
        or value == [""]


#: CloudStack: fields generated as ``{}`` that need a name.
NAMED = {"zone": {"name": "zone1", "network": {"name": "net1"}}, "template": {"name": "ubuntu-2204-kube-1-36"},
         "computeOffering": {"name": "m1.large"}}


def _fill(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if _placeholder(value) and key in VALUES:
                node[key] = VALUES[key]
            elif key == "name" and _placeholder(value):
                node[key] = "Cluster-1"  # Nutanix: Prism Element cluster, image and subnet names
            elif key in NAMED and value in ({}, {"network": {}}):
                node[key] = NAMED[key]
            elif key == "sshAuthorizedKeys":
                node[key] = [SSH_KEY]  # the generated "ssh-rsa AAAA..." is an example, not a key
            else:
                _fill(value)
    elif isinstance(node, list):
        for item in node:
            _fill(item)


def fill_placeholders(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Fill every empty, ``{}`` or ``<enter ... here>`` field a user has to fill (values from :data:`VALUES`)."""
    for doc in docs:
        if doc.get("kind") == "TinkerbellMachineConfig":
            # the OS image is the datacenter's; machines are picked from the hardware CSV by label
            doc["spec"].pop("osImageURL", None)
            role = "cp" if doc["metadata"]["name"].endswith("-cp") else "worker"
            doc["spec"]["hardwareSelector"] = {"type": role}
            doc["spec"].pop("templateRef", None)
        _fill(doc)
    return docs


def provider_plugins(provider: str) -> Plugins:
    pytest.importorskip(PROVIDERS[provider], reason=f"the {provider} provider is not installed")
    plugins = Plugins()
    plugins.load_entry_points()
    return plugins


def eksa(plugins: Plugins, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), plugins=plugins, stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for key in ("EKSA_RELEASE_MANIFEST", "CHECKPOINT_ENABLED"):
        monkeypatch.delenv(key, raising=False)
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    snow_credentials = tmp_path / "snow-credentials"
    snow_credentials.write_text("[10.20.0.50]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n"
                                "region = snow\n")
    snow_ca = tmp_path / "snow-ca.pem"
    snow_ca.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    monkeypatch.setenv("EKSA_AWS_CREDENTIALS_FILE", str(snow_credentials))
    monkeypatch.setenv("EKSA_AWS_CA_BUNDLES_FILE", str(snow_ca))
    Path("hardware.csv").write_text(HARDWARE_CSV)
    return tmp_path


def generate(plugins: Plugins, provider: str, *extra: str) -> list[dict[str, Any]]:
    code, out, err = eksa(plugins, "generate", "clusterconfig", "c1", "-p", provider, *extra)
    assert code == 0, err
    return [d for d in yaml.safe_load_all(out) if d]


def write_spec(path: Path, docs: list[dict[str, Any]], provider: str) -> None:
    if provider != "docker":
        fill_placeholders(docs)
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))


def provider_flags(provider: str) -> list[str]:
    return ["-z", "hardware.csv"] if provider == "tinkerbell" else []


def test_generated_spec_defaults_to_the_newest_kubernetes_version_of_the_release() -> None:
    plugins = provider_plugins("docker")
    _, bundles = bundles_for_version(BUNDLED_RELEASE_MANIFEST, DEFAULT_CLI_VERSION)
    assert newest_kubernetes_version(bundles) == "1.36"
    assert generate(plugins, "docker")[0]["spec"]["kubernetesVersion"] == "1.36"
    # another release in use: its newest version is the default
    older = Path("older")
    older.mkdir()
    for source in BUNDLED_RELEASE_MANIFEST.parent.glob("*.yaml"):
        (older / source.name).write_text(source.read_text())
    data = yaml.safe_load((older / "bundles.yaml").read_text())
    data["spec"]["versionsBundles"] = [v for v in data["spec"]["versionsBundles"] if v["kubeVersion"] != "1.36"]
    (older / "bundles.yaml").write_text(yaml.safe_dump(data))
    docs = generate(plugins, "docker", "--release-manifest", str(older / "releases.yaml"))
    assert docs[0]["spec"]["kubernetesVersion"] == "1.35"
    docs = generate(plugins, "docker", "--bundles-override", str(older / "bundles.yaml"))
    assert docs[0]["spec"]["kubernetesVersion"] == "1.35"


def test_docker_generate_then_create_dry_run_needs_no_flag() -> None:
    plugins = provider_plugins("docker")
    code, out, err = eksa(plugins, "generate", "clusterconfig", "demo", "-p", "docker")
    assert code == 0, err
    Path("demo.yaml").write_text(out)
    code, out, err = eksa(plugins, "create", "cluster", "-f", "demo.yaml", "--dry-run")
    assert code == 0, err
    assert "Plan: create-management of cluster demo" in out
    plan = "\n".join(p.read_text() for p in Path("demo/generated/plan").glob("*.yaml"))
    assert "version: v1.36.2-eks-1-36-6" in plan  # the EKS-D release of Kubernetes 1.36 in the snapshot
    assert "public.ecr.aws/eks-distro/kubernetes" in plan


@pytest.mark.parametrize("provider", ["vsphere", "tinkerbell", "nutanix", "cloudstack", "snow"])
def test_generate_fill_placeholders_then_create_dry_run(provider: str) -> None:
    plugins = provider_plugins(provider)
    docs = generate(plugins, provider)
    assert docs[0]["spec"]["kubernetesVersion"] == "1.36"
    write_spec(Path("c1.yaml"), docs, provider)
    code, out, err = eksa(plugins, "create", "cluster", "-f", "c1.yaml", "--dry-run", *provider_flags(provider))
    assert code == 0, err
    assert "Plan: create-management of cluster c1" in out
    plan = "\n".join(p.read_text() for p in Path("c1/generated/plan").glob("*.yaml"))
    assert "v1.36.2-eks-1-36-6" in plan


def _upgrade_plan(provider: str, edit: Callable[[list[dict[str, Any]]], None] | None = None) -> tuple[str, str]:
    """Generate a 1.35 cluster as the running one (its folder's spec), then plan the upgrade to 1.36."""
    plugins = provider_plugins(provider)
    old = generate(plugins, provider, "--kubernetes-version", "1.35")
    Path("c1").mkdir()
    write_spec(Path("c1/c1-eks-a-cluster.yaml"), old, provider)
    new = yaml.safe_load_all(Path("c1/c1-eks-a-cluster.yaml").read_text())
    docs = [d for d in new if d]
    docs[0]["spec"]["kubernetesVersion"] = "1.36"
    if edit is not None:
        edit(docs)
    Path("c1.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    code, out, err = eksa(plugins, "upgrade", "cluster", "-f", "c1.yaml", "--dry-run", *provider_flags(provider))
    return out if code == 0 else "", err


@pytest.mark.parametrize("provider", list(PROVIDERS))
def test_dry_run_upgrade_to_the_next_kubernetes_version(provider: str) -> None:
    out, err = _upgrade_plan(provider)
    assert out, err
    assert "Plan: upgrade-management of cluster c1" in out
    lines = out.splitlines()
    # the control plane is rolled and ready before the worker groups are touched
    cp = next(i for i, line in enumerate(lines) if "upgrade-control-plane.yaml" in line)
    ready = next(i for i, line in enumerate(lines) if "condition=ControlPlaneAvailable" in line)
    workers = next(i for i, line in enumerate(lines) if "upgrade-workers.yaml" in line)
    assert cp < ready < workers
    control_plane = Path("c1/generated/plan/upgrade-control-plane.yaml").read_text()
    assert "v1.36.2-eks-1-36-6" in control_plane and "MachineDeployment" not in control_plane
    worker_plan = Path("c1/generated/plan/upgrade-workers.yaml").read_text()
    assert "MachineDeployment" in worker_plan and "KubeadmControlPlane" not in worker_plan
    assert "v1.36.2-eks-1-36-6" in worker_plan


def _own_worker_version(docs: list[dict[str, Any]]) -> None:
    groups = docs[0]["spec"]["workerNodeGroupConfigurations"]
    groups[0]["kubernetesVersion"] = "1.35"  # this group stays on 1.35 for now


@pytest.mark.parametrize("provider", ["docker", "vsphere"])
def test_worker_group_with_its_own_version_keeps_its_bundle(provider: str) -> None:
    out, err = _upgrade_plan(provider, _own_worker_version)
    assert out, err
    worker_plan = Path("c1/generated/plan/upgrade-workers.yaml").read_text()
    assert "v1.35.6-eks-1-35-12" in worker_plan and "v1.36.2-eks-1-36-6" not in worker_plan


def test_a_skipped_minor_version_is_refused() -> None:
    plugins = provider_plugins("docker")
    old = generate(plugins, "docker", "--kubernetes-version", "1.34")
    Path("c1").mkdir()
    write_spec(Path("c1/c1-eks-a-cluster.yaml"), old, "docker")
    old[0]["spec"]["kubernetesVersion"] = "1.36"
    Path("c1.yaml").write_text(yaml.safe_dump_all(old, sort_keys=False))
    code, _, err = eksa(plugins, "upgrade", "cluster", "-f", "c1.yaml", "--dry-run")
    assert code == 1
    assert "only +1 minor version skew is supported, minor version skew detected 2" in err
    assert "Traceback" not in err


def test_release_selection_by_the_clusters_eksa_version() -> None:
    plugins = provider_plugins("docker")
    docs = generate(plugins, "docker")
    docs[0]["spec"]["eksaVersion"] = DEFAULT_CLI_VERSION  # the CLI's own version: its release is used
    Path("c1.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    code, _, err = eksa(plugins, "create", "cluster", "-f", "c1.yaml", "--dry-run")
    assert code == 0, err
    docs[0]["spec"]["eksaVersion"] = "v0.25.3"  # a release the manifest in use does not have
    Path("c1.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    code, _, err = eksa(plugins, "create", "cluster", "-f", "c1.yaml", "--dry-run")
    assert code == 1
    assert ("invalid version v0.25.3, no matching release found (releases in the manifest: v0.26.1)") in err
    assert "Traceback" not in err
