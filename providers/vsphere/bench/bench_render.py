"""Benchmark (not a test): render time of a 100-worker-group vSphere spec versus a bare ruamel.yaml load+dump of
the same rendered documents.

    python providers/vsphere/bench/bench_render.py [--groups 100] [--repeat 5]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from pathlib import Path

from eksa_vsphere.templates import generate_control_plane, generate_workers
from ruamel.yaml import YAML

from eksa_core.capi import render_yaml
from eksa_core.defaults import set_defaults
from eksa_core.plugins import TemplateOptions, default_plugins
from eksa_core.releases import build_spec_from_files
from eksa_core.spec import parse_cluster_config
from eksa_core.testing import conformance_dir

CONFORMANCE = conformance_dir(__file__) or Path(__file__).parent / "no-conformance-fixtures"


def spec_text(groups: int) -> str:
    """A vSphere spec with ``groups`` worker groups (each its own machine config)."""
    out = ["""apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata: {name: bench}
spec:
  kubernetesVersion: "1.19"
  controlPlaneConfiguration:
    count: 3
    endpoint: {host: 10.0.0.10}
    machineGroupRef: {kind: VSphereMachineConfig, name: cp}
  datacenterRef: {kind: VSphereDatacenterConfig, name: bench}
  clusterNetwork:
    cniConfig: {cilium: {}}
    pods: {cidrBlocks: [192.168.0.0/16]}
    services: {cidrBlocks: [10.96.0.0/12]}
  proxyConfiguration: {httpProxy: "http://p:3128", httpsProxy: "http://p:3128", noProxy: [internal]}
  workerNodeGroupConfigurations:
"""]
    for i in range(groups):
        out.append(f"  - name: g{i}\n    count: 2\n    labels: {{group: g{i}}}\n"
                   f"    machineGroupRef: {{kind: VSphereMachineConfig, name: w{i}}}\n")
    out.append("""---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: VSphereDatacenterConfig
metadata: {name: bench}
spec: {datacenter: dc, network: /dc/network/n, server: vc.example, thumbprint: AB}
""")
    for name in ["cp"] + [f"w{i}" for i in range(groups)]:
        out.append(f"""---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: VSphereMachineConfig
metadata: {{name: {name}}}
spec:
  datastore: /dc/datastore/ds
  folder: /dc/vm
  resourcePool: /dc/host/cc/Resources
  template: /dc/vm/ubuntu
  osFamily: ubuntu
  memoryMiB: 8192
  numCPUs: 2
  diskGiB: 25
  users: [{{name: capv, sshAuthorizedKeys: ["ssh-rsa AAAA"]}}]
""")
    return "".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--groups", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    ns = parser.parse_args()

    plugins = default_plugins()
    config = parse_cluster_config(spec_text(ns.groups), registry=plugins.registry)
    set_defaults(config, plugins=plugins, stage="api")
    rel = CONFORMANCE / "releases"
    spec = build_spec_from_files(config, [rel / "releases.yaml", rel / "bundles.yaml",
                                          rel / "kubernetes-1-19-eks-4.yaml"], cli_version="v0.19.0-dev+latest")
    env = {"EKSA_VSPHERE_USERNAME": "u", "EKSA_VSPHERE_PASSWORD": "p"}

    render_times, dump_times, baseline_times = [], [], []
    text = ""
    for _ in range(ns.repeat):
        t0 = time.perf_counter()
        objects = generate_control_plane(spec, TemplateOptions(), env=env) + generate_workers(spec, None, None, env=env)
        t1 = time.perf_counter()
        text = render_yaml(objects)
        t2 = time.perf_counter()
        yaml = YAML(typ="rt")
        docs = list(yaml.load_all(text))
        buf = io.StringIO()
        yaml.dump_all(docs, buf)
        t3 = time.perf_counter()
        render_times.append(t1 - t0)
        dump_times.append(t2 - t1)
        baseline_times.append(t3 - t2)

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:8.1f} ms (min {min(values) * 1000:.1f})"

    print(f"worker groups: {ns.groups}, objects: {len(objects)}, YAML: {len(text) / 1024:.0f} KiB, "
          f"repeats: {ns.repeat}")
    print(f"build objects (dicts)        {ms(render_times)}")
    print(f"render_yaml (dicts -> text)  {ms(dump_times)}")
    print(f"total render                 {ms([a + b for a, b in zip(render_times, dump_times, strict=True)])}")
    print(f"ruamel load+dump baseline    {ms(baseline_times)}")
    ratio = statistics.median(render_times) / statistics.median(baseline_times)
    print(f"object building vs baseline  {ratio:.2f}x")


if __name__ == "__main__":
    main()
