"""Live CloudStack validations (the setup-and-validate hooks) against :class:`CloudStackAPIDouble` (a double of
CloudStack's API: no CloudStack can run here). Every check passes on a complete world and fails, with EKS-A's
message at the right field, when its object is missing; all failures come in one ``SpecErrors``. The management
cluster checks read a real management cluster: the session's real control plane of ``eksa_core.testing`` with EKS
Anywhere's CRDs (marked ``realkube``)."""

from __future__ import annotations

import base64
import logging
import socket
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from apidouble import CloudStackAPIDouble
from eksa_cloudstack import live
from eksa_cloudstack.credentials import SECRET_NAMESPACE
from eksa_cloudstack.validation import (
    eksa_setup_and_validate_create,
    eksa_setup_and_validate_delete,
    eksa_setup_and_validate_upgrade,
)

from eksa_core import load_spec_text
from eksa_core.context import ClusterHandle, HookContext
from eksa_core.errors import SpecError, SpecErrors
from eksa_core.kube import KubeClient
from eksa_core.plugins import default_plugins
from eksa_core.spec import Spec
from eksa_core.testing.controlplane import ControlPlane

API_KEY = "test-api-key-AAAA"
SECRET_KEY = "test-secret-key-BBBB"

SPEC = """\
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: Cluster
metadata:
  name: {cluster}
  namespace: default
spec:
  clusterNetwork:
    cniConfig: {{cilium: {{}}}}
    pods: {{cidrBlocks: [192.168.0.0/16]}}
    services: {{cidrBlocks: [10.96.0.0/12]}}
  controlPlaneConfiguration:
    count: 1
    endpoint: {{host: "{endpoint}"}}
    machineGroupRef: {{kind: CloudStackMachineConfig, name: cp}}
  datacenterRef: {{kind: CloudStackDatacenterConfig, name: dc}}
  kubernetesVersion: "1.28"{management}
  workerNodeGroupConfigurations:
  - name: md-0
    count: 1
    machineGroupRef: {{kind: CloudStackMachineConfig, name: workers}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: CloudStackDatacenterConfig
metadata:
  name: dc
  namespace: default
spec:
  availabilityZones:
  - name: az-1
    credentialsRef: global
    domain: domain1
    account: admin
    managementApiEndpoint: "{url}"
    zone:
      name: zone1
      network: {{name: net1}}
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: CloudStackMachineConfig
metadata:
  name: cp
  namespace: default
spec:
  computeOffering: {{name: m4-large}}
  template: {{name: rhel-8-kube-1-28}}
  users: [{{name: capc, sshAuthorizedKeys: ["ssh-rsa AAAA"]}}]
  affinityGroupIds: [g-1]
---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: CloudStackMachineConfig
metadata:
  name: workers
  namespace: default
spec:
  computeOffering: {{name: m4-large}}
  template: {{name: rhel-8-kube-1-28}}
  users: [{{name: capc, sshAuthorizedKeys: ["ssh-rsa AAAA"]}}]
  diskOffering:
    name: Custom
    customSizeInGB: 20
    mountPath: /data
    device: /dev/vdb
    filesystem: ext4
    label: data_disk
"""


def ini(url: str, secret: str = SECRET_KEY, name: str = "Global") -> str:
    return f"[{name}]\napi-key = {API_KEY}\nsecret-key = {secret}\napi-url = {url}\nverify-ssl = false\n"


def env_for(url: str, secret: str = SECRET_KEY) -> dict[str, str]:
    return {"EKSA_CLOUDSTACK_B64ENCODED_SECRET": base64.b64encode(ini(url, secret).encode()).decode()}


@pytest.fixture
def double() -> Iterator[CloudStackAPIDouble]:
    with CloudStackAPIDouble({API_KEY: SECRET_KEY}) as d:
        seed(d)
        yield d


