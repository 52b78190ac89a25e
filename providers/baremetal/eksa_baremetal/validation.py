"""Defaults and static validation of bare metal (Tinkerbell) specs, with EKS Anywhere's messages.

Static checks (no hardware, no network), in EKS Anywhere's order:

1. Kubernetes 1.20 is refused ("kubernetes version v1.20 is not supported for Bare Metal");
2. the datacenter config (URLs, name, ``tinkerbellIP``, ISO boot);
3. every machine config (hardware selection, OS family, OS image URL, users, host OS configuration) and every
   ``TinkerbellTemplateConfig``;
4. machine config references exist, namespaces match the datacenter's, template references exist;
5. OS family consistency and OS image URL rules (including the Kubernetes version in the URL);
6. Bottlerocket is refused from Kubernetes 1.29; the control plane endpoint must differ from ``tinkerbellIP``;
7. upgrade rollout strategy rules (InPlace on Ubuntu only, the same type everywhere, no autoscaler with it).

The hardware-count assertions need a hardware catalogue: :func:`hardware_errors` runs them over a
:class:`~eksa_baremetal.hardware.Catalogue`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eksa_core import hookimpl
from eksa_core.errors import SpecError
from eksa_core.models.cluster import Cluster
from eksa_core.models.hostos import validate_host_os_configuration
from eksa_core.provider import is_ip, kube_minor, parse_request_uri

from .hardware import Catalogue, minimum_hardware_errors, single_selector_errors
from .models import (
    DATACENTER_KIND,
    MACHINE_KIND,
    TEMPLATE_KIND,
    LabelSelector,
    TinkerbellDatacenterConfig,
    TinkerbellMachineConfig,
    TinkerbellTemplateConfig,
)

__all__ = [
    "OS_FAMILIES",
    "cluster_spec_errors",
    "datacenter_errors",
    "eksa_set_defaults",
    "eksa_validate_config",
    "hardware_errors",
    "machine_config_errors",
    "set_machine_config_defaults",
]

OS_FAMILIES = ("ubuntu", "redhat", "bottlerocket")
_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def _err(message: str, obj: Any = None, field: str | None = None, **kw: Any) -> SpecError:
    return SpecError(message, kind=getattr(obj, "kind", None), name=getattr(obj, "name", None), field=field, **kw)


def _url_error(value: str) -> str | None:
    """Go's ``url.ParseRequestURI`` error text for ``value`` (``None`` when it parses)."""
    if value == "":
        return 'parse "": empty url'
    try:
        parse_request_uri(value)
    except ValueError as exc:
        return f'parse "{value}": {exc}'
    return None


# ---------------------------------------------------------------------------------------------------------------
# Defaults
# ---------------------------------------------------------------------------------------------------------------


def set_machine_config_defaults(machine: TinkerbellMachineConfig) -> None:
    """EKS Anywhere's machine config default: ``osFamily`` bottlerocket when unset."""
    if not machine.spec.os_family:
        machine.spec.os_family = "bottlerocket"


@hookimpl
def eksa_set_defaults(config: Any) -> None:
    """Default every ``TinkerbellMachineConfig`` (the core already defaults namespaces and the Tinkerbell
    machine health check node startup timeout of 20m)."""
    for machine in config.of_kind(MACHINE_KIND):
        set_machine_config_defaults(machine)


# ---------------------------------------------------------------------------------------------------------------
# Objects on their own
# ---------------------------------------------------------------------------------------------------------------


