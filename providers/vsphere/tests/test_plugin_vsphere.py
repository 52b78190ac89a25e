"""The vSphere plugin loads through its entry point and registers its kinds and hooks."""

from __future__ import annotations

import importlib.metadata

from eksa_core.plugins import Plugins


def test_entry_point_declared() -> None:
    eps = {ep.name: ep.value for ep in importlib.metadata.entry_points(group="eksa.providers")}
    assert eps.get("vsphere") == "eksa_vsphere.plugin"


def test_plugins_load_vsphere_and_its_kinds() -> None:
    plugins = Plugins()
    plugins.load_entry_points()
    assert not [f for f in plugins.failures if f.name == "vsphere"]
    hooks = plugins.for_datacenter_kind("VSphereDatacenterConfig")
    assert hooks.info.name == "vsphere"
    assert hooks.info.machine_kind == "VSphereMachineConfig"
    assert hooks.info.version == importlib.metadata.version("eksa-provider-vsphere")
    for kind in ("VSphereDatacenterConfig", "VSphereMachineConfig"):
        info = plugins.registry.get(kind)
        assert info is not None and info.owner == "eksa-provider-vsphere"
    names = {impl.plugin_name for impl in plugins.manager.hook.eksa_validate_config.get_hookimpls()}
    assert "eksa-provider-vsphere" in names
    for hook in ("eksa_set_defaults", "eksa_setup_and_validate_create", "eksa_setup_and_validate_upgrade",
                 "eksa_setup_and_validate_delete", "eksa_validate_new_spec", "eksa_machine_configs",
                 "eksa_needs_new_machine_templates", "eksa_cleanup_machines", "eksa_update_secrets",
                 "eksa_pre_capi_install_on_bootstrap", "eksa_generate_cluster_config"):
        impls = getattr(plugins.manager.hook, hook).get_hookimpls()
        assert "eksa-provider-vsphere" in {i.plugin_name for i in impls}, hook
