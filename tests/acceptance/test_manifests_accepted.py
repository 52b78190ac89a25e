"""Manifest acceptance on the real control plane: every object eksa renders is stored by a real kube-apiserver,
with the CRDs EKS Anywhere ships installed, exactly as it was rendered.

Objects come from every public render case (``tests/conformance/data/cases.yaml``), from ``examples/`` and from a
dry-run ``eksa create cluster`` of each provider's ``eksa generate clusterconfig`` spec (placeholders filled, the
plan files read back). Each is server-side-applied with ``dryRun=All``; the test fails on any rejected object and
on any field the server pruned, listing every one of them.

Every kind must be served: the CRD groups of :mod:`eksa_core.testing.crds` cover all EKS Anywhere ships.

CAPX's CRDs are those of v1.7.0 (the proxy serves no v1.6.1, EKS Anywhere's pin; see the ``capx`` group): what
v1.7.0 adds over v1.6.1 would be accepted here but not by EKS Anywhere's CAPX, so no rendered object may use it
(:data:`CAPX_ADDED_AFTER_PIN`).
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from eksa_core.cli import main
from eksa_core.conformance.cases import Case, load_case_file
from eksa_core.conformance.runner import render_case_objects
from eksa_core.kube import KubeClient
from eksa_core.plugins import Plugins, default_plugins
from eksa_core.testing.acceptance import AcceptanceReport, check_server_accepts
from eksa_core.workflows.context import Redactor

pytestmark = pytest.mark.realkube

ROOT = Path(__file__).resolve().parents[2]
CASES = ROOT / "tests" / "conformance" / "data" / "cases.yaml"
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))

#: What CAPX v1.7.0 (whose CRDs are installed) serves and v1.6.1 (EKS Anywhere's pin) does not: (kind, spec field)
#: pairs, ``None`` for a kind v1.6.1 has no CRD for.
CAPX_ADDED_AFTER_PIN = {
    ("NutanixFailureDomain", None),
    ("NutanixCluster", "controlPlaneFailureDomains"),
    ("NutanixClusterTemplate", "controlPlaneFailureDomains"),
}


def check(kube: KubeClient, objects: list[dict[str, Any]], namespace: str) -> AcceptanceReport:
    """:func:`check_server_accepts`, after asserting no object uses what CAPX added after EKS Anywhere's pin."""
    for obj in objects:
        kind = obj.get("kind")
        spec = obj.get("spec") or {}
        if kind == "NutanixClusterTemplate":
            spec = spec.get("template", {}).get("spec") or {}
        used = [(k, f) for k, f in CAPX_ADDED_AFTER_PIN if k == kind and (f is None or f in spec)]
        assert not used, f"{kind} {obj['metadata'].get('name')} uses {used}, which CAPX v1.6.1 does not serve"
    return check_server_accepts(kube, objects, namespace=namespace)


def _render_cases() -> list[Case]:
    return [c for c in load_case_file(CASES).cases if c.kind.startswith("render-")]


@pytest.fixture(scope="module")
def plugins() -> Plugins:
    return default_plugins()


@pytest.fixture(scope="module")
def kube(control_plane: Any) -> Iterator[KubeClient]:
    """A client of the session control plane with every CRD group EKS Anywhere ships installed."""
    from eksa_core.testing.crds import CRD_GROUPS, install_crds

    install_crds(control_plane.kubeconfig, list(CRD_GROUPS))
    with KubeClient(str(control_plane.kubeconfig)) as client:
        yield client


def assert_accepted(report: AcceptanceReport, source: str) -> None:
    problems = report.problems() + [f"not served: {what}" for what, _ in report.unserved]
    assert not problems, f"{source}: {len(problems)} problem(s)\n" + "\n".join(problems)
    assert report.checked, f"{source}: nothing rendered"


#: Render cases whose input lacks what every create has, with the one rejection that follows from it (checked
#: exactly: any other problem, or this one going away, fails the test).
INCOMPLETE_INPUTS = {
    "vsphere-kcp-br": (
        "spec.template.spec.template in body should be at least 1 chars long",
        "the case's Bottlerocket machine configs name no template (EKS-A imports one and sets its path during "
        "setup, which render cases do not run), so VSphereMachineTemplate.spec.template.spec.template is empty",
    ),
}