def datacenter_errors(dc: TinkerbellDatacenterConfig) -> list[SpecError]:
    """Problems of a ``TinkerbellDatacenterConfig`` on its own (EKS Anywhere's order and wording)."""
    spec = dc.spec
    out: list[SpecError] = []
    if spec.os_image_url and (why := _url_error(spec.os_image_url)):
        out.append(_err(f"parsing osImageOverride: {why}", dc, "spec.osImageURL"))
    if spec.hook_images_url_path and (why := _url_error(spec.hook_images_url_path)):
        out.append(_err(f"parsing hookOverride: {why}", dc, "spec.hookImagesURLPath"))
    if not dc.name:
        out.append(_err("TinkerbellDatacenterConfig: missing name", dc, "metadata.name"))
    if not spec.tinkerbell_ip:
        out.append(_err("TinkerbellDatacenterConfig: missing spec.tinkerbellIP field", dc, "spec.tinkerbellIP"))
    elif not is_ip(spec.tinkerbell_ip):
        out.append(_err(f"TinkerbellDatacenterConfig: invalid tinkerbell ip: invalid IP address: "
                        f"{spec.tinkerbell_ip}", dc, "spec.tinkerbellIP"))
    if spec.hook_iso_url:
        if not spec.iso_boot:
            out.append(_err("isoURL can be set, only when isoBoot is set to true", dc, "spec.hookIsoURL"))
        elif why := _url_error(spec.hook_iso_url):
            out.append(_err(f"parsing hookIsoURL: {why}, please provide a valid URL", dc, "spec.hookIsoURL"))
        elif not spec.hook_iso_url.endswith(".iso"):
            out.append(_err(f"hookIsoURL {spec.hook_iso_url} must point to an .iso file", dc, "spec.hookIsoURL"))
    return out


def _label_selector_errors(sel: LabelSelector | None, mc: TinkerbellMachineConfig, path: str,
                           field: str) -> list[SpecError]:
    out: list[SpecError] = []
    for j, expr in enumerate((sel.match_expressions if sel else None) or []):
        op = expr.operator or ""
        where = f"{path}.labelSelector.matchExpressions[{j}]"
        efield = f"{field}.labelSelector.matchExpressions[{j}]"
        if op not in _SELECTOR_OPERATORS:
            out.append(_err(f"TinkerbellMachineConfig: invalid matchExpression operator '{op}' in {where}, must be "
                            f"one of: In, NotIn, Exists, DoesNotExist: {mc.name}", mc, f"{efield}.operator"))
        elif op in ("In", "NotIn") and not expr.values:
            out.append(_err(f"TinkerbellMachineConfig: matchExpression with operator {op} must have non-empty "
                            f"values in {where}: {mc.name}", mc, f"{efield}.values"))
        elif op in ("Exists", "DoesNotExist") and expr.values:
            out.append(_err(f"TinkerbellMachineConfig: matchExpression with operator {op} must not have values in "
                            f"{where}: {mc.name}", mc, f"{efield}.values"))
    return out


