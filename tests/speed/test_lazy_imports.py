"""Importing eksa_core and loading every installed provider plugin imports none of the heavy client libraries:
they load when a client is first made or used (see ``bench/run.py`` for the time this saves)."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

HEAVY = ("kubernetes", "urllib3", "requests", "pyVmomi", "pyVim", "boto3", "botocore", "grpc", "google.protobuf",
         "pydantic", "moto")

PROBE = """
import importlib.util, json, sys
import eksa_core
plugins = eksa_core.default_plugins()
heavy = json.loads(sys.argv[1])
def installed(name):
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False
print(json.dumps({
    "providers": sorted(plugins.providers),
    "failures": [f.name for f in plugins.failures],
    "installed": [m for m in heavy if installed(m)],
    "imported": sorted(m for m in heavy if m in sys.modules),
}))
"""


def _probe(code: str = PROBE) -> dict[str, list[str]]:
    out = subprocess.run([sys.executable, "-c", code, json.dumps(HEAVY)], capture_output=True, text=True,
                         check=True)
    result: dict[str, list[str]] = json.loads(out.stdout)
    return result


def test_loading_the_plugins_imports_no_client_library() -> None:
    found = _probe()
    assert not found["failures"], f"plugins failed to load: {found['failures']}"
    assert found["providers"], "no provider installed: nothing was checked"
    assert "kubernetes" in found["installed"]  # a core dependency: the check below is not vacuous
    assert found["imported"] == [], f"loading eksa_core and its plugins imported {found['imported']}"


def test_the_kubernetes_client_loads_when_a_client_is_made() -> None:
    code = PROBE.replace("plugins = eksa_core.default_plugins()", """plugins = eksa_core.default_plugins()
from kubernetes import client
from eksa_core.kube import KubeClient
KubeClient(configuration=client.Configuration()).close()""")
    found = _probe(code)
    assert "kubernetes" in found["imported"]


@pytest.mark.parametrize("provider,module", [("vsphere", "pyVmomi"), ("cloudstack", "requests")])
def test_a_provider_client_library_loads_on_first_use(provider: str, module: str) -> None:
    uses = {
        "vsphere": "from eksa_vsphere.client import VCenter",
        "cloudstack": "from eksa_cloudstack.client import CloudStackClient\n"
                      "CloudStackClient('https://127.0.0.1/client/api', 'k', 's')",
    }
    anchor = "plugins = eksa_core.default_plugins()"
    code = PROBE.replace(anchor, anchor + "\n" + uses[provider])
    found = _probe(code)
    if provider not in found["providers"]:
        pytest.skip(f"the {provider} provider is not installed")
    assert module in found["imported"]


def test_discovery_reads_no_package_metadata_and_builds_no_converter_once_the_scan_is_cached() -> None:
    code = PROBE.replace("heavy = json.loads(sys.argv[1])", "heavy = json.loads(sys.argv[1]) + ['cattrs', "
                         "'importlib.metadata']")
    code = code.replace('"imported": sorted(m for m in heavy if m in sys.modules),',
                        '"imported": sorted(m for m in heavy if m in sys.modules),\n'
                        '    "converter_built": __import__("eksa_core.convert").convert._converter is not None,')
    _probe(code)  # the first run may scan (and write the cache)
    found: dict[str, Any] = _probe(code)
    assert found["providers"] and not found["failures"]
    assert "cattrs" not in found["imported"] and "importlib.metadata" not in found["imported"], found["imported"]
    assert found["converter_built"] is False


VALIDATE_PROBE = """
import json, sys
from eksa_core.cli import main
code = main(sys.argv[2:])
heavy = json.loads(sys.argv[1])
print(json.dumps({"code": code, "imported": sorted(m for m in heavy if m in sys.modules)}))
"""


def test_validate_and_help_import_no_client_library(tmp_path: Any) -> None:
    from eksa_core.generate import generate_cluster_config, to_yaml

    spec = tmp_path / "dev.yaml"
    spec.write_text(to_yaml(generate_cluster_config("dev", "docker")))
    for argv, light in ((["validate", "-f", str(spec)], HEAVY),
                        (["--help"], (*HEAVY, "ruamel.yaml", "yaml", "cattrs", "eksa_core.models"))):
        out = subprocess.run([sys.executable, "-c", VALIDATE_PROBE, json.dumps(light), *argv], capture_output=True,
                             text=True, check=True, cwd=tmp_path)
        found = json.loads(out.stdout.strip().splitlines()[-1])
        assert found["code"] == 0, out.stderr
        assert found["imported"] == [], f"eksa {' '.join(argv[:1])} imported {found['imported']}"