def seed(d: CloudStackAPIDouble) -> None:
    """A world in which the spec above is valid."""
    domain = d.add_domain("ROOT/domain1", id="dom-1")
    d.add_domain("ROOT/other/domain1", id="dom-2")  # same name elsewhere: the path decides
    d.add_account("admin", domain["id"])
    zone = d.add_zone("zone1", id="zone-1")
    d.add_zone("zone2", id="zone-2")
    d.add_network("net1", zone["id"], domainid="dom-1", account="admin", id="net-1")
    d.add_network("net1", "zone-2", domainid="dom-1", account="admin")  # same name in another zone is fine
    d.add_template("rhel-8-kube-1-28", zone["id"], id="tmpl-1")
    d.add_service_offering("m4-large", id="so-1")
    d.add_disk_offering("Custom", customized=True, id="do-1")
    d.add_disk_offering("Fixed", customized=False, id="do-2")
    d.add_affinity_group("g-1", "cp-anti", domainid="dom-1", account="admin")


def make_spec(url: str, *, cluster: str = "mgmt", endpoint: str = "10.0.0.1", management: str | None = None,
              edit: Any = None) -> Spec:
    mgmt = f"\n  managementCluster: {{name: {management}}}" if management else ""
    text = SPEC.format(cluster=cluster, endpoint=endpoint, url=url, management=mgmt)
    if edit is not None:
        text = edit(text)
    return Spec(config=load_spec_text(text, file="cluster.yaml", env={}))


def context(tmp_path: Path, env: dict[str, str], **options: Any) -> HookContext:
    options.setdefault("skip_ip_check", True)
    return HookContext(cluster_dir=tmp_path, env=env, options=options)


def failures(spec: Spec, ctx: HookContext, operation: str = "create", **kw: Any) -> list[SpecError]:
    with pytest.raises(SpecErrors) as info:
        live.run_setup_and_validate(spec, ctx, operation, **kw)
    return list(info.value)


# -- everything passes ----------------------------------------------------------------------------------------