def machine_config_errors(mc: TinkerbellMachineConfig) -> list[SpecError]:
    """Problems of a ``TinkerbellMachineConfig`` on its own."""
    spec = mc.spec
    out: list[SpecError] = []
    if not mc.name:
        out.append(_err("TinkerbellMachineConfig: missing name", mc, "metadata.name"))
    has_selector = bool(spec.hardware_selector)
    has_affinity = spec.hardware_affinity is not None
    if has_selector and has_affinity:
        out.append(_err(f"TinkerbellMachineConfig: hardwareSelector and hardwareAffinity are mutually exclusive: "
                        f"{mc.name}", mc, "spec.hardwareAffinity"))
    elif not has_selector and not has_affinity:
        out.append(_err(f"TinkerbellMachineConfig: either hardwareSelector or hardwareAffinity must be specified: "
                        f"{mc.name}", mc, "spec.hardwareSelector"))
    elif has_selector and len(spec.hardware_selector or {}) != 1:
        out.append(_err(f"TinkerbellMachineConfig: spec.hardwareSelector must contain only 1 key-value pair: "
                        f"{mc.name}", mc, "spec.hardwareSelector"))
    elif spec.hardware_affinity is not None:
        affinity = spec.hardware_affinity
        if not affinity.required:
            out.append(_err(f"TinkerbellMachineConfig: hardwareAffinity.required must have at least one term: "
                            f"{mc.name}", mc, "spec.hardwareAffinity.required"))
        for i, term in enumerate(affinity.required or []):
            out += _label_selector_errors(term.label_selector, mc, f"required[{i}]",
                                          f"spec.hardwareAffinity.required[{i}]")
        for i, weighted in enumerate(affinity.preferred or []):
            weight = weighted.weight or 0
            if not 1 <= weight <= 100:
                out.append(_err(f"TinkerbellMachineConfig: preferred term weight must be in range [1, 100], got "
                                f"{weight}: {mc.name}", mc, f"spec.hardwareAffinity.preferred[{i}].weight"))
            weighted_term = weighted.hardware_affinity_term
            selector = weighted_term.label_selector if weighted_term else None
            out += _label_selector_errors(selector, mc, f"preferred[{i}]",
                                          f"spec.hardwareAffinity.preferred[{i}].hardwareAffinityTerm")
    if not spec.os_family:
        out.append(_err(f"TinkerbellMachineConfig: missing spec.osFamily: {mc.name}", mc, "spec.osFamily"))
    elif spec.os_family not in OS_FAMILIES:
        out.append(_err(f"TinkerbellMachineConfig: unsupported spec.osFamily ({spec.os_family}); Please use one of "
                        f"the following: ubuntu, redhat, bottlerocket", mc, "spec.osFamily"))
    if spec.os_image_url and (why := _url_error(spec.os_image_url)):
        out.append(_err(f"parsing osImageOverride: {why}", mc, "spec.osImageURL"))
    if not spec.users:
        out.append(_err(f"TinkerbellMachineConfig: missing spec.Users: {mc.name}", mc, "spec.users"))
    else:
        keys = spec.users[0].ssh_authorized_keys or []
        if keys and keys[0] and not _is_ssh_public_key(keys[0]):
            out.append(_err(f"TinkerbellMachineConfig: failed to parse ssh authorized key of users[0]: {mc.name}",
                            mc, "spec.users[0].sshAuthorizedKeys[0]"))
    for e in validate_host_os_configuration(spec.host_os_configuration, spec.os_family or "",
                                            field="spec.hostOSConfiguration"):
        out.append(_err(f"HostOSConfiguration is invalid for TinkerbellMachineConfig {mc.name}: {e.message}", mc,
                        e.field))
    return out


_SSH_KEY_TYPES = (
    "ssh-rsa", "ssh-dss", "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
    "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
)


def _is_ssh_public_key(text: str) -> bool:
    """Whether ``text`` is an authorized_keys line (optional options, a key type, base64 key data whose
    embedded type matches)."""
    import base64
    import binascii
    import struct

    parts = text.strip().split()
    while parts and parts[0] not in _SSH_KEY_TYPES:
        parts = parts[1:]  # options such as from="..." precede the key type
    if len(parts) < 2:
        return False
    try:
        blob = base64.b64decode(parts[1], validate=True)
        (length,) = struct.unpack(">I", blob[:4])
        return blob[4:4 + length].decode() == parts[0]
    except (binascii.Error, struct.error, UnicodeDecodeError, ValueError):
        return False


def template_config_errors(tc: TinkerbellTemplateConfig) -> list[SpecError]:
    """Problems of a ``TinkerbellTemplateConfig``: it needs a workflow with at least one task."""
    out: list[SpecError] = []
    if not tc.name:
        out.append(_err("TinkerbellTemplateConfig: missing name", tc, "metadata.name"))
    template = tc.spec.template
    if template is None or not template.tasks:
        out.append(_err(f"TinkerbellTemplateConfig: missing spec.template.tasks: {tc.name}", tc,
                        "spec.template.tasks"))
    return out


# ---------------------------------------------------------------------------------------------------------------
# The cluster spec
# ---------------------------------------------------------------------------------------------------------------


