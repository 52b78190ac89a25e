"""Fixtures of the CloudStack provider tests: the conformance folder and sample documents.

Test modules import the samples from ``eksa_cloudstack_testlib``, the name this conftest registers itself under.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from eksa_core.testing import conformance_dir as shared_conformance_dir

sys.modules.setdefault("eksa_cloudstack_testlib", sys.modules[__name__])

DC = {
    "apiVersion": "anywhere.eks.amazonaws.com/v1alpha1",
    "kind": "CloudStackDatacenterConfig",
    "metadata": {"name": "dc", "namespace": "default"},
    "spec": {"availabilityZones": [{
        "name": "az-1", "credentialsRef": "global", "account": "admin", "domain": "domain1",
        "managementApiEndpoint": "http://127.16.0.1:8080/client/api",
        "zone": {"name": "zone1", "network": {"name": "net1"}}}]},
}

MC = {
    "apiVersion": "anywhere.eks.amazonaws.com/v1alpha1",
    "kind": "CloudStackMachineConfig",
    "metadata": {"name": "mc"},
    "spec": {
        "computeOffering": {"name": "m4-large"},
        "template": {"id": "tmpl-1"},
        "diskOffering": {"name": "Small", "customSizeInGB": 10, "mountPath": "/data", "device": "/dev/vdb",
                         "filesystem": "ext4", "label": "data_disk"},
        "users": [{"name": "capc", "sshAuthorizedKeys": ["ssh-rsa AAAA"]}],
        "affinityGroupIds": ["g-1"],
        "userCustomDetails": {"foo": "bar"},
        "symlinks": {"/var/log/pods": "/data/var/log/pods"},
    },
}


def conformance_dir() -> Path | None:
    """The shared conformance fixtures (see :func:`eksa_core.testing.conformance_dir`)."""
    return shared_conformance_dir(__file__)


@pytest.fixture
def cloudstack_conformance() -> Path:
    path = conformance_dir()
    if path is None:
        pytest.skip("conformance fixtures not found (set EKSA_CONFORMANCE_DIR)")
    return path
