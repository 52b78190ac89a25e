"""Cluster API objects of the test provider (naming and namespaces as EKS Anywhere's providers)."""

from __future__ import annotations

import base64
from typing import Any

from eksa_core import SpecError, hookimpl
from eksa_core.plugins import BootstrapOptions, InfrastructureBundle

from .models import TestMachineConfig
from .recorder import record

__all__ = [
    "CAPI",
    "INFRA",
    "eksa_bootstrap_options",
    "eksa_env_map",
    "eksa_generate_control_plane",
    "eksa_generate_secrets",
    "eksa_generate_workers",
    "eksa_infrastructure_bundle",
]

NAMESPACE = "eksa-system"
CAPI = "cluster.x-k8s.io/v1beta2"
KCP = "controlplane.cluster.x-k8s.io/v1beta2"
BOOTSTRAP = "bootstrap.cluster.x-k8s.io/v1beta2"
INFRA = "infrastructure.cluster.x-k8s.io/v1beta1"
VERSION = "v0.1.0"
USERNAME_ENV, PASSWORD_ENV = "TESTPROVIDER_USERNAME", "TESTPROVIDER_PASSWORD"


def _meta(name: str, cluster: str) -> dict[str, Any]:
    return {"name": name, "namespace": NAMESPACE, "labels": {"cluster.x-k8s.io/cluster-name": cluster}}


def _machine_spec(spec: Any, ref: Any) -> dict[str, Any]:
    machine = spec.config.get(TestMachineConfig, ref.name if ref else None)
    if machine is None:
        return {"cpus": 2, "memoryMiB": 4096}
    out = {"cpus": machine.spec.cpus or 2, "memoryMiB": machine.spec.memory_mi_b or 4096,
           "osFamily": machine.spec.os_family or "ubuntu"}
    if machine.spec.image:
        out["image"] = machine.spec.image
    return out


def _k8s_version(spec: Any) -> str:
    return f"v{spec.cluster.spec.kubernetes_version}.0"


def _kubeadm_config(spec: Any, ref: Any) -> dict[str, Any]:
    """The bootstrap data format and the machine config's users, when it has any (Cluster API v1beta2 refuses an
    empty ``users`` list and an empty config)."""
    machine = spec.config.get(TestMachineConfig, ref.name if ref else None)
    users = machine.spec.users if machine is not None else None
    config: dict[str, Any] = {"format": "cloud-config"}
    if users:
        config["users"] = [{"name": u.name, "sshAuthorizedKeys": list(u.ssh_authorized_keys or [])} for u in users]
    return config


@hookimpl
def eksa_generate_control_plane(spec: Any, options: Any) -> list[dict[str, Any]]:
    """Cluster, TestCluster, the control plane machine template, KubeadmControlPlane and the cloud config
    Secret (the password comes from the environment the spec was built with)."""
    record("eksa_generate_control_plane")
    name = spec.name
    cp = spec.cluster.spec.control_plane_configuration
    host = cp.endpoint.host if cp and cp.endpoint else ""
    template = options.control_plane_template_name or f"{name}-control-plane-1"
    network = spec.cluster.spec.cluster_network
    pods = list(network.pods.cidr_blocks or []) if network and network.pods else []
    services = list(network.services.cidr_blocks or []) if network and network.services else []
    dc = spec.datacenter()
    return [
        {"apiVersion": CAPI, "kind": "Cluster", "metadata": _meta(name, name),
         "spec": {"clusterNetwork": {"pods": {"cidrBlocks": pods}, "services": {"cidrBlocks": services}},
                  "controlPlaneRef": {"apiGroup": "controlplane.cluster.x-k8s.io", "kind": "KubeadmControlPlane",
                                      "name": name},
                  "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "TestCluster",
                                        "name": name}}},
        {"apiVersion": INFRA, "kind": "TestCluster", "metadata": _meta(name, name),
         "spec": {"controlPlaneEndpoint": {"host": host, "port": 6443}, "endpoint": dc.spec.endpoint,
                  "region": dc.spec.region, "identityRef": {"kind": "Secret", "name": f"{name}-test-credentials"}}},
        {"apiVersion": INFRA, "kind": "TestMachineTemplate", "metadata": _meta(template, name),
         "spec": {"template": {"spec": _machine_spec(spec, cp.machine_group_ref if cp else None)}}},
        {"apiVersion": KCP, "kind": "KubeadmControlPlane", "metadata": _meta(name, name),
         "spec": {"replicas": (cp.count if cp else None) or 1, "version": _k8s_version(spec),
                  "machineTemplate": {"spec": {"infrastructureRef": {
                      "apiGroup": "infrastructure.cluster.x-k8s.io", "kind": "TestMachineTemplate",
                      "name": template}}},
                  "kubeadmConfigSpec": _kubeadm_config(spec, cp.machine_group_ref if cp else None)}},
        {"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": _meta(f"{name}-test-cloud-config", name),
         "stringData": {"cloud.conf": f"endpoint = {dc.spec.endpoint}\npassword = {_password(spec)}\n"}},
    ]