def _groups(cluster: Cluster) -> list[tuple[str, str, Any, str]]:
    """(role, group name, ref, field) of every machine group: control plane, etcd, workers."""
    spec = cluster.spec
    out: list[tuple[str, str, Any, str]] = []
    cp = spec.control_plane_configuration
    if cp is not None and cp.machine_group_ref is not None:
        out.append(("control-plane", "", cp.machine_group_ref, "spec.controlPlaneConfiguration.machineGroupRef"))
    etcd = spec.external_etcd_configuration
    if etcd is not None and etcd.machine_group_ref is not None:
        out.append(("etcd", "", etcd.machine_group_ref, "spec.externalEtcdConfiguration.machineGroupRef"))
    for i, group in enumerate(cluster.worker_groups()):
        if group.machine_group_ref is not None:
            out.append(("workers", group.name or "", group.machine_group_ref,
                        f"spec.workerNodeGroupConfigurations[{i}].machineGroupRef"))
    return out


def cluster_spec_errors(config: Any) -> list[SpecError]:
    """Every static problem of a bare metal spec (the documents of a file), see the module docstring."""
    cluster: Cluster = config.cluster
    spec = cluster.spec
    out: list[SpecError] = []
    version = spec.kubernetes_version or ""
    minor = kube_minor(version)
    if version == "1.20":
        out.append(_err("kubernetes version v1.20 is not supported for Bare Metal", cluster,
                        "spec.kubernetesVersion"))

    dc = config.datacenter()
    if not isinstance(dc, TinkerbellDatacenterConfig):
        ref = spec.datacenter_ref
        out.append(_err(f"TinkerbellDatacenterConfig {ref.name if ref else ''} not found", cluster,
                        "spec.datacenterRef"))
        return out
    out += datacenter_errors(dc)

    machines: dict[str, TinkerbellMachineConfig] = {m.name: m for m in config.of_kind(MACHINE_KIND)}
    for mc in machines.values():
        out += machine_config_errors(mc)
    templates = {t.name: t for t in config.of_kind(TEMPLATE_KIND)}
    for tc in templates.values():
        out += template_config_errors(tc)

    groups = _groups(cluster)
    missing = False
    for _role, _group, ref, field in groups:
        if ref.name not in machines or (ref.kind and ref.kind != MACHINE_KIND):
            out.append(_err(f"missing machine config ref: kind={ref.kind or ''}; name={ref.name or ''}", cluster,
                            field))
            missing = True
    for mc in machines.values():
        if mc.namespace != dc.namespace:
            out.append(_err(f"TinkerbellMachineConfig's namespace must match TinkerbellDatacenterConfig's "
                            f"namespace: {mc.name}", mc, "metadata.namespace"))
        ref = mc.spec.template_ref
        if ref is not None and ref.name and ref.name not in templates:
            out.append(_err(f"TinkerbellTemplateConfig {ref.name} not found for TinkerbellMachineConfig {mc.name}",
                            mc, "spec.templateRef"))
    if missing:
        return out

    used = [machines[ref.name] for _, _, ref, _ in groups]
    cp_mc = next((machines[ref.name] for role, _, ref, _ in groups if role == "control-plane"), None)
    if cp_mc is not None:
        cp_os = cp_mc.spec.os_family or ""
        for role, _group, ref, field in groups:
            other = machines[ref.name].spec.os_family or ""
            if role == "etcd" and other != cp_os:
                out.append(_err("etcd osFamily cannot be different from control plane osFamily", cluster, field))
            elif role == "workers" and other != cp_os:
                out.append(_err("worker node group osFamily cannot be different from control plane osFamily",
                                cluster, field))
                break
        if cp_os != "bottlerocket" and not dc.spec.os_image_url and not cp_mc.spec.os_image_url:
            out.append(_err("please use bottlerocket as osFamily for auto-importing or provide a valid osImageURL",
                            cp_mc, "spec.osImageURL"))
        out += _os_image_url_errors(cluster, dc, machines, cp_mc, groups)

        if minor is not None and minor >= 29 and any(m.spec.os_family == "bottlerocket" for m in used):
            out.append(_err("tinkerbell provider does not support K8s version 1.29+ for BottleRocket OS", cluster,
                            "spec.kubernetesVersion"))

    endpoint = spec.control_plane_configuration.endpoint if spec.control_plane_configuration else None
    host = endpoint.host if endpoint else None
    if host and dc.spec.tinkerbell_ip and host == dc.spec.tinkerbell_ip:
        out.append(_err(f"controlPlaneConfiguration.endpoint.host and tinkerbellIP are the same ({host}), please "
                        f"provide two unique IPs", cluster, "spec.controlPlaneConfiguration.endpoint.host"))
    proxy = spec.proxy_configuration
    if proxy is not None and (proxy.http_proxy or proxy.https_proxy) and not dc.spec.hook_images_url_path:
        out.append(_err("locally hosted hookImagesURLPath is required to support proxy configuration", dc,
                        "spec.hookImagesURLPath"))
    out += _rollout_errors(cluster, machines)
    return out


