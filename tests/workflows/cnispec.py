"""Specs for the CNI tests: a Docker cluster built against the bundled release data (so its versions bundle names
the Cilium chart and images), with the Cilium settings and registry mirror a test asks for."""

from __future__ import annotations

from typing import Any

import yaml

from eksa_core.plugins import Plugins, default_plugins
from eksa_core.releases import build_spec
from eksa_core.releases.constants import BUNDLED_RELEASE_MANIFEST
from eksa_core.spec import Spec, parse_cluster_config


def cilium_spec(
    name: str = "c1",
    *,
    cilium: dict[str, Any] | None = None,
    cni: dict[str, Any] | None = None,
    mirror: dict[str, Any] | None = None,
    workers: int = 1,
    plugins: Plugins | None = None,
) -> Spec:
    """A defaulted, validated Docker spec ``name`` whose ``cniConfig`` is ``cni`` (default ``{"cilium":
    cilium or {}}``), with ``registryMirrorConfiguration`` ``mirror`` and ``workers`` worker nodes."""
    cluster: dict[str, Any] = {
        "apiVersion": "anywhere.eks.amazonaws.com/v1alpha1", "kind": "Cluster", "metadata": {"name": name},
        "spec": {
            "clusterNetwork": {"cniConfig": cni if cni is not None else {"cilium": cilium or {}},
                               "pods": {"cidrBlocks": ["192.168.0.0/16"]},
                               "services": {"cidrBlocks": ["10.96.0.0/12"]}},
            "controlPlaneConfiguration": {"count": 1},
            "datacenterRef": {"kind": "DockerDatacenterConfig", "name": name},
            "kubernetesVersion": "1.36",
            "managementCluster": {"name": name},
            "workerNodeGroupConfigurations": [{"count": workers, "name": "md-0"}] if workers else [],
        },
    }
    if mirror is not None:
        cluster["spec"]["registryMirrorConfiguration"] = mirror
    datacenter = {"apiVersion": "anywhere.eks.amazonaws.com/v1alpha1", "kind": "DockerDatacenterConfig",
                  "metadata": {"name": name}, "spec": {}}
    plugins = plugins or default_plugins()
    text = yaml.safe_dump_all([cluster, datacenter], sort_keys=False)
    config = parse_cluster_config(text, file=f"{name}.yaml", registry=plugins.registry)
    return build_spec(config, release_manifest=BUNDLED_RELEASE_MANIFEST, plugins=plugins)
