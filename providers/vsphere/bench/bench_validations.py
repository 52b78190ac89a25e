"""Benchmark: all live vSphere validations of a 3-machine-config spec against VMware's simulator.

Builds and starts vcsim (``tools/components/vcsim/build.sh``, then ``tests/conftest.py``'s launcher) on 127.0.0.1, runs
:func:`eksa_vsphere.live.validate_vcenter` ``--repeat`` times and prints wall time and round trips (SOAP
calls by method, REST calls, other HTTP/TLS exchanges) per run. ``--vms``/``--pools``/``--clusters`` grow
the simulated inventory to show that the number of round trips does not depend on its size.

    python providers/vsphere/bench/bench_validations.py [--repeat 5] [--vms 50] [--tls] [--json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
PROVIDER = HERE.parent
REPO = PROVIDER.parent.parent


def _load_harness() -> ModuleType:
    """Load the vcsim launcher and spec stand-ins from the tests' conftest (without pytest collection)."""
    sys.path[:0] = [str(PROVIDER), str(REPO)]
    spec = importlib.util.spec_from_file_location(
        "eksa_vsphere_vcsim_harness", PROVIDER / "tests" / "conftest.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _build() -> Path:
    proc = subprocess.run(
        ["bash", str(REPO / "tools" / "components" / "vcsim" / "build.sh")],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    if proc.returncode != 0:
        sys.exit(f"building vcsim failed:\n{proc.stderr}")
    return Path(proc.stdout.strip().splitlines()[-1]) / "eksa-vcsim"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the results."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5, help="validation runs (default 5)")
    parser.add_argument("--vms", type=int, default=2, help="simulated VMs per resource pool (default 2)")
    parser.add_argument("--pools", type=int, default=0, help="child resource pools per cluster (default 0)")
    parser.add_argument("--clusters", type=int, default=1, help="compute clusters (default 1)")
    parser.add_argument("--tls", action="store_true", help="serve https and pin the thumbprint")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)

    harness = _load_harness()  # also puts the provider on sys.path
    from eksa_vsphere.client import RoundTrips
    from eksa_vsphere.live import validate_vcenter

    binary = _build()
    flags = {"vm": args.vms, "pool": args.pools, "cluster": args.clusters}
    server = harness.start_server(binary, tls=args.tls, flags=flags)
    try:
        spec = harness.build_spec(server)  # control plane, etcd and one worker group: 3 machine configs
        if args.tls:
            spec.datacenter.spec.thumbprint = server.thumbprint
        walls: list[float] = []
        trips: list[RoundTrips] = []
        for _ in range(args.repeat):
            counter = RoundTrips()
            start = time.perf_counter()
            results = validate_vcenter(
                spec.datacenter,
                spec.machines,
                spec.cluster,
                env=server.env,
                eksd_release_name=harness.EKSD_RELEASE,
                round_trips=counter,
            )
            walls.append(time.perf_counter() - start)
            trips.append(counter)
        failed = [r.message for r in results if r.failed]
    finally:
        server.stop()

    last = trips[-1]
    report = {
        "machine_configs": len(spec.machines),
        "checks": len(results),
        "failed": failed,
        "runs": args.repeat,
        "wall_ms_min": round(min(walls) * 1000, 2),
        "wall_ms_median": round(statistics.median(walls) * 1000, 2),
        "round_trips": last.as_dict(),
        "inventory_flags": flags,
        "tls": args.tls,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        r = report
        print(f"vSphere live validations: {r['checks']} checks, {r['machine_configs']} machine configs")
        print(
            f"  wall time: min {r['wall_ms_min']} ms, median {r['wall_ms_median']} ms over {args.repeat} runs"
        )
        print(
            f"  round trips per run: {last.total} "
            f"(SOAP {last.soap_total}, REST {last.rest_total}, other {last.http})"
        )
        print(f"  SOAP: {dict(last.soap)}")
        print(f"  REST: {dict(last.rest)}")
        if failed:
            print(f"  FAILED: {failed}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