def _contains_version(url: str, version: str) -> bool:
    table = str.maketrans("", "", "-._")
    return version.translate(table) in url.translate(table)


def _os_image_url_errors(cluster: Cluster, dc: TinkerbellDatacenterConfig, machines: dict[str, Any],
                         cp_mc: TinkerbellMachineConfig, groups: list[tuple[str, str, Any, str]]) -> list[SpecError]:
    out: list[SpecError] = []
    dc_url = dc.spec.os_image_url or ""
    for mc in machines.values():
        if mc.spec.os_image_url and dc_url:
            out.append(_err("cannot specify OSImageURL on both TinkerbellMachineConfig's and "
                            "TinkerbellDatacenterConfig", mc, "spec.osImageURL"))
            return out
        if not mc.spec.os_image_url and not dc_url and mc.spec.os_family != "bottlerocket":
            out.append(_err(f"missing OSImageURL on TinkerbellMachineConfig '{mc.name}'", mc, "spec.osImageURL"))
            return out
    version = cluster.spec.kubernetes_version or ""
    if dc_url:
        versions = [version] + [g.kubernetes_version for g in cluster.worker_groups()
                                if g.kubernetes_version and g.kubernetes_version != version]
        for v in versions:
            if not _contains_version(dc_url, v):
                out.append(_err(f"missing kube version from OSImageURL: url={dc_url}, version={v}", dc,
                                "spec.osImageURL"))
                break
        return out
    if cp_mc.spec.os_family == "bottlerocket":
        return out  # Bottlerocket images come from the bundle when no URL is given
    if not _contains_version(cp_mc.spec.os_image_url or "", version):
        out.append(_err(f"missing kube version from control plane machine config OSImageURL: "
                        f"url={cp_mc.spec.os_image_url or ''}, version={version}", cp_mc, "spec.osImageURL"))
        return out
    for i, group in enumerate(cluster.worker_groups()):
        ref = group.machine_group_ref
        if ref is None or ref.name not in machines:
            continue
        url = machines[ref.name].spec.os_image_url or ""
        gv = group.kubernetes_version or version
        if not _contains_version(url, gv):
            out.append(_err(f"missing kube version from worker node group machine config OSImageURL: url={url}, "
                            f"version={gv}", cluster, f"spec.workerNodeGroupConfigurations[{i}]"))
            break
    return out