@pytest.mark.parametrize("case", _render_cases(), ids=lambda c: c.id)
def test_render_case_objects_are_stored_as_rendered(case: Case, kube: KubeClient, plugins: Plugins,
                                                    control_plane_namespace: str) -> None:
    objects = render_case_objects(case, plugins)
    assert objects
    report = check(kube, objects, control_plane_namespace)
    if case.id in INCOMPLETE_INPUTS:
        message, _why = INCOMPLETE_INPUTS[case.id]
        assert report.rejected and not report.pruned
        assert all(message in text and "VSphereMachineTemplate" in what for what, text in report.rejected), \
            report.problems()
        report.rejected = []
    assert_accepted(report, case.id)


# -- dry-run creates ------------------------------------------------------------------------------------------

SSH_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIK6SJUGXRpkVGw+SkRmbndwlv8+ywVD9RPD6Y1NciMn5 ops@example.net"
CLOUDSTACK_INI = (b"[Global]\napi-key = acceptance-api-key\nsecret-key = acceptance-secret-key\n"
                  b"api-url = https://cloudstack.example.com:8080/client/api\nverify-ssl = true\n")

#: Values for the generated specs' empty strings and ``<enter ...>`` placeholders, by field name.
FILL = {
    "host": "10.0.0.10", "datacenter": "dc1", "network": "/dc1/network/vm-network", "server": "vcenter.example.com",
    "datastore": "/dc1/datastore/ds1", "folder": "/dc1/vm/eksa", "resourcePool": "/dc1/host/cluster1/Resources",
    "template": "/dc1/vm/ubuntu-1-36", "endpoint": "prism.example.com",
    "managementApiEndpoint": "https://cloudstack.example.com:8080/client/api", "amiID": "ami-0123456789abcdef0",
    "sshKeyName": "eksa-key", "osImageURL": "http://10.0.0.5/ubuntu-1-36.gz", "tinkerbellIP": "10.0.0.20",
}
#: Names for Nutanix's ``{name: <enter ...>}`` identifiers, by the field holding them.
FILL_NAMES = {"cluster": "pe-cluster-1", "image": "ubuntu-1-36", "subnet": "vm-subnet"}
#: Empty CloudStack identifiers ``{}``, by field name.
FILL_EMPTY = {"computeOffering": {"name": "m1.large"}, "template": {"name": "ubuntu-1-36"},
              "network": {"name": "net1"}}

HARDWARE_CSV = (
    "hostname,bmc_ip,bmc_username,bmc_password,mac,ip_address,netmask,gateway,nameservers,labels,disk\n"
    "cp1,10.0.1.1,admin,Bmc-Secret-1,00:00:00:00:01:01,10.0.0.31,255.255.255.0,10.0.0.1,8.8.8.8,type=cp,/dev/sda\n"
    "w1,10.0.1.2,admin,Bmc-Secret-1,00:00:00:00:01:02,10.0.0.32,255.255.255.0,10.0.0.1,8.8.8.8,type=worker,"
    "/dev/sda\n"
)


def _placeholder(value: Any) -> bool:
    return isinstance(value, str) and (value == "" or value.startswith("<"))


def fill(node: Any, key: str | None = None) -> Any:
    """A generated spec with its placeholders filled (see :data:`FILL`)."""
    if isinstance(node, dict):
        if not node and key in FILL_EMPTY:
            return dict(FILL_EMPTY[key])
        if key == "zone" and "name" not in node:
            node = {"name": "zone1", **node}
        return {k: FILL_NAMES.get(key or "", "x") if k == "name" and _placeholder(v) else fill(v, k)
                for k, v in node.items()}
    if isinstance(node, list):
        if key == "devices":
            return ["192.168.1.10" if _placeholder(v) else v for v in node]
        return [fill(v, key) for v in node]
    if isinstance(node, str) and node.endswith("AAAA..."):
        return SSH_KEY
    if _placeholder(node) and key in FILL:
        return FILL[key]
    return node


def _fill_tinkerbell(docs: list[dict[str, Any]]) -> None:
    for doc in docs:
        if doc.get("kind") == "TinkerbellMachineConfig":
            spec = doc["spec"]
            spec.pop("osImageURL", None)  # set once, on the datacenter
            spec.pop("templateRef", None)
            spec["hardwareSelector"] = {"type": "cp" if doc["metadata"]["name"].endswith("-cp") else "worker"}


