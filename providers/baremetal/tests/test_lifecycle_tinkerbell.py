"""Bare metal lifecycle hooks: bootstrap-ip annotation and Tinkerbell stack requests (through a recording fake of
the installer, and the Helm installer's command lines through a recording runner), hardware applied to the
FaultInjectionAPIServer with a simulated rufio controller, the BMC wait and its timeout, BMC passwords never shown."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eksa_baremetal.lifecycle import (
    SKIP_CONTACT_CHECK_LABEL,
    SKIP_LOAD_BALANCER_WARNING,
    BMCNotContactableError,
    HelmStackInstaller,
    StackInstallRequest,
    eksa_post_bootstrap_setup,
    eksa_post_cluster_delete,
    eksa_post_workload_init,
    eksa_pre_capi_install_on_bootstrap,
    local_ip,
    wait_for_bmc,
)
from eksa_baremetal.settings import TinkerbellSettings
from eksa_baremetal.templates import BOOTSTRAP_IP_ANNOTATION
from test_setup_tinkerbell import (
    PASSWORD,
    SimulatedRufio,
    context,
    csv_row,
    make_spec,
    plugins,
    tinkerbell_double,
    write_csv,
)

from eksa_core.context import ClusterHandle
from eksa_core.errors import EksaError
from eksa_core.kube import KubeClient, RetryPolicy

BMC = "bmc.tinkerbell.org/v1alpha1"


class RecordingStackInstaller:
    """Fake :class:`~eksa_baremetal.lifecycle.StackInstaller`: records calls instead of running helm/docker."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def install(self, request: StackInstallRequest) -> None:
        self.calls.append(("install", request))

    def uninstall(self, request: StackInstallRequest) -> None:
        self.calls.append(("uninstall", request))

    def remove_local_smee(self) -> None:
        self.calls.append(("remove-local-smee", None))


@pytest.fixture
def double() -> Iterator[Any]:
    """The API-server double with the Tinkerbell kinds."""
    d = tinkerbell_double()
    try:
        yield d
    finally:
        d.stop()


def _handle(tmp_path: Path, name: str = "bm-bootstrap") -> ClusterHandle:
    return ClusterHandle(name, tmp_path / f"{name}.kubeconfig")


# -- stack -------------------------------------------------------------------------------------------------------


def test_pre_capi_install_annotates_and_installs_the_bootstrap_stack(tmp_path: Path) -> None:
    spec = make_spec()
    installer = RecordingStackInstaller()
    ctx = context(tmp_path, tinkerbell_bootstrap_ip="192.168.1.5", stack_installer=installer)
    request = eksa_pre_capi_install_on_bootstrap(spec, _handle(tmp_path), ctx)
    assert spec.cluster.metadata.annotations == {BOOTSTRAP_IP_ANNOTATION: "192.168.1.5"}
    assert installer.calls == [("install", request)]
    assert request is not None and request.bootstrap and request.kubeconfig == tmp_path / "bm-bootstrap.kubeconfig"
    chart = spec.versions_bundle().tinkerbell.tinkerbell_stack.tinkerbell_chart
    assert (request.chart, request.version) == (chart.repository, chart.tag)
    values = request.values
    assert values["publicIP"] == "192.168.1.5" and values["hostNetwork"] is True
    assert values["smee"]["deploy"] is False  # smee runs as the local container on the bootstrap machine
    assert values["smee"]["dhcp"] == {"mode": "reservation", "ip": "192.168.1.5", "allowUnknownHosts": False}
    assert values["backend"] == {"kube": {"namespace": "eksa-system"}}
    assert values["loadBalancer"]["enabled"] is False and values["dhcpRelay"]["enabled"] is False
    assert values["tinkServer"]["port"] == 42113 and values["tootles"]["port"] == 7172
    assert request.smee is not None and request.smee["image"] == values["smee"]["image"]
    assert [r["action"] for r in ctx.recorded] == ["annotate-cluster", "tinkerbell-stack-install"]