def _rollout_errors(cluster: Cluster, machines: dict[str, TinkerbellMachineConfig]) -> list[SpecError]:
    out: list[SpecError] = []
    spec = cluster.spec
    cp = spec.control_plane_configuration
    cp_type = "RollingUpdate"
    if cp is not None and cp.upgrade_rollout_strategy is not None:
        cp_type = cp.upgrade_rollout_strategy.type or "RollingUpdate"
        ref = cp.machine_group_ref
        mc = machines.get(ref.name or "") if ref else None
        if cp_type == "InPlace" and mc is not None and mc.spec.os_family != "ubuntu":
            out.append(_err("InPlace upgrades are only supported on the Ubuntu OS family", cluster,
                            "spec.controlPlaneConfiguration.upgradeRolloutStrategy.type"))
            return out
    for i, group in enumerate(cluster.worker_groups()):
        group_type = "RollingUpdate"
        field = f"spec.workerNodeGroupConfigurations[{i}].upgradeRolloutStrategy.type"
        if group.upgrade_rollout_strategy is not None:
            group_type = group.upgrade_rollout_strategy.type or "RollingUpdate"
            ref = group.machine_group_ref
            mc = machines.get(ref.name or "") if ref else None
            if group_type == "InPlace" and mc is not None and mc.spec.os_family != "ubuntu":
                out.append(_err("InPlace upgrades are only supported on the Ubuntu OS family", cluster, field))
                return out
        if group_type != cp_type:
            out.append(_err("cannot specify different upgrade rollout strategy types for control plane and worker "
                            "node group configurations", cluster, field))
            return out
    if cp_type == "InPlace":
        for i, group in enumerate(cluster.worker_groups()):
            if group.autoscaling_configuration is not None:
                out.append(_err("austoscaler configuration not supported with InPlace upgrades", cluster,
                                f"spec.workerNodeGroupConfigurations[{i}].autoscalingConfiguration"))
                break
    return out


@hookimpl
def eksa_validate_config(config: Any) -> list[SpecError] | None:
    """Static validation of a bare metal spec (see :func:`cluster_spec_errors`)."""
    if not config.has_cluster() or config.cluster.datacenter_kind() != DATACENTER_KIND:
        return None
    return cluster_spec_errors(config)


# ---------------------------------------------------------------------------------------------------------------
# Hardware
# ---------------------------------------------------------------------------------------------------------------


def hardware_requirements(config: Any) -> list[tuple[Any, int]]:
    """(selector, machine count) of every machine group of a spec: control plane count, each worker group's
    count (autoscaling minimum when it has no count) and the external etcd count."""
    cluster: Cluster = config.cluster
    machines = {m.name: m for m in config.of_kind(MACHINE_KIND)}
    out: list[tuple[Any, int]] = []

    def selector_of(ref: Any) -> Any:
        mc = machines.get(ref.name) if ref is not None else None
        if mc is None:
            return None
        return mc.spec.hardware_selector or mc.spec.hardware_affinity or {}

    cp = cluster.spec.control_plane_configuration
    if cp is not None and (sel := selector_of(cp.machine_group_ref)) is not None:
        out.append((sel, cp.count or 0))
    for group in cluster.worker_groups():
        count = group.count
        if count is None and group.autoscaling_configuration is not None:
            count = group.autoscaling_configuration.min_count
        if (sel := selector_of(group.machine_group_ref)) is not None:
            out.append((sel, count or 0))
    etcd = cluster.spec.external_etcd_configuration
    if etcd is not None and (sel := selector_of(etcd.machine_group_ref)) is not None:
        out.append((sel, etcd.count or 0))
    return out


def hardware_errors(config: Any, catalogue: Catalogue) -> list[SpecError]:
    """The hardware assertions of a create: each available machine satisfies at most one selector, and every
    selector has at least as many available machines as its groups need."""
    requirements = hardware_requirements(config)
    selectors: Iterable[Any] = [sel for sel, _ in requirements]
    return single_selector_errors(selectors, catalogue) + minimum_hardware_errors(requirements, catalogue)


# ---------------------------------------------------------------------------------------------------------------
# Setup and validate (hardware, network, management cluster): see eksa_baremetal.setup
# ---------------------------------------------------------------------------------------------------------------


def _ours(spec: Any) -> bool:
    return isinstance(spec.datacenter(), TinkerbellDatacenterConfig)