def test_valid_world_passes_and_prints_pass_lines(double: CloudStackAPIDouble, tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    spec = make_spec(double.url)
    with caplog.at_level(logging.INFO):
        live.run_setup_and_validate(spec, context(tmp_path, env_for(double.url)), "create")
    messages = [r.getMessage() for r in caplog.records]
    assert "✅ Datacenter validated" in messages
    assert "✅ Validated cluster Machine Configs" in messages
    used = set(double.commands())
    assert {"listDomains", "listAccounts", "listZones", "listNetworks", "listTemplates", "listServiceOfferings",
            "listDiskOfferings", "listAffinityGroups"} <= used
    templates = [r.params for r in double.requests if r.command == "listTemplates"]
    assert all(p["templatefilter"] == "all" and p["listall"] == "true" and p["zoneid"] == "zone-1"
               for p in templates)
    domains = [r.params for r in double.requests if r.command == "listDomains"]
    assert domains[0]["name"] == "domain1" and domains[0]["listall"] == "true"


def test_hooks_through_the_plugin_manager(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    spec = make_spec(double.url)
    hooks = default_plugins().provider("cloudstack")
    ctx = context(tmp_path, env_for(double.url))
    hooks.eksa_setup_and_validate_create(spec=spec, context=ctx)
    assert "listZones" in double.commands()
    bad = make_spec(double.url, edit=lambda t: t.replace("name: zone1", "name: zone9"))
    with pytest.raises(SpecErrors, match="zone9"):
        hooks.eksa_setup_and_validate_upgrade(spec=bad, current_spec=spec, context=ctx)
    # One implementation per hook: the plugin module's hooks run the functions of validation.py / machines.py.
    from eksa_cloudstack import machines, plugin

    from eksa_core.provider import implementation
    assert implementation(plugin.eksa_setup_and_validate_create) is eksa_setup_and_validate_create
    assert implementation(plugin.eksa_cleanup_machines) is machines.eksa_cleanup_machines


def test_ids_instead_of_names(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    def edit(text: str) -> str:
        return (text.replace("name: zone1", "id: zone-1").replace("{name: net1}", "{id: net-1}")
                .replace("template: {name: rhel-8-kube-1-28}", "template: {id: tmpl-1}", 1))
    live.run_setup_and_validate(make_spec(double.url, edit=edit), context(tmp_path, env_for(double.url)), "create")
    zone_calls = [r.params for r in double.requests if r.command == "listZones"]
    assert zone_calls[0].get("id") == "zone-1" and "name" not in zone_calls[0]


def test_root_domain(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    double.add_account("admin", "root-domain")
    double.add_network("net1", "zone-1", domainid="root-domain", account="admin")
    double.add_affinity_group("g-1", "root-g", domainid="root-domain", account="admin")
    spec = make_spec(double.url, edit=lambda t: t.replace("domain: domain1", "domain: ROOT"))
    live.run_setup_and_validate(spec, context(tmp_path, env_for(double.url)), "create")


# -- each check fails -----------------------------------------------------------------------------------------


def _one(errors: list[SpecError]) -> SpecError:
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def test_zone_not_found(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    spec = make_spec(double.url, edit=lambda t: t.replace("name: zone1", "name: zone9"))
    err = _one(failures(spec, context(tmp_path, env_for(double.url))))
    assert err.message == "zone { zone9 { net1}} not found"
    assert (err.kind, err.name, err.field) == ("CloudStackDatacenterConfig", "dc",
                                               "spec.availabilityZones[0].zone.name")
    assert err.file == "cluster.yaml" and err.line is not None


def test_duplicate_zone(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    double.add_zone("zone1")
    err = _one(failures(make_spec(double.url), context(tmp_path, env_for(double.url))))
    assert err.message == "duplicate zone { zone1 { net1}} found"


def test_domain_not_found(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    spec = make_spec(double.url, edit=lambda t: t.replace("domain: domain1", "domain: nodomain"))
    errors = failures(spec, context(tmp_path, env_for(double.url)))
    assert errors[0].message == "domain nodomain not found"
    assert errors[0].field == "spec.availabilityZones[0].domain"


def test_domain_found_by_name_but_not_by_path(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    spec = make_spec(double.url, edit=lambda t: t.replace("domain: domain1", "domain: wrong/domain1"))
    errors = failures(spec, context(tmp_path, env_for(double.url)))
    assert errors[0].message == ("domain(s) found for domain name wrong/domain1, but not found a domain with "
                                 "domain path ROOT/wrong/domain1")
    # The nested domain of the same name is found by its path.
    double.add_account("admin", "dom-2")
    double.add_network("net1", "zone-1", domainid="dom-2", account="admin")
    double.add_affinity_group("g-1", "x", domainid="dom-2", account="admin")
    spec = make_spec(double.url, edit=lambda t: t.replace("domain: domain1", "domain: other/domain1"))
    live.run_setup_and_validate(spec, context(tmp_path, env_for(double.url)), "create")
    accounts = [r.params for r in double.requests if r.command == "listAccounts"]
    assert accounts[-1]["domainid"] == "dom-2"


def test_account_not_found(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    spec = make_spec(double.url, edit=lambda t: t.replace("account: admin", "account: nobody"))
    errors = failures(spec, context(tmp_path, env_for(double.url)))
    assert errors[0].message == "account nobody not found"
    assert errors[0].field == "spec.availabilityZones[0].account"


def test_network_not_found_and_duplicate(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    spec = make_spec(double.url, edit=lambda t: t.replace("{name: net1}", "{name: net9}"))
    err = _one(failures(spec, context(tmp_path, env_for(double.url))))
    assert err.message == "network { net9} not found in zoneRef zone-1"
    assert err.field == "spec.availabilityZones[0].zone.network"
    double.add_network("net1", "zone-1", domainid="dom-1", account="admin")
    err = _one(failures(make_spec(double.url), context(tmp_path, env_for(double.url))))
    assert err.message == "duplicate network { net1} found"


def test_template_not_found(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    spec = make_spec(double.url, edit=lambda t: t.replace("template: {name: rhel-8-kube-1-28}",
                                                          "template: {name: rhel-8-kube-1-28-missing}", 1))
    err = _one(failures(spec, context(tmp_path, env_for(double.url))))
    assert err.message == ("machine config cp validation failed: validating template: template "
                           "{ rhel-8-kube-1-28-missing} not found")
    assert (err.kind, err.name, err.field) == ("CloudStackMachineConfig", "cp", "spec.template.name")


def test_template_must_carry_the_kubernetes_version(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    double.add_template("rhel-8-kube-1-27", "zone-1")
    spec = make_spec(double.url, edit=lambda t: t.replace("template: {name: rhel-8-kube-1-28}",
                                                          "template: {name: rhel-8-kube-1-27}", 1))
    err = _one(failures(spec, context(tmp_path, env_for(double.url))))
    assert err.message.startswith("machine config cp validation failed: invalid template: cluster kubernetes "
                                  "version is 1.28 but template for machineconfig cp is rhel-8-kube-1-27.")
    assert err.field == "spec.template.name"


def test_worker_group_version_is_used_for_its_machine_config(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    def edit(text: str) -> str:
        return text.replace("  - name: md-0\n", "  - name: md-0\n    kubernetesVersion: \"1.27\"\n")
    try:
        spec = make_spec(double.url, edit=edit)
    except SpecErrors as exc:  # the core may refuse a skew it does not support
        pytest.skip(f"worker version skew not accepted by the core: {exc}")
    errors = failures(spec, context(tmp_path, env_for(double.url)))
    assert [(e.name, e.field) for e in errors] == [("workers", "spec.template.name")]
    assert "cluster kubernetes version is 1.27" in errors[0].message


@pytest.mark.parametrize(("name", "version", "ok"), [
    ("kubernetes-1-28-eks", "1.28", True), ("kubernetes_1_28", "1.28", True), ("rhel8.k8s1.28", "1.28", True),
    ("kubernetes128", "1.28", True), ("kubernetes-1-27", "1.28", False), ("k8s-1-2-8", "1.28", True),
])
def test_template_version_rule(name: str, version: str, ok: bool) -> None:
    assert live.template_matches_kubernetes_version(name, version) is ok


def test_compute_offering_not_found(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    spec = make_spec(double.url, edit=lambda t: t.replace("{name: m4-large}", "{name: huge}", 1))
    err = _one(failures(spec, context(tmp_path, env_for(double.url))))
    assert err.message == ("machine config cp validation failed: validating service offering: service offering "
                           "{ huge} not found")
    assert err.field == "spec.computeOffering.name"


def test_disk_offering_rules(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    def custom_without_size(text: str) -> str:
        return text.replace("    customSizeInGB: 20\n", "")

    err = _one(failures(make_spec(double.url, edit=custom_without_size), context(tmp_path, env_for(double.url))))
    assert err.message == ("machine config workers validation failed: validating disk offering: disk offering "
                           "size 0 <= 0 for customized disk offering")
    assert err.field == "spec.diskOffering.customSizeInGB"

    spec = make_spec(double.url, edit=lambda t: t.replace("name: Custom", "name: Fixed"))
    err = _one(failures(spec, context(tmp_path, env_for(double.url))))
    assert err.message.endswith("disk offering size 20 > 0 for non-customized disk offering")

    spec = make_spec(double.url, edit=lambda t: t.replace("name: Custom", "name: Nope"))
    err = _one(failures(spec, context(tmp_path, env_for(double.url))))
    assert err.message.endswith("validating disk offering: disk offering ID/Name /Nope not found")
    assert err.field == "spec.diskOffering.name"


def test_affinity_group_not_found(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    spec = make_spec(double.url, edit=lambda t: t.replace("affinityGroupIds: [g-1]", "affinityGroupIds: [g-1, g-9]"))
    err = _one(failures(spec, context(tmp_path, env_for(double.url))))
    assert err.message == "machine config cp validation failed: validating affinity group ids: affinity group g-9 " \
                          "not found"
    assert err.field == "spec.affinityGroupIds[1]"


def test_all_failures_are_collected_in_one_error(double: CloudStackAPIDouble, tmp_path: Path,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    def edit(text: str) -> str:
        return (text.replace("account: admin", "account: nobody").replace("{name: net1}", "{name: net9}")
                .replace("{name: m4-large}", "{name: huge}", 1).replace("affinityGroupIds: [g-1]",
                                                                         "affinityGroupIds: [g-9]"))
    with caplog.at_level(logging.INFO):
        errors = failures(make_spec(double.url, edit=edit), context(tmp_path, env_for(double.url)))
    fields = [(e.kind, e.field) for e in errors]
    assert fields == [
        ("CloudStackDatacenterConfig", "spec.availabilityZones[0].account"),
        ("CloudStackDatacenterConfig", "spec.availabilityZones[0].zone.network"),
        ("CloudStackMachineConfig", "spec.computeOffering.name"),
        ("CloudStackMachineConfig", "spec.affinityGroupIds[0]"),
    ]
    assert all(e.line is not None for e in errors)
    assert not any("✅" in r.getMessage() for r in caplog.records)


# -- credentials and reachability -----------------------------------------------------------------------------


def test_wrong_secret_key_is_reported_once_without_the_keys(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    errors = failures(make_spec(double.url), context(tmp_path, env_for(double.url, secret="not-the-secret")))
    err = _one(errors)
    assert err.field == "spec.availabilityZones[0].credentialsRef"
    assert "getting domain info - listDomains: CloudStack error 401" in err.message
    text = str(SpecErrors(errors))
    assert API_KEY not in text and "not-the-secret" not in text and "signature=" not in text


def test_unreachable_endpoint(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{s.getsockname()[1]}/client/api"
    err = _one(failures(make_spec(url), context(tmp_path, env_for(url))))
    assert err.field == "spec.availabilityZones[0].managementApiEndpoint"
    assert "cannot reach" in err.message and API_KEY not in err.message


def test_profile_url_must_match_the_zone(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    env = env_for(double.url.replace("/client/api", "/client/api2"))
    errors = failures(make_spec(double.url), context(tmp_path, env))
    assert errors[0].message.startswith("cloudstack secret management url (")
    assert errors[0].field == "spec.availabilityZones[0].managementApiEndpoint"


def test_missing_credentials(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="EKSA_CLOUDSTACK_B64ENCODED_SECRET is not set or is empty"):
        live.run_setup_and_validate(make_spec(double.url), context(tmp_path, {}), "create")
    with pytest.raises(SpecError, match="is not set or is empty"):
        eksa_setup_and_validate_delete(make_spec(double.url), context(tmp_path, {}))
    eksa_setup_and_validate_delete(make_spec(double.url), context(tmp_path, env_for(double.url)))
    assert double.requests == []  # a delete only reads the credentials


# -- endpoint uniqueness --------------------------------------------------------------------------------------


@pytest.fixture
def listening() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_endpoint_in_use(double: CloudStackAPIDouble, tmp_path: Path, listening: int) -> None:
    spec = make_spec(double.url, endpoint=f"127.0.0.1:{listening}")
    ctx = context(tmp_path, env_for(double.url), skip_ip_check=False)
    err = _one(failures(spec, ctx))
    assert err.message == f"endpoint <127.0.0.1:{listening}> is already in use"
    assert (err.kind, err.field) == ("Cluster", "spec.controlPlaneConfiguration.endpoint.host")


def test_endpoint_free(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec = make_spec(double.url, endpoint=f"127.0.0.1:{port}")
    live.run_setup_and_validate(spec, context(tmp_path, env_for(double.url), skip_ip_check=False), "create")


def test_endpoint_default_port_is_6443(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    dialled: list[tuple[str, int]] = []

    def dial(host: str, port: int, timeout: float) -> bool:
        dialled.append((host, port))
        return True

    spec = make_spec(double.url, endpoint="10.1.2.3")
    ctx = context(tmp_path, env_for(double.url), skip_ip_check=False)
    err = _one(failures(spec, ctx, dial=dial))
    assert dialled == [("10.1.2.3", 6443)] and err.message == "endpoint <10.1.2.3> is already in use"


def test_endpoint_check_is_skippable(double: CloudStackAPIDouble, tmp_path: Path, listening: int,
                                     caplog: pytest.LogCaptureFixture) -> None:
    spec = make_spec(double.url, endpoint=f"127.0.0.1:{listening}")
    with caplog.at_level(logging.INFO):
        live.run_setup_and_validate(spec, context(tmp_path, env_for(double.url), skip_ip_check=True), "create")
    assert "Skipping check for whether control plane ip is in use" in caplog.text
    spec.cluster.metadata.annotations = {live.SKIP_IP_CHECK_ANNOTATION: "true"}
    live.run_setup_and_validate(spec, context(tmp_path, env_for(double.url), skip_ip_check=False), "create")


# -- dry run --------------------------------------------------------------------------------------------------


def test_dry_run_records_and_contacts_nothing(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    ctx = HookContext(cluster_dir=tmp_path, env=env_for(double.url), dry_run=True)
    eksa_setup_and_validate_create(make_spec(double.url), ctx)
    assert double.requests == []
    (record,) = ctx.recorded
    assert record["action"] == "cloudstack-validate" and record["operation"] == "create"
    assert record["availabilityZones"] == [{"name": "az-1", "credentialsRef": "global", "endpoint": double.url}]
    assert "template" in record["checks"] and "control-plane-endpoint" in record["checks"]
    assert SECRET_KEY not in repr(ctx.recorded) and API_KEY not in repr(ctx.recorded)


# -- management cluster checks --------------------------------------------------------------------------------


_WRITTEN = ((live.EKSA_API_VERSION, "CloudStackMachineConfig", "default"),
            (live.EKSA_API_VERSION, "CloudStackDatacenterConfig", "default"))
_SECRET = ("v1", "Secret", "global", SECRET_NAMESPACE)


def _remove_written(kube: KubeClient) -> None:
    for api_version, kind, namespace in _WRITTEN:
        for obj in kube.list(api_version, kind, namespace):
            name = obj["metadata"]["name"]
            if obj["metadata"].get("finalizers"):  # left by another test's controller: would keep it from going
                kube.patch_merge(api_version, kind, name, {"metadata": {"finalizers": None}}, namespace)
            kube.delete(api_version, kind, name, namespace, ignore_not_found=True)
    api_version, kind, name, namespace = _SECRET
    kube.delete(api_version, kind, name, namespace, ignore_not_found=True)


@pytest.fixture
def management(control_plane: ControlPlane,
               control_plane_crds: Callable[[Iterable[str]], None]) -> Iterator[tuple[KubeClient, Path]]:
    """The session's real control plane as the management cluster, with EKS Anywhere's CRDs (so what the tests
    put there meets EKS Anywhere's real schemas). What they write (CloudStack machine and datacenter configs in
    ``default``, the ``global`` credentials Secret in ``eksa-system``) is removed before and after each test,
    the plane being shared."""
    control_plane_crds(["eksa"])
    kube = KubeClient(str(control_plane.kubeconfig))
    try:
        _remove_written(kube)
        yield kube, Path(control_plane.kubeconfig)
        _remove_written(kube)
    finally:
        kube.close()


def _eksa(kind: str, name: str) -> dict[str, Any]:
    """The document ``kind``/``name`` of :data:`SPEC`, as a management cluster holding it already would."""
    text = SPEC.format(cluster="w1", endpoint="10.0.0.1", url="http://127.0.0.1:1/client/api", management="")
    return next(doc for doc in yaml.safe_load_all(text) if doc["kind"] == kind and doc["metadata"]["name"] == name)


@pytest.mark.realkube
def test_workload_cluster_objects_must_not_exist(double: CloudStackAPIDouble, tmp_path: Path,
                                                 management: tuple[KubeClient, Path]) -> None:
    kube, kubeconfig = management
    spec = make_spec(double.url, cluster="w1", management="mgmt")
    ctx = context(tmp_path, env_for(double.url), management_kubeconfig=str(kubeconfig))
    live.run_setup_and_validate(spec, ctx, "create")  # nothing there yet
    kube.create(_eksa("CloudStackMachineConfig", "workers"))
    kube.create(_eksa("CloudStackDatacenterConfig", "dc"))
    errors = failures(spec, ctx)
    assert [(e.message, e.field) for e in errors] == [
        ("CloudStackMachineConfig workers already exists", "metadata.name"),
        ("CloudStackDatacenter dc already exists", "metadata.name"),
    ]


def test_existing_objects_ignored_without_a_management_kubeconfig(double: CloudStackAPIDouble,
                                                                  tmp_path: Path) -> None:
    spec = make_spec(double.url, cluster="w1", management="mgmt")
    live.run_setup_and_validate(spec, context(tmp_path, env_for(double.url)), "create")


def test_upgrade_machine_config_rename(double: CloudStackAPIDouble, tmp_path: Path) -> None:
    current = make_spec(double.url)
    new = make_spec(double.url, edit=lambda t: t.replace("machineGroupRef: {kind: CloudStackMachineConfig, name: cp}",
                                                         "machineGroupRef: {kind: CloudStackMachineConfig, "
                                                         "name: workers}"))
    err = _one(failures(new, context(tmp_path, env_for(double.url)), "upgrade", current_spec=current))
    assert err.message == "machineconfig workers already exists"
    assert err.field == "spec.controlPlaneConfiguration.machineGroupRef.name"
    # The upgrade hook runs the same checks, and no endpoint check (the cluster's own endpoint answers).
    with pytest.raises(SpecErrors):
        eksa_setup_and_validate_upgrade(new, current, context(tmp_path, env_for(double.url), skip_ip_check=False))
    eksa_setup_and_validate_upgrade(current, current, context(tmp_path, env_for(double.url), skip_ip_check=False))


@pytest.mark.realkube
def test_upgrade_secrets_unchanged(double: CloudStackAPIDouble, tmp_path: Path,
                                   management: tuple[KubeClient, Path]) -> None:
    _kube, kubeconfig = management
    spec = make_spec(double.url)
    ctx = context(tmp_path, env_for(double.url), management_kubeconfig=str(kubeconfig))
    live.run_setup_and_validate(spec, ctx, "upgrade", current_spec=spec)  # no Secret yet: a new profile
    data = {"api-key": API_KEY, "secret-key": "old-secret", "api-url": double.url, "verify-ssl": "false"}
    KubeClient(kubeconfig).create_namespace("eksa-system")
    KubeClient(kubeconfig).apply([{"apiVersion": "v1", "kind": "Secret",
                                   "metadata": {"name": "global", "namespace": "eksa-system"},
                                   "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}])
    errors = failures(spec, ctx, "upgrade", current_spec=spec)
    assert [e.message for e in errors] == ["profile 'global' is different from the secret"]
    assert "old-secret" not in str(SpecErrors(errors)) and SECRET_KEY not in str(SpecErrors(errors))
    data["secret-key"] = SECRET_KEY
    KubeClient(kubeconfig).apply([{"apiVersion": "v1", "kind": "Secret",
                                   "metadata": {"name": "global", "namespace": "eksa-system"},
                                   "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}])
    live.run_setup_and_validate(spec, ctx, "upgrade", current_spec=spec)


@pytest.mark.realkube
def test_management_handle_may_be_a_cluster_handle(double: CloudStackAPIDouble, tmp_path: Path,
                                                   management: tuple[KubeClient, Path]) -> None:
    kube, kubeconfig = management
    kube.create(_eksa("CloudStackMachineConfig", "cp"))
    spec = make_spec(double.url, cluster="w1", management="mgmt")
    ctx = context(tmp_path, env_for(double.url), management_kubeconfig=ClusterHandle("mgmt", kubeconfig))
    assert [e.message for e in failures(spec, ctx)] == ["CloudStackMachineConfig cp already exists"]
