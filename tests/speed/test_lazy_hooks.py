"""Lazy hook implementations (eksa_core.lazyhooks): a plugin module loads without the modules of its hooks, the
first call imports the module and answers as the function itself does, and a misspelt hook fails at once."""

from __future__ import annotations

import json
import subprocess
import sys
import types
from pathlib import Path

import pluggy
import pytest

from eksa_core.contract import PROJECT_NAME, SPEC_CLASSES
from eksa_core.lazyhooks import lazy_hook


def _package(tmp_path: Path, name: str) -> Path:
    pkg = tmp_path / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "impl.py").write_text(
        "CALLS = []\n"
        "def eksa_validate_config(config):\n"
        "    CALLS.append(config)\n"
        "    return [f'checked {config}']\n"
        "def eksa_update_kubeconfig(kubeconfig, cluster_name):\n"
        "    return f'{cluster_name}:{kubeconfig}'\n"
        "def eksa_env_map(spec):  # fewer parameters than the specification (spec, context)\n"
        "    return {'SPEC': spec}\n"
    )
    return pkg


def test_the_module_loads_on_the_first_call_and_answers_through_pluggy(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _package(tmp_path, "lazyhook_pkg")
    monkeypatch.syspath_prepend(str(tmp_path))
    plugin = types.ModuleType("lazyhook_pkg.plugin")
    plugin.eksa_validate_config = lazy_hook("lazyhook_pkg.plugin", ".impl", "eksa_validate_config")  # type: ignore[attr-defined]
    plugin.eksa_env_map = lazy_hook("lazyhook_pkg.plugin", ".impl", "eksa_env_map")  # type: ignore[attr-defined]
    plugin.eksa_update_kubeconfig = lazy_hook("lazyhook_pkg.plugin", ".impl",  # type: ignore[attr-defined]
                                              "eksa_update_kubeconfig")
    assert "lazyhook_pkg.impl" not in sys.modules
    pm = pluggy.PluginManager(PROJECT_NAME)
    for spec_class in SPEC_CLASSES:
        pm.add_hookspecs(spec_class)
    pm.register(plugin)
    pm.check_pending()
    assert "lazyhook_pkg.impl" not in sys.modules  # registering did not import it
    assert pm.hook.eksa_validate_config(config="c1") == [["checked c1"]]
    impl = sys.modules["lazyhook_pkg.impl"]
    assert impl.CALLS == ["c1"]
    assert pm.hook.eksa_env_map(spec="s", context="ctx") == {"SPEC": "s"}  # firstresult hooks
    assert pm.hook.eksa_update_kubeconfig(kubeconfig="k", cluster_name="n") == "n:k"
    # called directly, by keyword or by position, as the function itself
    assert plugin.eksa_update_kubeconfig(kubeconfig="k2", cluster_name="n2") == "n2:k2"
    assert plugin.eksa_validate_config("c2") == ["checked c2"]
    assert impl.CALLS == ["c1", "c2"]


def test_a_name_that_is_not_a_hook_is_refused_when_the_plugin_loads() -> None:
    with pytest.raises(ValueError, match="eksa_validate_konfig is not a hook"):
        lazy_hook("somewhere.plugin", ".impl", "eksa_validate_konfig")


def test_a_missing_module_fails_the_call_that_needs_it() -> None:
    hook = lazy_hook("no_such_package_here.plugin", ".impl", "eksa_validate_config")
    with pytest.raises(ModuleNotFoundError):
        hook(config=None)


def test_discovery_imports_only_the_registration_modules_of_the_providers() -> None:
    code = ("import json, sys, eksa_core\nplugins = eksa_core.default_plugins()\n"
            "print(json.dumps({'providers': sorted(plugins.providers), 'failures': [f.name for f in plugins.failures],"
            " 'modules': sorted(m for m in sys.modules if m.startswith(('eksa_docker', 'eksa_vsphere')))}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    found = json.loads(out.stdout)
    if "docker" not in found["providers"]:
        pytest.skip("the docker provider is not installed")
    assert found["failures"] == []
    loaded = set(found["modules"])
    assert {"eksa_docker.plugin", "eksa_docker.provider"} <= loaded
    assert not loaded & {"eksa_docker.templates", "eksa_docker.validation", "eksa_docker.machines",
                         "eksa_docker.lifecycle", "eksa_vsphere.templates", "eksa_vsphere.validation"}, loaded


def test_eksa_help_loads_neither_the_contract_nor_the_models() -> None:
    code = ("import contextlib, io, json, sys\nfrom eksa_core.cli import main\nout = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n    try:\n        main(['--help'])\n    except SystemExit:\n"
            "        pass\nprint(json.dumps({'help': out.getvalue(), 'modules': sorted(sys.modules)}))")
    found = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                      check=True).stdout)
    assert "create" in found["help"] and "validate" in found["help"]
    loaded = set(found["modules"])
    assert not loaded & {"eksa_core.contract", "eksa_core.models", "eksa_core.plugins", "ruamel.yaml", "cattrs"}


def test_the_cli_marks_its_progress_plugin_as_the_contract_does() -> None:
    from eksa_core import cli, contract

    assert cli.hookimpl.project_name == contract.hookimpl.project_name == contract.PROJECT_NAME


def test_implementation_names_the_function_a_lazy_hook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from eksa_core.lazyhooks import implementation

    _package(tmp_path, "lazyhook_pkg2")
    monkeypatch.syspath_prepend(str(tmp_path))
    hook = lazy_hook("lazyhook_pkg2.plugin", ".impl", "eksa_env_map")
    assert implementation(hook) is sys.modules["lazyhook_pkg2.impl"].eksa_env_map
    assert implementation(len) is len
