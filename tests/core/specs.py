"""Spec builders for the core tests: valid documents as plain data, mutated per test, dumped to YAML text."""

from __future__ import annotations

import copy
import io
from typing import Any

from ruamel.yaml import YAML

API = "anywhere.eks.amazonaws.com/v1alpha1"


def cluster_doc(name: str = "mycluster", *, dc_kind: str = "FakeLabDatacenterConfig",
                machine_kind: str = "FakeLabMachineConfig") -> dict[str, Any]:
    return {
        "apiVersion": API,
        "kind": "Cluster",
        "metadata": {"name": name},
        "spec": {
            "kubernetesVersion": "1.30",
            "controlPlaneConfiguration": {
                "count": 3,
                "endpoint": {"host": "10.0.0.10"},
                "machineGroupRef": {"kind": machine_kind, "name": f"{name}-cp"},
            },
            "workerNodeGroupConfigurations": [
                {"name": "md-0", "count": 2, "machineGroupRef": {"kind": machine_kind, "name": name}},
            ],
            "datacenterRef": {"kind": dc_kind, "name": name},
            "clusterNetwork": {
                "cniConfig": {"cilium": {}},
                "pods": {"cidrBlocks": ["192.168.0.0/16"]},
                "services": {"cidrBlocks": ["10.96.0.0/12"]},
            },
            "managementCluster": {"name": name},
        },
    }


def fakelab_docs(name: str = "mycluster") -> list[dict[str, Any]]:
    """A valid FakeLab spec: Cluster, datacenter, control plane and worker machine configs."""
    return [
        cluster_doc(name),
        {"apiVersion": API, "kind": "FakeLabDatacenterConfig", "metadata": {"name": name},
         "spec": {"server": "lab.example.com"}},
        {"apiVersion": API, "kind": "FakeLabMachineConfig", "metadata": {"name": f"{name}-cp"}, "spec": {"cpus": 2}},
        {"apiVersion": API, "kind": "FakeLabMachineConfig", "metadata": {"name": name}, "spec": {"cpus": 4}},
    ]


def to_yaml(docs: list[dict[str, Any]]) -> str:
    yaml = YAML()
    yaml.default_flow_style = False
    out = io.StringIO()
    yaml.dump_all(copy.deepcopy(docs), out)
    return out.getvalue()


def spec(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """The Cluster's spec in ``docs`` (for mutation)."""
    return next(d for d in docs if d["kind"] == "Cluster")["spec"]