def test_bootstrap_ip_defaults_to_a_local_address(tmp_path: Path) -> None:
    spec = make_spec()
    ctx = context(tmp_path, stack_installer=RecordingStackInstaller())
    try:
        expected = local_ip()
    except EksaError as exc:  # a machine with loopback only: the hook says how to pass the IP
        with pytest.raises(EksaError, match="tinkerbell_bootstrap_ip"):
            eksa_pre_capi_install_on_bootstrap(spec, _handle(tmp_path), ctx)
        assert "--tinkerbell-bootstrap-ip" in str(exc)
        return
    eksa_pre_capi_install_on_bootstrap(spec, _handle(tmp_path), ctx)
    ip = (spec.cluster.metadata.annotations or {})[BOOTSTRAP_IP_ANNOTATION]
    assert ip == expected and not ip.startswith("127.")


def test_dry_run_records_the_stack_request_only(tmp_path: Path) -> None:
    spec = make_spec()
    installer = RecordingStackInstaller()
    ctx = context(tmp_path, dry_run=True, tinkerbell_bootstrap_ip="192.168.1.5",
                  stack_installer=installer)
    eksa_pre_capi_install_on_bootstrap(spec, _handle(tmp_path), ctx)
    eksa_post_workload_init(spec, _handle(tmp_path, "bm"), ctx)
    eksa_post_cluster_delete(spec, _handle(tmp_path), ctx)
    assert installer.calls == []
    assert [r["action"] for r in ctx.recorded] == [
        "annotate-cluster", "tinkerbell-stack-install", "tinkerbell-stack-install", "remove-local-smee",
        "tinkerbell-stack-uninstall"]


def test_post_workload_init_installs_the_stack_with_a_load_balancer(tmp_path: Path) -> None:
    installer = RecordingStackInstaller()
    ctx = context(tmp_path, stack_installer=installer)
    request = eksa_post_workload_init(make_spec(), _handle(tmp_path, "bm"), ctx)
    assert request is not None and not request.bootstrap and request.smee is None
    assert request.values["publicIP"] == "10.0.0.20"
    assert request.values["loadBalancer"]["enabled"] is True and request.values["dhcpRelay"]["enabled"] is True
    assert installer.calls == [("install", request), ("remove-local-smee", None)]


def test_skip_load_balancer_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    installer = RecordingStackInstaller()
    spec = make_spec(dc_extra="  skipLoadBalancerDeployment: true")
    with caplog.at_level(logging.WARNING, logger="eksa"):
        request = eksa_post_workload_init(spec, _handle(tmp_path, "bm"), context(
            tmp_path, stack_installer=installer))
    assert SKIP_LOAD_BALANCER_WARNING in caplog.text
    assert request is not None and request.values["loadBalancer"]["enabled"] is False


def test_no_load_balancer_without_workers(tmp_path: Path) -> None:
    request = eksa_post_workload_init(make_spec(workers=None), _handle(tmp_path, "bm"),
                                      context(tmp_path, stack_installer=RecordingStackInstaller()))
    assert request is not None and request.values["loadBalancer"]["enabled"] is False


def test_post_cluster_delete_uninstalls_the_local_stack(tmp_path: Path) -> None:
    installer = RecordingStackInstaller()
    spec = make_spec()
    spec.cluster.annotate(BOOTSTRAP_IP_ANNOTATION, "192.168.1.5")
    eksa_post_cluster_delete(spec, _handle(tmp_path), context(tmp_path, stack_installer=installer))
    [(verb, request)] = installer.calls
    assert verb == "uninstall" and request.bootstrap and request.values["publicIP"] == "192.168.1.5"


