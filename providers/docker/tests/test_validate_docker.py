"""Docker validation hooks: static rules and the engine checks before a create."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from eksa_docker import plugin
from eksa_docker.machines import DockerSettings
from eksa_docker.validation import (
    DEV_ONLY_WARNING,
    ENDPOINT_NOT_SUPPORTED,
    MEMORY_WARNING,
    eksa_setup_and_validate_create,
    eksa_validate_config,
)
from test_machines_docker import DAEMON_DOWN, DOCKER_SPEC, FakeDockerRunner, failed, ok

from eksa_core import SpecErrors
from eksa_core.context import HookContext
from eksa_core.plugins import Plugins
from eksa_core.spec import Spec, parse_cluster_config
from eksa_core.testing import conformance_dir

WITH_ENDPOINT = DOCKER_SPEC.replace("    count: 1\n  workerNode", "    count: 1\n    endpoint:\n      host: 1.2.3.4\n"
                                    "  workerNode", 1)
WITH_KINDNETD = DOCKER_SPEC.replace("cilium: {}", "kindnetd: {}")


def plugins() -> Plugins:
    p = Plugins()
    p.register(plugin, name="eksa-provider-docker")
    return p


def spec_of(text: str) -> Spec:
    return Spec(parse_cluster_config(text, file="dev.yaml", registry=plugins().registry))


def test_endpoint_is_rejected_with_location() -> None:
    config = parse_cluster_config(WITH_ENDPOINT, file="dev.yaml", registry=plugins().registry)
    errors = plugins().for_datacenter_kind("DockerDatacenterConfig").eksa_validate_config(config=config)
    flat = [e for result in errors for e in result or []]
    assert [e.message for e in flat] == [ENDPOINT_NOT_SUPPORTED]
    located = config.locate(flat[0])
    assert (located.kind, located.name, located.field, located.line) == (
        "Cluster", "dev", "spec.controlPlaneConfiguration.endpoint.host", 10)


def test_valid_spec_and_kindnetd_pass() -> None:
    for text in (DOCKER_SPEC, WITH_KINDNETD):
        assert eksa_validate_config(parse_cluster_config(text, registry=plugins().registry)) == []


def test_other_providers_specs_are_ignored() -> None:
    text = WITH_ENDPOINT.replace("kind: DockerDatacenterConfig\n    name", "kind: VSphereDatacenterConfig\n    name")
    assert eksa_validate_config(parse_cluster_config(text, registry=plugins().registry)) is None


def test_conformance_docker_spec_parses_and_passes_provider_rules() -> None:
    path = (conformance_dir(__file__) or Path("no-conformance-fixtures")) / "api" / "cluster_docker.yaml"
    if not path.exists():
        pytest.skip("conformance fixtures not present")
    config = parse_cluster_config(path.read_text(), file=str(path), registry=plugins().registry)
    assert config.datacenter() is not None and config.datacenter().kind == "DockerDatacenterConfig"
    assert eksa_validate_config(config) == []


# -- setup and validate create ------------------------------------------------------------------------------

HEALTHY_INFO = json.dumps({"ServerVersion": "27.1.1", "MemTotal": 16_000_000_000, "CgroupDriver": "systemd",
                           "CgroupVersion": "2"})


def create(text: str, runner: FakeDockerRunner, *, dry_run: bool = False) -> HookContext:
    context = HookContext(cluster_dir=Path("dev"), dry_run=dry_run,
                          options={"settings": [DockerSettings(runner=runner)]})
    eksa_setup_and_validate_create(spec_of(text), context)
    return context


def test_create_warns_dev_only_and_checks_engine(caplog: pytest.LogCaptureFixture) -> None:
    runner = FakeDockerRunner({("version",): ok("27.1.1\n"), ("info",): ok(HEALTHY_INFO)})
    with caplog.at_level(1, logger="eksa"):
        create(DOCKER_SPEC, runner)
    assert (logging.INFO, DEV_ONLY_WARNING) in [(r.levelno, r.getMessage()) for r in caplog.records]
    assert [c[0] for c in runner.calls] == ["version", "info"]
    assert MEMORY_WARNING not in caplog.text


def test_create_rejects_old_docker() -> None:
    runner = FakeDockerRunner({("version",): ok("19.03.13\n"), ("info",): ok(HEALTHY_INFO)})
    with pytest.raises(SpecErrors) as exc:
        create(DOCKER_SPEC, runner)
    assert exc.value.messages == ["failed to validate docker: minimum requirements for docker version have not "
                                  "been met. Install Docker version 20.x.x or above"]


def test_create_with_unreachable_engine() -> None:
    runner = FakeDockerRunner({("version",): failed(DAEMON_DOWN, stdout="28.2.2\n"),
                               ("info",): failed(DAEMON_DOWN, stdout='{"ServerVersion": ""}')})
    with pytest.raises(SpecErrors) as exc:
        create(DOCKER_SPEC, runner)
    (message,) = exc.value.messages
    assert message.startswith("failed to validate docker: cannot reach the Docker engine (Cannot connect")


def test_low_memory_only_warns_at_v3(caplog: pytest.LogCaptureFixture) -> None:
    info = json.dumps({"ServerVersion": "27.1.1", "MemTotal": 4_000_000_000})
    runner = FakeDockerRunner({("version",): ok("27.1.1\n"), ("info",): ok(info)})
    with caplog.at_level(1, logger="eksa"):
        create(DOCKER_SPEC, runner)
    levels = {r.getMessage(): r.levelno for r in caplog.records}
    assert levels[MEMORY_WARNING] == logging.INFO - 3


def test_create_with_endpoint_fails_before_touching_docker() -> None:
    runner = FakeDockerRunner({})
    with pytest.raises(SpecErrors) as exc:
        create(WITH_ENDPOINT, runner)
    assert exc.value.messages == [ENDPOINT_NOT_SUPPORTED]
    assert exc.value.errors[0].file == "dev.yaml"
    assert runner.calls == []


def test_dry_run_records_instead_of_asking_docker() -> None:
    runner = FakeDockerRunner({})
    context = create(DOCKER_SPEC, runner, dry_run=True)
    assert runner.calls == []
    assert context.recorded == [{"action": "check-docker-engine", "minimum_major_version": 20}]
