"""Tinkerbell provisioning workflows: the default ``TinkerbellTemplateConfig`` of a machine group and the
``templateOverride`` text a ``TinkerbellMachineTemplate`` carries.

A machine config without a ``templateRef`` (or whose referenced ``TinkerbellTemplateConfig`` is not in the spec)
gets EKS Anywhere's default workflow for its OS family:

* every OS: "stream image to disk" (image2disk; the OS image onto the first disk, plus the proxy environment
  when the cluster has a proxy);
* Bottlerocket (partition 12): "write Bottlerocket bootconfig", "write Bottlerocket user data" (metadata URLs),
  "write netplan config" (``/net.toml``), "reboot";
* Red Hat (partition 1): "write network manager config", "disable cloud-init network capabilities",
  "add cloud-init config" (quoted metadata URLs), "add cloud-init ds config", "reboot";
* Ubuntu and anything else (partition 2): "write netplan config", "disable cloud-init network capabilities",
  "add cloud-init config", "add cloud-init ds config", "reboot".

The metadata (tootles) URLs are ``http://<local IP>:7172`` – the Tinkerbell stack the machines first talk to
(bootstrap cluster) – then ``http://<tinkerbellIP>:7172``, the stack on the cluster itself. The action images are
the ones HookOS embeds (``127.0.0.1/embedded/...``).

The ``{{ ... }}`` expressions in the actions are Tinkerbell template syntax evaluated by the Tinkerbell workflow
controller against the Hardware object; they are data here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from eksa_core.capi import to_yaml
from eksa_core.provider import unstructure

from .models import Action, Task, Workflow

__all__ = [
    "BOTTLEROCKET",
    "METADATA_PORT",
    "REDHAT",
    "UBUNTU",
    "default_workflow",
    "metadata_urls",
    "workflow_data",
    "workflow_text",
]

BOTTLEROCKET = "bottlerocket"
UBUNTU = "ubuntu"
REDHAT = "redhat"

METADATA_PORT = 7172
"""Port of the Tinkerbell metadata service (tootles) the provisioned OS reads its cloud-init data from."""

_IMAGE2DISK = "127.0.0.1/embedded/image2disk"
_WRITEFILE = "127.0.0.1/embedded/writefile"
_REBOOT = "127.0.0.1/embedded/reboot"

_DISK = "{{ index .Hardware.Disks 0 }}"
_IFACE = "(index .Hardware.Interfaces 0).DHCP"
_NAMESERVERS_COMMA = "{{ range $i, $ns := " + _IFACE + ".NameServers }}{{if $i}}, {{end}}{{$ns}}{{end}}"
_NAMESERVERS_SEMI = "{{ range $i, $ns := " + _IFACE + ".NameServers }}{{if $i}};{{end}}{{$ns}}{{end}};"
_PREFIX = "{{ netmaskToPrefixLength " + _IFACE + ".IP.Netmask }}"
_ADDRESS = "{{ " + _IFACE + ".IP.Address }}/" + _PREFIX
_MAC = "{{ " + _IFACE + ".MAC }}"
_GATEWAY = "{{ " + _IFACE + ".IP.Gateway }}"
_VLAN = "{{ " + _IFACE + ".VLANID }}"


def _partition(number: int) -> str:
    return "{{ formatPartition ( index .Hardware.Disks 0 ) " + str(number) + " }}"


# Netplan of Ubuntu nodes: a VLAN interface when the hardware has a VLAN ID, else a static address on the NIC.
_NETPLAN = (
    "{{ if " + _IFACE + ".VLANID }}network:\n"
    "    version: 2\n"
    "    renderer: networkd\n"
    "    ethernets:\n"
    "        mainif:\n"
    "            match:\n"
    "                macaddress: " + _MAC + "\n"
    "            set-name: mainif\n"
    "\n"
    "    vlans:\n"
    "        vlan" + _VLAN + ":\n"
    "            id: " + _VLAN + "\n"
    "            link: mainif\n"
    "            addresses:\n"
    "            - " + _ADDRESS + "\n"
    "            nameservers:\n"
    "                addresses: [" + _NAMESERVERS_COMMA + "]\n"
    "            {{- if " + _IFACE + ".IP.Gateway }}\n"
    "            routes:\n"
    "                - to: default\n"
    "                  via: " + _GATEWAY + "\n"
    "            {{- end }}\n"
    "{{ else }}network:\n"
    "    version: 2\n"
    "    renderer: networkd\n"
    "    ethernets:\n"
    "        id0:\n"
    "            match:\n"
    "                macaddress: " + _MAC + "\n"
    "            addresses:\n"
    "                - " + _ADDRESS + "\n"
    "            nameservers:\n"
    "                addresses: [" + _NAMESERVERS_COMMA + "]\n"
    "            routes:\n"
    "                - to: default\n"
    "                  via: " + _GATEWAY + "\n"
    "{{ end }}"
)


def _nm_connection(conn_id: str, conn_type: str, vlan: bool) -> str:
    lines = [
        "[connection]",
        f"id={conn_id}",
        f"type={conn_type}",
        "autoconnect=yes",
        "autoconnect-priority=10",
        "",
        "[ethernet]",
        f"mac-address={_MAC}",
        "",
    ]
    if vlan:
        lines += ["[vlan]", "flags=1", f"id={_VLAN}", f"mac-address={_MAC}", ""]
    lines += [
        "[ipv4]",
        f"address1={_ADDRESS}",
        f"dns={_NAMESERVERS_SEMI}",
        f"gateway={_GATEWAY}",
        "method=manual",
        "",
        "[ipv6]",
        "addr-gen-mode=default",
        "method=ignore",
        "",
    ]
    return "\n".join(lines)


# NetworkManager keyfile of Red Hat nodes (VLAN connection when the hardware has a VLAN ID).
_NM_CONFIG = (
    "{{ if " + _IFACE + ".VLANID }}" + _nm_connection("vlan-connection", "vlan", True)
    + "{{ else }}" + _nm_connection("static-connection", "ethernet", False) + "{{ end }}"
)

_BOTTLEROCKET_BOOTCONFIG = "kernel {}"

_CLOUD_INIT = (
    "datasource:\n"
    "  Ec2:\n"
    "    metadata_urls: [{urls}]\n"
    "    strict_id: false\n"
    "manage_etc_hosts: localhost\n"
    "warnings:\n"
    "  dsid_missing_source: off\n"
)


def metadata_urls(local_ip: str | None, tinkerbell_ip: str | None) -> list[str]:
    """``http://<local IP>:7172`` (bootstrap stack) and ``http://<tinkerbellIP>:7172`` (the cluster's stack)."""
    return [f"http://{ip or ''}:{METADATA_PORT}" for ip in (local_ip, tinkerbell_ip)]


