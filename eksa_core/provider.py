"""The public API for provider authors: every name a provider package uses from the core, in one module.

A provider package (``providers/<name>/eksa_<name>/``, a third party's ``eksa_<name>``) imports from the core
only these modules, and a test (``tests/contract/test_provider_api.py``) fails when one imports anything else:

* :mod:`eksa_core.provider` (this module): the hook marker, the contract's value types and call context, the
  spec a hook receives, the wire-name helpers for its kinds, the Kubernetes client, the small network, YAML and
  file helpers providers share, and what a provider adds to the command line;
* :mod:`eksa_core.contract`: the hook specifications themselves (what to implement, in which phase), the same
  value types;
* :mod:`eksa_core.models` and its submodules: the core kinds (``Cluster``...) and the base classes of a
  provider's own kinds (``DatacenterConfigObject``, ``MachineConfigObject``, ``HostOSConfiguration``);
* :mod:`eksa_core.capi` and its submodules: the shared Cluster API builders (kubeadm control plane and workers,
  etcdadm, kube-vip, ``to_yaml``) and their constants;
* :mod:`eksa_core.errors`: the typed errors (``SpecError``, ``SpecErrors``, ``EksaError``, ``ErrorCode``);
* ``eksa_core`` itself for the names it exports (``hookimpl``, ``SpecError``...).

Everything else in the core (the workflows, the plugin manager, the conformance runner, the CLI, the release
loading) may change without notice. A provider's tests may use :mod:`eksa_core.testing` (the contract kit, the
Kubernetes fixtures and API server double, the Prism Central double) and anything else the core has; so may the
provider's ``conformance.py`` (its ``eksa_conformance_case`` hook runs cases against those doubles), and only it
(:data:`CONFORMANCE_MODULES`).

The names load with the module that defines them, on first use, so importing this module costs nothing::

    from eksa_core.provider import ProviderInfo, Spec, TemplateOptions, hookimpl
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .cli_extensions import CliOption, GenerateCommand
    from .contract import (
        ENTRY_POINT_GROUP,
        BootstrapOptions,
        CallContext,
        CallOptions,
        ClusterHandle,
        ComponentChangeDiff,
        HookContext,
        InfrastructureBundle,
        ProviderInfo,
        ProviderTraits,
        TemplateOptions,
        WorkflowEvent,
        hookimpl,
    )
    from .convert import IntOrStr, field, structure, unstructure
    from .errors import EksaError, ErrorCode, SpecError, SpecErrors
    from .files import write_file_atomic
    from .kube import KubeClient, KubeError, KubeNotFoundError, KubeTimeoutError
    from .lazyhooks import implementation, lazy_hook
    from .netutil import is_ip, kube_minor, label_key_errors, label_value_errors, parse_cidr, parse_request_uri
    from .plugins import installed_version
    from .spec import ClusterConfig, Spec, load_cluster_config
    from .yamlio import load_documents, read_text, to_plain

__all__ = [
    "ENTRY_POINT_GROUP",
    "BootstrapOptions",
    "CallContext",
    "CallOptions",
    "CliOption",
    "ClusterConfig",
    "ClusterHandle",
    "ComponentChangeDiff",
    "EksaError",
    "ErrorCode",
    "GenerateCommand",
    "HookContext",
    "InfrastructureBundle",
    "IntOrStr",
    "KubeClient",
    "KubeError",
    "KubeNotFoundError",
    "KubeTimeoutError",
    "ProviderInfo",
    "ProviderTraits",
    "Spec",
    "SpecError",
    "SpecErrors",
    "TemplateOptions",
    "WorkflowEvent",
    "field",
    "hookimpl",
    "implementation",
    "installed_version",
    "is_ip",
    "kube_minor",
    "label_key_errors",
    "label_value_errors",
    "lazy_hook",
    "load_cluster_config",
    "load_documents",
    "parse_cidr",
    "parse_request_uri",
    "read_text",
    "structure",
    "to_plain",
    "unstructure",
    "write_file_atomic",
]

#: The modules a provider package may import from (see the module docstring); a submodule of a listed package
#: (``eksa_core.models.base``, ``eksa_core.capi.constants``) is allowed with it.
PROVIDER_MODULES: tuple[str, ...] = (
    "eksa_core",
    "eksa_core.provider",
    "eksa_core.contract",
    "eksa_core.errors",
    "eksa_core.models",
    "eksa_core.capi",
)

#: What a provider's ``conformance.py`` may import besides :data:`PROVIDER_MODULES`: the core's test kit (and its
#: submodules), whose doubles its conformance cases run against.
CONFORMANCE_MODULES: tuple[str, ...] = ("eksa_core.testing",)

_LAZY = {
    **dict.fromkeys(("CliOption", "GenerateCommand"), ".cli_extensions"),
    **dict.fromkeys(("ENTRY_POINT_GROUP", "BootstrapOptions", "CallContext", "CallOptions", "ClusterHandle",
                     "ComponentChangeDiff", "HookContext", "InfrastructureBundle", "ProviderInfo", "ProviderTraits",
                     "TemplateOptions", "WorkflowEvent", "hookimpl"), ".contract"),
    **dict.fromkeys(("IntOrStr", "field", "structure", "unstructure"), ".convert"),
    **dict.fromkeys(("EksaError", "ErrorCode", "SpecError", "SpecErrors"), ".errors"),
    "write_file_atomic": ".files",
    **dict.fromkeys(("KubeClient", "KubeError", "KubeNotFoundError", "KubeTimeoutError"), ".kube"),
    **dict.fromkeys(("is_ip", "kube_minor", "label_key_errors", "label_value_errors", "parse_cidr",
                     "parse_request_uri"), ".netutil"),
    "installed_version": ".plugins",
    **dict.fromkeys(("implementation", "lazy_hook"), ".lazyhooks"),
    **dict.fromkeys(("ClusterConfig", "Spec", "load_cluster_config"), ".spec"),
    **dict.fromkeys(("load_documents", "read_text", "to_plain"), ".yamlio"),
}


if not TYPE_CHECKING:  # hidden from mypy, which then checks every imported name against the imports above

    def __getattr__(name: str) -> Any:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, "eksa_core"), name)
        globals()[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted([*globals(), *__all__])
