"""What the bare metal provider adds to the ``eksa`` command line (EKS Anywhere's flags and commands):

* ``--tinkerbell-bootstrap-ip IP`` on ``eksa create cluster`` ("Override the local tinkerbell IP in the bootstrap
  cluster"): the hooks read it as ``context.options["tinkerbell_bootstrap_ip"]``;
* ``eksa generate tinkerbelltemplateconfig -f FILE [--tinkerbell-bootstrap-ip IP] [--bundles-override FILE]``: the
  ``TinkerbellTemplateConfig`` EKS Anywhere generates for the cluster (the default provisioning workflow for the
  control plane's OS family and image, metadata served by the bootstrap IP and ``tinkerbellIP``), to include in
  the spec and reference from machine configs' ``templateRef``.

(``eksa generate hardware -z CSV`` is a command of the core answered by :func:`eksa_baremetal.setup.generate_hardware`.)
"""

from __future__ import annotations

from typing import Any

from eksa_core import hookimpl
from eksa_core.errors import SpecError
from eksa_core.provider import CliOption, GenerateCommand

__all__ = [
    "BOOTSTRAP_IP_OPTION",
    "TEMPLATE_CONFIG_COMMAND",
    "eksa_cli_options",
    "eksa_generate_artifact",
    "eksa_generate_commands",
    "generate_template_config",
]

BOOTSTRAP_IP_OPTION = CliOption(
    ("--tinkerbell-bootstrap-ip",), dest="tinkerbell_bootstrap_ip", metavar="IP",
    help="Override the local tinkerbell IP in the bootstrap cluster", commands=("create cluster",))

TEMPLATE_CONFIG_COMMAND = GenerateCommand(
    "tinkerbelltemplateconfig",
    help="Generate TinkerbellTemplateConfig objects",
    description=("Generate TinkerbellTemplateConfig objects for your cluster specification. When no template config "
                 "is specified on TinkerbellMachineConfig objects, EKS Anywhere generates the template config "
                 "internally; include the generated one in your bare metal cluster specification and reference it "
                 "in the TinkerbellMachineConfig objects with .spec.templateRef."),
    needs_spec=True,
    options=(CliOption(("--tinkerbell-bootstrap-ip",), dest="tinkerbell_bootstrap_ip", metavar="IP",
                       help="The IP used to expose the Tinkerbell stack from the bootstrap cluster"),),
)


@hookimpl
def eksa_cli_options() -> list[CliOption]:
    """``--tinkerbell-bootstrap-ip`` on ``eksa create cluster``."""
    return [BOOTSTRAP_IP_OPTION]


@hookimpl
def eksa_generate_commands() -> list[GenerateCommand]:
    """``eksa generate tinkerbelltemplateconfig``."""
    return [TEMPLATE_CONFIG_COMMAND]


def generate_template_config(spec: Any, bootstrap_ip: str | None = None) -> str:
    """The ``TinkerbellTemplateConfig`` of ``spec`` as YAML: named after the cluster, holding the default workflow
    of the control plane machine config's OS family and image (``osImageURL`` of the machine config, else of the
    datacenter), with hook metadata served on ``bootstrap_ip`` (default: this machine's IP, as EKS Anywhere) and
    on ``tinkerbellIP``.

    :raises SpecError: the spec is not a bare metal spec, or has no control plane machine config.
    """
    from eksa_core.capi import to_yaml
    from eksa_core.models.base import API_VERSION

    from .models import DATACENTER_KIND, MACHINE_KIND, TEMPLATE_KIND, TinkerbellDatacenterConfig
    from .setup import local_ip
    from .templates import _proxy_env
    from .workflow import default_workflow, workflow_data

    dc = spec.datacenter()
    if not isinstance(dc, TinkerbellDatacenterConfig):
        raise SpecError(f"the cluster spec has no {DATACENTER_KIND}: tinkerbelltemplateconfig is for bare metal "
                        "clusters", kind="Cluster", name=spec.name, field="spec.datacenterRef")
    cp = spec.cluster.spec.control_plane_configuration
    ref = cp.machine_group_ref if cp is not None else None
    mc = spec.config.get(MACHINE_KIND, ref.name) if ref is not None and ref.name else None
    if mc is None:
        raise SpecError(f"{MACHINE_KIND} of the control plane not found", kind="Cluster", name=spec.name,
                        field="spec.controlPlaneConfiguration.machineGroupRef")
    ip = bootstrap_ip or local_ip()
    tinkerbell_ip = dc.spec.tinkerbell_ip or ""
    image = mc.spec.os_image_url or dc.spec.os_image_url or ""
    workflow = default_workflow(spec.name, mc.spec.os_family, image, ip, tinkerbell_ip,
                                _proxy_env(spec.cluster, ip, tinkerbell_ip))
    doc = {"apiVersion": API_VERSION, "kind": TEMPLATE_KIND, "metadata": {"name": spec.name},
           "spec": {"template": workflow_data(workflow)}}
    return str(to_yaml(doc))


@hookimpl
def eksa_generate_artifact(kind: str, options: dict[str, Any]) -> str | None:
    """``hardware``: :func:`generate_hardware` of ``options["hardware_csv"]`` (EKS-A's "required flag
    \"hardware-csv\" not set" without it); ``tinkerbelltemplateconfig``:
    :func:`generate_template_config` of ``options["spec"]``. Other kinds: ``None``."""
    if kind == "tinkerbelltemplateconfig":
        return generate_template_config(options["spec"], options.get("tinkerbell_bootstrap_ip"))
    if kind != "hardware":
        return None
    path = options.get("hardware_csv")
    if not path:
        raise SpecError('required flag "hardware-csv" not set')
    from .setup import generate_hardware

    return generate_hardware(path)
