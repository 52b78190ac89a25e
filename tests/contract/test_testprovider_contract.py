"""The provider contract kit (:mod:`eksa_core.testing`) run against the test provider, and the kit's checks
catching broken providers."""

from __future__ import annotations

from typing import Any

import pytest

from eksa_core import SpecError, hookimpl
from eksa_core.plugins import Plugins, ProviderInfo
from eksa_core.testing import (
    ProviderContract,
    build_spec,
    check_no_secret_leaks,
    check_provider_info,
    check_static_validation,
    check_templates,
)
from tests.workflows.harness import ENV, make_plugins, spec_text

INVALID = spec_text("bad", endpoint='""').replace("cpus: 4", "cpus: -1")


class TestTestProviderContract(ProviderContract):
    """The test provider honours the contract."""

    provider_name = "testprovider"
    distribution = "eksa-provider-testprovider"
    valid_spec = spec_text("contract")
    invalid_spec = INVALID
    invalid_fields = {("TestDatacenterConfig", "spec.endpoint"), ("TestMachineConfig", "spec.cpus")}
    env = dict(ENV)


# -------------------------------------------------------------------------------- the kit catches mistakes


class _Broken:
    """A provider whose hooks break the contract in ways a test chooses."""

    def __init__(self, **flaws: bool) -> None:
        self.flaws = flaws

    @hookimpl
    def eksa_provider(self) -> ProviderInfo:
        return ProviderInfo(name="broken", datacenter_kind="BrokenDatacenterConfig", machine_kind="",
                            kinds=(_broken_kind(),),
                            version="" if self.flaws.get("no_version") else "1.0")


def _broken_kind() -> Any:
    import attrs

    from eksa_core.convert import field
    from eksa_core.models import DatacenterConfigObject

    @attrs.define(kw_only=True)
    class BrokenDatacenterConfig(DatacenterConfigObject):
        KIND = "BrokenDatacenterConfig"
        spec: dict[str, Any] | None = field()

    return BrokenDatacenterConfig


def test_provider_info_without_version_is_reported() -> None:
    plugins = Plugins()
    plugins.register(_Broken(no_version=True), name="broken")
    with pytest.raises(AssertionError, match="version is empty"):
        check_provider_info(plugins, "broken")


class _LeakyTemplates:
    """Add-on that makes the test provider's renders wrong (wrong namespace, bad names, a leaked password)."""

    def __init__(self, flaw: str) -> None:
        self.flaw = flaw

    @hookimpl(hookwrapper=True)
    def eksa_generate_control_plane(self, spec: Any, options: Any) -> Any:
        outcome = yield
        objects = [dict(o) for o in outcome.get_result()]
        if self.flaw == "namespace":
            objects[0] = {**objects[0], "metadata": {**objects[0]["metadata"], "namespace": "default"}}
        if self.flaw == "name":
            for obj in objects:
                if obj["kind"] == "KubeadmControlPlane":
                    obj["spec"]["machineTemplate"]["spec"]["infrastructureRef"]["name"] = "cp-template"
        if self.flaw == "leak":
            objects[1] = {**objects[1], "spec": {**objects[1]["spec"], "password": ENV["TESTPROVIDER_PASSWORD"]}}
        outcome.force_result(objects)


@pytest.mark.parametrize(("flaw", "message"), [
    ("namespace", "is not in namespace eksa-system"),
    ("name", "should be contract-control-plane-<n>"),
])
def test_template_checks_catch_flaws(flaw: str, message: str, monkeypatch: pytest.MonkeyPatch) -> None:
    plugins = make_plugins(_LeakyTemplates(flaw))
    for key, value in ENV.items():
        monkeypatch.setenv(key, value)
    spec = build_spec(plugins, spec_text("contract"), env=ENV)
    with pytest.raises(AssertionError, match=message):
        check_templates(plugins, "testprovider", spec)



class _RenamedWorkers:
    """Add-on that renames the test provider's MachineDeployment and its machine template."""

    def __init__(self, deployment: str, template: str) -> None:
        self.deployment, self.template = deployment, template

    @hookimpl(hookwrapper=True)
    def eksa_generate_workers(self, spec: Any, machine_template_names: Any, kubeadm_config_template_names: Any,
                              options: Any) -> Any:
        outcome = yield
        objects = [dict(o) for o in outcome.get_result()]
        for obj in objects:
            if obj["kind"] == "MachineDeployment":
                obj["metadata"] = {**obj["metadata"], "name": self.deployment}
                obj["spec"]["template"]["spec"]["infrastructureRef"]["name"] = self.template
        outcome.force_result(objects)


@pytest.mark.parametrize(("deployment", "template"), [
    ("contract-md-0", "contract-md-0-1"),
    ("contract-md-0-fd-a", "contract-md-0-1-fd-a"),  # a group split over failure domains (Nutanix)
    ("contract-md-0-fd-a", "contract-md-0-1"),
])
def test_worker_names_follow_eksa(deployment: str, template: str) -> None:
    plugins = make_plugins(_RenamedWorkers(deployment, template))
    check_templates(plugins, "testprovider", build_spec(plugins, spec_text("contract"), env=ENV))


@pytest.mark.parametrize(("deployment", "template", "message"), [
    ("contract-workers", "contract-md-0-1", "MachineDeployment contract-workers should be contract-<group>"),
    ("contract-md-0", "contract-md-7-1", "contract-md-7-1 of MachineDeployment contract-md-0 should be"),
    ("contract-md-0", "contract-md-0-1-fd-a", "contract-md-0-1-fd-a of MachineDeployment contract-md-0 should be"),
    ("contract-md-0-fd-a", "contract-md-0-1-fd-b", "of MachineDeployment contract-md-0-fd-a should be"),
])
def test_worker_name_checks_catch_flaws(deployment: str, template: str, message: str) -> None:
    plugins = make_plugins(_RenamedWorkers(deployment, template))
    spec = build_spec(plugins, spec_text("contract"), env=ENV)
    with pytest.raises(AssertionError, match=message):
        check_templates(plugins, "testprovider", spec)

def test_leak_check_catches_a_password_outside_secrets() -> None:
    plugins = make_plugins(_LeakyTemplates("leak"))
    spec = build_spec(plugins, spec_text("contract"), env=ENV)
    with pytest.raises(AssertionError, match="leaks into TestCluster contract"):
        check_no_secret_leaks(plugins, "testprovider", spec, ENV)



def test_leak_check_looks_for_given_secrets_too() -> None:
    """A credential inside a file the environment names is not an env value: the caller hands it over."""
    plugins = make_plugins(_LeakyTemplates("leak"))
    spec = build_spec(plugins, spec_text("contract"), env=ENV)
    with pytest.raises(AssertionError, match="leaks into TestCluster contract"):
        check_no_secret_leaks(plugins, "testprovider", spec, {}, secrets=[ENV["TESTPROVIDER_PASSWORD"]])

def test_secret_values_inside_secrets_are_fine() -> None:
    plugins = make_plugins()
    spec = build_spec(plugins, spec_text("contract"), env=ENV)
    check_no_secret_leaks(plugins, "testprovider", spec, ENV)  # the cloud-config Secret holds the password


class _UnlocatedErrors:
    @hookimpl
    def eksa_validate_config(self, config: Any) -> list[SpecError]:
        return [SpecError("something is wrong")]


def test_static_validation_check_requires_locations() -> None:
    plugins = make_plugins(_UnlocatedErrors())
    with pytest.raises(AssertionError, match="does not say which object"):
        check_static_validation(plugins, "testprovider", INVALID)
