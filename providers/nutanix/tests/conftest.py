"""Fixtures of the Nutanix provider tests: a Prism Central double on 127.0.0.1, the conformance folder, and
sample documents (``DC``, ``MC``).

Test modules import the samples from ``eksa_nutanix_testlib``, the name this conftest registers itself under (it
cannot be shadowed by another folder's conftest).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from eksa_nutanix.client import PrismClient

from eksa_core.testing import conformance_dir as shared_conformance_dir
from eksa_core.testing.prism_double import PrismCentralDouble

USERNAME = "admin"
PASSWORD = "Nutanix/4u-secret"

sys.modules.setdefault("eksa_nutanix_testlib", sys.modules[__name__])

DC = {
    "apiVersion": "anywhere.eks.amazonaws.com/v1alpha1",
    "kind": "NutanixDatacenterConfig",
    "metadata": {"name": "dc", "namespace": "default"},
    "spec": {
        "endpoint": "pc.example.com",
        "port": 9440,
        "insecure": False,
        "additionalTrustBundle": "PEM",
        "credentialRef": {"kind": "Secret", "name": "nutanix-credentials"},
        "failureDomains": [{"name": "fd-1", "cluster": {"type": "name", "name": "pe-1"},
                            "subnets": [{"type": "uuid", "uuid": "u-1"}], "workerMachineGroups": ["md-0"]}],
        "ccmExcludeNodeIPs": ["10.0.0.1", "10.0.0.0/24", "10.0.0.10-10.0.0.20"],
    },
}

MC = {
    "apiVersion": "anywhere.eks.amazonaws.com/v1alpha1",
    "kind": "NutanixMachineConfig",
    "metadata": {"name": "mc"},
    "spec": {
        "osFamily": "ubuntu",
        "users": [{"name": "eksa", "sshAuthorizedKeys": ["ssh-rsa AAAA"]}],
        "vcpusPerSocket": 1,
        "vcpuSockets": 2,
        "memorySize": "4Gi",
        "systemDiskSize": "40Gi",
        "image": {"type": "name", "name": "img-1.30"},
        "cluster": {"type": "uuid", "uuid": "c-1"},
        "subnet": {"type": "name", "name": "vlan"},
        "project": {"type": "name", "name": "p"},
        "additionalCategories": [{"key": "k", "value": "v"}],
        "gpus": [{"type": "deviceID", "deviceID": 8757}, {"type": "name", "name": "Ampere 40"}],
        "bootType": "uefi",
    },
}


def conformance_dir() -> Path | None:
    """The shared conformance fixtures (see :func:`eksa_core.testing.conformance_dir`)."""
    return shared_conformance_dir(__file__)


@pytest.fixture
def nutanix_conformance() -> Path:
    path = conformance_dir()
    if path is None:
        pytest.skip("conformance fixtures not found (set EKSA_CONFORMANCE_DIR)")
    return path


@pytest.fixture
def prism() -> Iterator[PrismCentralDouble]:
    """A Prism Central double with one Prism Central pseudo-cluster, two Prism Element clusters, subnets,
    images, a project and a category."""
    double = PrismCentralDouble(username=USERNAME, password=PASSWORD)
    double.add_cluster("pc", "00000000-0000-0000-0000-0000000000aa", prism_central=True)
    double.add_cluster("pe-1", "11111111-1111-1111-1111-111111111111")
    double.add_cluster("pe-2", "22222222-2222-2222-2222-222222222222")
    double.add_subnet("vlan-1", "33333333-3333-3333-3333-333333333331", cluster="pe-1")
    double.add_subnet("vlan-1", "33333333-3333-3333-3333-333333333332", cluster="pe-2")
    double.add_subnet("vlan-2", "33333333-3333-3333-3333-333333333333", cluster="pe-2")
    double.add_image("ubuntu-2204-kube-v1.30.2", "44444444-4444-4444-4444-444444444441")
    double.add_image("ubuntu-2204-kube-v1.29.0", "44444444-4444-4444-4444-444444444442")
    double.add_project("team-a", "55555555-5555-5555-5555-555555555555")
    double.add_category("AppType", "Kubernetes")
    with double:
        yield double


@pytest.fixture
def client(prism: PrismCentralDouble) -> Iterator[PrismClient]:
    with PrismClient(prism.url, username=USERNAME, password=PASSWORD) as c:
        yield c