def _password(spec: Any) -> str:
    import os

    return os.environ.get(PASSWORD_ENV, "")


@hookimpl
def eksa_generate_workers(spec: Any, machine_template_names: dict[str, str] | None,
                          kubeadm_config_template_names: dict[str, str] | None) -> list[dict[str, Any]]:
    """For each worker group: KubeadmConfigTemplate, MachineDeployment and TestMachineTemplate."""
    record("eksa_generate_workers")
    name = spec.name
    out: list[dict[str, Any]] = []
    for group in spec.cluster.worker_groups():
        machine = (machine_template_names or {}).get(group.name or "") or f"{name}-{group.name}-1"
        config = (kubeadm_config_template_names or {}).get(group.name or "") or f"{name}-{group.name}-1"
        out += [
            {"apiVersion": BOOTSTRAP, "kind": "KubeadmConfigTemplate", "metadata": _meta(config, name),
             "spec": {"template": {"spec": _kubeadm_config(spec, group.machine_group_ref)}}},
            {"apiVersion": CAPI, "kind": "MachineDeployment", "metadata": _meta(f"{name}-{group.name}", name),
             "spec": {"clusterName": name, "replicas": group.count if group.count is not None else 1,
                      "selector": {"matchLabels": {}},
                      "template": {"metadata": {"labels": {"cluster.x-k8s.io/cluster-name": name}}, "spec": {
                          "clusterName": name, "version": _k8s_version(spec),
                          "bootstrap": {"configRef": {"apiGroup": "bootstrap.cluster.x-k8s.io",
                                                      "kind": "KubeadmConfigTemplate", "name": config}},
                          "infrastructureRef": {"apiGroup": "infrastructure.cluster.x-k8s.io",
                                                "kind": "TestMachineTemplate", "name": machine}}}}},
            {"apiVersion": INFRA, "kind": "TestMachineTemplate", "metadata": _meta(machine, name),
             "spec": {"template": {"spec": _machine_spec(spec, group.machine_group_ref)}}},
        ]
    return out


@hookimpl
def eksa_generate_secrets(spec: Any, context: Any) -> list[dict[str, Any]]:
    """The credentials Secret ``<cluster>-test-credentials`` (values from ``context.env``)."""
    record("eksa_generate_secrets", context=context)
    username, password = context.env.get(USERNAME_ENV, ""), context.env.get(PASSWORD_ENV, "")
    return [{"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
             "metadata": {"name": f"{spec.name}-test-credentials", "namespace": NAMESPACE},
             "data": {"username": base64.b64encode(username.encode()).decode(),
                      "password": base64.b64encode(password.encode()).decode()}}]


@hookimpl
def eksa_env_map(spec: Any, context: Any) -> dict[str, str]:
    """``TESTPROVIDER_USERNAME``/``TESTPROVIDER_PASSWORD`` (both required) and, like Nutanix's
    ``NUTANIX_ENDPOINT``, the datacenter's ``TESTPROVIDER_ENDPOINT`` for clusterctl."""
    record("eksa_env_map", context=context)
    dc = spec.datacenter()
    out = {"EXP_CLUSTER_RESOURCE_SET": "true", "TESTPROVIDER_ENDPOINT": dc.spec.endpoint if dc else ""}
    for key in (USERNAME_ENV, PASSWORD_ENV):
        value = context.env.get(key)
        if not value:
            raise SpecError(f"warning required env not set {key}")
        out[key] = value
    return out


@hookimpl
def eksa_infrastructure_bundle(spec: Any) -> InfrastructureBundle:
    """``infrastructure-testprovider/v0.1.0/`` with its components and metadata."""
    record("eksa_infrastructure_bundle")
    return InfrastructureBundle(f"infrastructure-testprovider/{VERSION}/",
                                ("infrastructure-components.yaml", "metadata.yaml"))


@hookimpl
def eksa_bootstrap_options(spec: Any) -> BootstrapOptions:
    """Proxy environment of the bootstrap cluster when the spec has a proxy."""
    record("eksa_bootstrap_options")
    proxy = spec.cluster.spec.proxy_configuration
    if proxy is None:
        return BootstrapOptions()
    env = {"HTTP_PROXY": proxy.http_proxy or "", "HTTPS_PROXY": proxy.https_proxy or "",
           "NO_PROXY": ",".join(proxy.no_proxy or [])}
    return BootstrapOptions(env=env)