def _file_env(disk: str, path: str, mode: str, dirmode: str, **extra: str) -> dict[str, str]:
    env = {"DEST_DISK": disk, "FS_TYPE": "ext4", "DEST_PATH": path, "UID": "0", "GID": "0", "MODE": mode,
           "DIRMODE": dirmode}
    env.update(extra)
    return env


def _stream_image(image_url: str, proxy_env: Mapping[str, str]) -> Action:
    env = {"DEST_DISK": _DISK, "IMG_URL": image_url, "COMPRESSED": "true", **proxy_env}
    return Action(name="stream image to disk", image=_IMAGE2DISK, timeout=600, environment=env)


def _netplan(partition: str, os_family: str) -> Action:
    if os_family == BOTTLEROCKET:
        env = _file_env(partition, "/net.toml", "0644", "0755", STATIC_BOTTLEROCKET="true", IFNAME="eno1")
    else:
        env = _file_env(partition, "/etc/netplan/config.yaml", "0644", "0755", CONTENTS=_NETPLAN)
    return Action(name="write netplan config", image=_WRITEFILE, timeout=90, environment=env, pid="host")


def _network_manager(partition: str) -> Action:
    env = _file_env(partition, "/etc/NetworkManager/system-connections/static-connection.nmconnection", "0600",
                    "0755", CONTENTS=_NM_CONFIG)
    return Action(name="write network manager config", image=_WRITEFILE, timeout=90, environment=env, pid="host")


def _disable_cloud_init_network(partition: str) -> Action:
    env = _file_env(partition, "/etc/cloud/cloud.cfg.d/99-disable-network-config.cfg", "0600", "0700",
                    CONTENTS="network: {config: disabled}")
    return Action(name="disable cloud-init network capabilities", image=_WRITEFILE, timeout=90, environment=env)


def _cloud_init(partition: str, urls: str) -> Action:
    env = _file_env(partition, "/etc/cloud/cloud.cfg.d/10_tinkerbell.cfg", "0600", "0700",
                    CONTENTS=_CLOUD_INIT.format(urls=urls))
    return Action(name="add cloud-init config", image=_WRITEFILE, timeout=90, environment=env)


def _ds_cloud_init(partition: str) -> Action:
    env = _file_env(partition, "/etc/cloud/ds-identify.cfg", "0600", "0700", CONTENTS="datasource: Ec2\n")
    return Action(name="add cloud-init ds config", image=_WRITEFILE, timeout=90, environment=env)


def _reboot() -> Action:
    return Action(name="reboot", image=_REBOOT, timeout=90, pid="host", volumes=["/worker:/worker"])


def _bottlerocket_bootconfig(partition: str) -> Action:
    env = _file_env(partition, "/bootconfig.data", "0644", "0700", BOOTCONFIG_CONTENTS=_BOTTLEROCKET_BOOTCONFIG)
    return Action(name="write Bottlerocket bootconfig", image=_WRITEFILE, timeout=90, environment=env, pid="host")


