"""Helpers for the release-data tests."""

from __future__ import annotations

from eksa_core.spec import ClusterConfig, parse_cluster_config


def cluster_config(version: str = "1.19", *, workers: dict[str, str | None] | None = None,
                   eksa_version: str | None = None) -> ClusterConfig:
    """A one-document cluster spec with worker groups ``name -> kubernetesVersion`` (``None``: cluster's)."""
    groups = workers if workers is not None else {"md-0": None}
    lines = [
        "apiVersion: anywhere.eks.amazonaws.com/v1alpha1",
        "kind: Cluster",
        "metadata:",
        "  name: test",
        "spec:",
        f'  kubernetesVersion: "{version}"',
    ]
    if eksa_version:
        lines.append(f'  eksaVersion: "{eksa_version}"')
    lines.append("  workerNodeGroupConfigurations:")
    for name, wv in groups.items():
        lines += [f"  - name: {name}", "    count: 1"]
        if wv:
            lines.append(f'    kubernetesVersion: "{wv}"')
    return parse_cluster_config("\n".join(lines) + "\n", file="cluster.yaml")