def test_helm_installer_command_lines(tmp_path: Path) -> None:
    commands: list[list[str]] = []
    values_seen: list[str] = []

    def runner(argv: Any) -> None:
        commands.append(list(argv))
        if "--values" in argv:
            values_seen.append(Path(argv[argv.index("--values") + 1]).read_text())

    installer = HelmStackInstaller(runner=runner)
    ctx = context(tmp_path, tinkerbell_bootstrap_ip="192.168.1.5", stack_installer=installer)
    spec = make_spec()
    request = eksa_pre_capi_install_on_bootstrap(spec, _handle(tmp_path), ctx)
    assert request is not None
    docker_rm, docker_run, helm = commands
    assert docker_rm == ["docker", "rm", "-f", "smee"]
    assert docker_run[:7] == ["docker", "run", "-d", "--name", "smee", "--network", "host"]
    assert request.smee is not None and request.smee["image"] in docker_run
    assert helm[:4] == ["helm", "upgrade", "--install", "tinkerbell"]
    assert helm[4] == f"oci://{request.chart}" and helm[helm.index("--version") + 1] == request.version
    assert helm[helm.index("--namespace") + 1] == "eksa-system"
    assert helm[-2:] == ["--kubeconfig", str(tmp_path / "bm-bootstrap.kubeconfig")]
    assert "publicIP: 192.168.1.5" in values_seen[0]
    commands.clear()
    installer.uninstall(request)
    assert commands == [["helm", "uninstall", "tinkerbell", "--namespace", "eksa-system", "--ignore-not-found",
                         "--kubeconfig", str(tmp_path / "bm-bootstrap.kubeconfig")], ["docker", "rm", "-f", "smee"]]


def test_helm_installer_reports_failures() -> None:
    def runner(argv: Any) -> None:
        raise EksaError("helm upgrade --install failed: chart not found")

    request = StackInstallRequest(cluster="c", kubeconfig=None, chart="example/chart", version="1", values={},
                                  bootstrap=False)
    with pytest.raises(EksaError, match="chart not found"):
        HelmStackInstaller(runner=runner).install(request)

    def missing(argv: Any) -> None:
        raise EksaError("Error: No such container: smee")

    HelmStackInstaller(runner=missing).remove_local_smee()  # nothing to remove is fine


# -- hardware and BMCs -------------------------------------------------------------------------------------------


def _bootstrap(tmp_path: Path, double: Any, rufio: SimulatedRufio, **options: Any) -> tuple[ClusterHandle, Any]:
    handle = ClusterHandle("bm-bootstrap", double.write_kubeconfig(tmp_path / "bootstrap.kubeconfig"))
    path = write_csv(tmp_path, [csv_row(1, "type=cp"), csv_row(2, "type=worker"), csv_row(3, "type=x", bmc=False)])
    return handle, context(tmp_path, hardware_csv=str(path), kube_factory=rufio.factory, **options)


def test_post_bootstrap_setup_applies_hardware_and_waits_for_bmcs(
        tmp_path: Path, double: Any, caplog: pytest.LogCaptureFixture) -> None:
    rufio = SimulatedRufio(double)
    handle, ctx = _bootstrap(tmp_path, double, rufio)
    with caplog.at_level(logging.DEBUG):
        eksa_post_bootstrap_setup(make_spec(), handle, ctx)
    names = [h["metadata"]["name"] for h in double.list_objects("tinkerbell.org/v1alpha1", "Hardware")]
    assert names == ["host1", "host2", "host3"]
    machines = double.list_objects(BMC, "Machine", "eksa-system")
    assert [m["metadata"]["name"] for m in machines] == ["bmc-host1", "bmc-host2"]
    assert all(c["type"] == "Contactable" and c["status"] == "True"
               for m in machines for c in m["status"]["conditions"])
    secrets = [s["metadata"]["name"] for s in double.list_objects("v1", "Secret", "eksa-system")]
    assert secrets == ["bmc-host1-auth", "bmc-host2-auth"]
    assert rufio.sleeps == [5.0]  # one poll: the controller answered
    assert ctx.recorded == [{"action": "apply-hardware", "cluster": "bm-bootstrap",
                             "hardware": ["host1", "host2", "host3"], "bmc": ["bmc-host1", "bmc-host2"]}]
    assert PASSWORD not in caplog.text and PASSWORD not in repr(ctx.recorded)