def _env(tmp_path: Path) -> dict[str, str]:
    credentials = tmp_path / "snow-credentials"
    credentials.write_text("[192.168.1.10]\naws_access_key_id = AKIDACCEPTANCE\n"
                           "aws_secret_access_key = acceptance-secret\nregion = snow\n")
    ca = tmp_path / "snow-ca"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIBacceptance\n-----END CERTIFICATE-----\n")
    return {
        "EKSA_VSPHERE_USERNAME": "administrator@vsphere.local", "EKSA_VSPHERE_PASSWORD": "Vsphere-Secret-1",
        "EKSA_NUTANIX_USERNAME": "admin", "EKSA_NUTANIX_PASSWORD": "Nutanix-Secret-1",
        "EKSA_CLOUDSTACK_B64ENCODED_SECRET": base64.b64encode(CLOUDSTACK_INI).decode(),
        "EKSA_AWS_CREDENTIALS_FILE": str(credentials), "EKSA_AWS_CA_BUNDLES_FILE": str(ca),
    }


def eksa(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def planned_objects(spec_file: Path, *extra: str) -> list[dict[str, Any]]:
    """The objects a dry-run create of ``spec_file`` plans to apply, read from its plan files. Secret data is
    masked there (and only there: asserted); masked values are put back as placeholders so the Secrets apply."""
    code, _, err = eksa("create", "cluster", "-f", str(spec_file), "--dry-run", *extra)
    assert code == 0, err
    plan_files = sorted(Path(".").rglob("generated/plan/*.yaml"))
    assert plan_files
    objects: list[dict[str, Any]] = []
    for plan_file in plan_files:
        for obj in yaml.safe_load_all(plan_file.read_text()):
            if not obj:
                continue
            if obj.get("kind") == "Secret":
                for key, placeholder in (("data", base64.b64encode(b"masked").decode()), ("stringData", "masked")):
                    if isinstance(obj.get(key), Mapping):
                        assert set(obj[key].values()) <= {Redactor.MASK}, f"{plan_file}: Secret data in clear"
                        obj[key] = dict.fromkeys(obj[key], placeholder)
            else:
                assert Redactor.MASK not in yaml.safe_dump(obj), \
                    f"{plan_file}: {obj.get('kind')} {obj['metadata'].get('name')} is masked outside Secret data"
            objects.append(obj)
    return objects


PROVIDERS = ["vsphere", "nutanix", "cloudstack", "snow", "tinkerbell", "docker"]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_dry_run_create_of_the_generated_spec_is_stored_as_planned(
        provider: str, kube: KubeClient, control_plane_namespace: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EKSA_RELEASE_MANIFEST", raising=False)
    for key, value in _env(tmp_path).items():
        monkeypatch.setenv(key, value)
    code, out, err = eksa("generate", "clusterconfig", "c1", "-p", provider)
    assert code == 0, err
    docs = [fill(d) for d in yaml.safe_load_all(out) if d]
    for doc in docs:
        if doc.get("kind") == "VSphereMachineConfig":  # a placeholder the generated spec leaves out
            doc["spec"].setdefault("template", FILL["template"])
    extra: tuple[str, ...] = ()
    if provider == "tinkerbell":
        _fill_tinkerbell(docs)
        Path("hardware.csv").write_text(HARDWARE_CSV)
        extra = ("--hardware-csv", "hardware.csv")
    spec_file = Path("c1.yaml")
    spec_file.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    objects = planned_objects(spec_file, *extra)
    report = check(kube, objects, control_plane_namespace)
    assert_accepted(report, f"dry-run create ({provider})")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_are_stored_as_planned(example: Path, kube: KubeClient, control_plane_namespace: str,
                                        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EKSA_RELEASE_MANIFEST", raising=False)
    for key, value in _env(tmp_path).items():
        monkeypatch.setenv(key, value)
    spec_file = Path(example.name)
    spec_file.write_text(example.read_text())
    report = check(kube, planned_objects(spec_file), control_plane_namespace)
    assert_accepted(report, f"examples/{example.name}")