def _bottlerocket_user_data(partition: str, urls: str) -> Action:
    env = _file_env(partition, "/user-data.toml", "0644", "0700", HEGEL_URLS=urls)
    return Action(name="write Bottlerocket user data", image=_WRITEFILE, timeout=90, environment=env, pid="host")


def default_actions(os_family: str | None, image_url: str, local_ip: str | None, tinkerbell_ip: str | None,
                    proxy_env: Mapping[str, str] | None = None) -> list[Action]:
    """The default provisioning actions for ``os_family`` (see the module docstring)."""
    urls = metadata_urls(local_ip, tinkerbell_ip)
    actions = [_stream_image(image_url, proxy_env or {})]
    family = (os_family or "").lower()
    if family == BOTTLEROCKET:
        part = _partition(12)
        actions += [_bottlerocket_bootconfig(part), _bottlerocket_user_data(part, ",".join(urls)),
                    _netplan(part, BOTTLEROCKET), _reboot()]
    elif family == REDHAT:
        part = _partition(1)
        actions += [_network_manager(part), _disable_cloud_init_network(part),
                    _cloud_init(part, ",".join(f"'{u}'" for u in urls)), _ds_cloud_init(part), _reboot()]
    else:
        part = _partition(2)
        actions += [_netplan(part, family), _disable_cloud_init_network(part), _cloud_init(part, ",".join(urls)),
                    _ds_cloud_init(part), _reboot()]
    return actions


def default_workflow(cluster_name: str, os_family: str | None, image_url: str, local_ip: str | None,
                     tinkerbell_ip: str | None, proxy_env: Mapping[str, str] | None = None) -> Workflow:
    """EKS Anywhere's default workflow (``TinkerbellTemplateConfig.spec.template``) of a machine group:
    version ``0.1``, name = cluster name, global timeout 6000, one task on ``{{.device_1}}`` with the devices and
    firmware mounted, running :func:`default_actions`."""
    task = Task(
        name=cluster_name,
        worker="{{.device_1}}",
        volumes=["/dev:/dev", "/dev/console:/dev/console", "/lib/firmware:/lib/firmware:ro"],
        actions=default_actions(os_family, image_url, local_ip, tinkerbell_ip, proxy_env),
    )
    return Workflow(version="0.1", name=cluster_name, global_timeout=6000, tasks=[task])


# -- serialisation -------------------------------------------------------------------------------------------

# Fields Tinkerbell's workflow types always write (the others are left out when empty).
_WORKFLOW_ALWAYS = {"version": "", "name": "", "id": "", "global_timeout": 0, "tasks": None}
_TASK_ALWAYS = {"name": "", "worker": "", "actions": None}
_ACTION_ALWAYS = {"name": "", "image": "", "timeout": 0}


def _with_defaults(data: Mapping[str, Any] | None, always: Mapping[str, Any]) -> dict[str, Any]:
    data = data or {}
    out = {k: v for k, v in data.items() if v not in (None, "", [], {})}
    for key, default in always.items():
        if key not in out:
            out[key] = default if data.get(key) is None else data[key]
    return out


def workflow_data(workflow: Workflow | None) -> dict[str, Any]:
    """A workflow as Tinkerbell's types serialise it: ``version``, ``name``, ``id``, ``global_timeout`` and
    ``tasks`` always present (``tasks: null`` when there are none); a task's ``name``/``worker``/``actions`` and an
    action's ``name``/``image``/``timeout`` always present; other empty fields left out; keys sorted."""
    raw = unstructure(workflow) if workflow is not None else {}
    out = _with_defaults(raw, _WORKFLOW_ALWAYS)
    tasks = raw.get("tasks")
    if tasks is not None:
        task_list = []
        for task in tasks:
            t = _with_defaults(task, _TASK_ALWAYS)
            actions = (task or {}).get("actions")
            t["actions"] = None if actions is None else [_with_defaults(a, _ACTION_ALWAYS) for a in actions]
            task_list.append(t)
        out["tasks"] = task_list
    return _sorted(out)


def _sorted(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _sorted(value[k]) for k in sorted(value)}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_sorted(v) for v in value]
    return value


def workflow_text(workflow: Workflow | None, *, registry_mirror: str | None = None) -> str:
    """The ``templateOverride`` text of a machine template: the workflow as YAML (keys sorted, like
    ``TinkerbellTemplateConfig.ToTemplateString``). With ``registry_mirror`` (``host:port[/namespace]``), references
    to ``public.ecr.aws`` are rewritten to the mirror."""
    text = to_yaml(workflow_data(workflow))
    if registry_mirror:
        text = text.replace("public.ecr.aws", registry_mirror)
    return text