def test_bmc_wait_times_out_naming_the_machines(tmp_path: Path, double: Any, caplog: pytest.LogCaptureFixture) -> None:
    rufio = SimulatedRufio(double, never=("bmc-host2",))
    handle, ctx = _bootstrap(tmp_path, double, rufio, bmc_timeout=60)
    with caplog.at_level(logging.DEBUG), pytest.raises(BMCNotContactableError) as info:
        eksa_post_bootstrap_setup(make_spec(), handle, ctx)
    message = str(info.value)
    assert message.startswith("waiting for baseboard management to be contactable: timed out after 60s: ")
    assert "bmc-host2: no Contactable condition" in message and "bmc-host1" not in message
    assert info.value.machines == ["bmc-host2"]
    assert rufio.now == 60.0  # one shared deadline, on the fake clock
    assert PASSWORD not in message and PASSWORD not in caplog.text


def test_machines_labelled_skip_contact_check_are_not_waited_for(tmp_path: Path, double: Any) -> None:
    double.put_object({"apiVersion": BMC, "kind": "Machine",
                       "metadata": {"name": "bmc-rpc", "namespace": "eksa-system",
                                    "labels": {SKIP_CONTACT_CHECK_LABEL: "true"}}, "spec": {}})
    double.put_object({"apiVersion": BMC, "kind": "Machine",
                       "metadata": {"name": "bmc-ok", "namespace": "eksa-system"}, "spec": {},
                       "status": {"conditions": [{"type": "Contactable", "status": "True"}]}})
    rufio = SimulatedRufio(double, never=("bmc-rpc",))
    kube = KubeClient(double.write_kubeconfig(tmp_path / "k"), sleep=rufio.sleep, clock=rufio.clock,
                      retry=RetryPolicy())
    wait_for_bmc(kube, context(tmp_path), timeout=30)
    assert rufio.sleeps == []  # bmc-ok was contactable already, bmc-rpc skipped


def test_contactable_false_reason_is_reported(tmp_path: Path, double: Any) -> None:
    double.put_object({"apiVersion": BMC, "kind": "Machine",
                       "metadata": {"name": "bmc-bad", "namespace": "eksa-system"}, "spec": {},
                       "status": {"conditions": [{"type": "Contactable", "status": "False",
                                                  "message": "401 unauthorized"}]}})
    rufio = SimulatedRufio(double, never=("bmc-bad",))
    kube = KubeClient(double.write_kubeconfig(tmp_path / "k"), sleep=rufio.sleep, clock=rufio.clock,
                      retry=RetryPolicy())
    with pytest.raises(BMCNotContactableError, match='bmc-bad: Contactable=False message="401 unauthorized"'):
        wait_for_bmc(kube, context(tmp_path), timeout=10)


def test_lifecycle_hooks_are_wired(tmp_path: Path) -> None:
    hooks = plugins().provider("tinkerbell")
    installer = RecordingStackInstaller()
    ctx = context(tmp_path, tinkerbell_bootstrap_ip="192.168.1.5", stack_installer=installer)
    spec = make_spec()
    hooks.eksa_pre_capi_install_on_bootstrap(spec=spec, cluster=_handle(tmp_path), context=ctx)
    hooks.eksa_post_workload_init(spec=spec, cluster=_handle(tmp_path, "bm"), context=ctx)
    hooks.eksa_post_cluster_delete(spec=spec, cluster=_handle(tmp_path), context=ctx)
    assert [verb for verb, _ in installer.calls] == ["install", "install", "remove-local-smee", "uninstall"]


def test_create_dry_run_plan_through_the_workflow(tmp_path: Path) -> None:
    """The hooks inside the core's create workflow (dry run): every step recorded, no BMC password in the plan."""
    import json

    from eksa_core.workflows import WorkflowOptions, create_cluster

    path = write_csv(tmp_path, [csv_row(1, "type=cp"), csv_row(2, "type=worker")])
    options = WorkflowOptions(hook_options={"hardware_csv": str(path), "tinkerbell_bootstrap_ip": "192.168.9.9",
                                            "settings": [TinkerbellSettings(local_ports=())]})
    plan: Any = create_cluster(make_spec(), plugins=plugins(), workdir=tmp_path, dry_run=True, options=options)
    text = plan.to_text()
    for action in ("check-ip-in-use", "annotate-cluster", "tinkerbell-stack-install", "apply-hardware"):
        assert f"hookAction={action}" in text
    assert PASSWORD not in text and PASSWORD not in json.dumps(plan.to_dict(), default=str)
