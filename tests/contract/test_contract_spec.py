"""The contract module: hook specifications grouped by phase, each documented; implementations without a spec
are refused naming the plugin and the hook; the core dispatches through typed methods, never by hook name."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from eksa_core import contract, hookimpl
from eksa_core.errors import PluginError
from eksa_core.plugins import HookRelay, Plugins

CORE = Path(contract.__file__).parent


def _spec_hooks() -> dict[str, tuple[type, object]]:
    hooks: dict[str, tuple[type, object]] = {}
    for cls in contract.SPEC_CLASSES:
        for name, fn in vars(cls).items():
            if name.startswith("eksa_"):
                assert name not in hooks, f"{name} is specified twice"
                hooks[name] = (cls, fn)
    return hooks


def test_every_hook_is_specified_once_in_a_phase_class_and_documented() -> None:
    hooks = _spec_hooks()
    assert len(hooks) >= 30
    plugins = Plugins()
    for name, (cls, fn) in hooks.items():
        doc = inspect.getdoc(fn) or ""
        assert len(doc) > 40, f"{cls.__name__}.{name} is not documented"
        caller = getattr(plugins.manager.hook, name)
        assert caller.has_spec(), f"{name} is not registered as a spec"
    # the module docstring gives the order of calls of each workflow, naming only real hooks
    doc = contract.__doc__ or ""
    for workflow in ("Create a management cluster", "Create a workload cluster", "Upgrade", "Delete"):
        assert workflow in doc
    for mentioned in set(re.findall(r"\beksa_[a-z_]+", doc)) - {"eksa_core"}:
        assert mentioned in hooks, f"the module docstring names {mentioned}, which is no hook"


def test_removed_hooks_have_no_spec() -> None:
    hooks = _spec_hooks()
    assert "eksa_upgrade_needed" not in hooks
    assert "eksa_setup_and_validate_upgrade_management_components" not in hooks
    assert "eksa_capi_deployments" not in hooks  # registration data now: ProviderInfo.controller_deployments


def test_every_hook_has_one_typed_method_on_the_relay() -> None:
    """The core calls each hook through one typed method whose body names the hook: the workflows never do."""
    source = inspect.getsource(HookRelay)
    for name in _spec_hooks():
        if name in ("eksa_provider", "eksa_kinds"):
            continue  # read by Plugins.register itself
        assert f'"{name}"' in source, f"HookRelay has no method calling {name}"


def test_no_hook_name_string_in_the_workflows_or_other_callers() -> None:
    names = "|".join(sorted(_spec_hooks()))
    pattern = re.compile(rf"""["'](?:{names})["']|\.(?:{names})\b""")
    offenders = []
    for path in [*CORE.glob("workflows/*.py"), CORE / "defaults.py", CORE / "validation.py", CORE / "cli.py",
                 CORE / "generate.py", *CORE.glob("conformance/*.py"), *CORE.glob("testing/*.py")]:
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(CORE)}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


class Misspelt:
    @hookimpl
    def eksa_validate_configs(self, config: object) -> None:  # the spec is eksa_validate_config
        return None


def test_an_implementation_without_a_spec_is_refused_naming_plugin_and_hook() -> None:
    plugins = Plugins()
    addon = Misspelt()
    with pytest.raises(PluginError) as err:
        plugins.register(addon, name="eksa-addon-misspelt")
    message = str(err.value)
    assert "eksa-addon-misspelt" in message and "eksa_validate_configs" in message
    assert not plugins.manager.is_registered(addon)  # nothing left behind
    plugins.manager.check_pending()  # and the manager is clean for the next plugin


def test_typed_relay_reaches_only_the_spec_provider_and_observes_calls() -> None:
    class Addon:
        def __init__(self) -> None:
            self.seen: list[str] = []

        @hookimpl
        def eksa_update_kubeconfig(self, kubeconfig: str, cluster_name: str) -> str:
            self.seen.append(cluster_name)
            return kubeconfig + "!"

    plugins = Plugins()
    addon = Addon()
    plugins.register(addon, name="addon")
    calls: list[str] = []

    def observer(hook: str, call: object) -> object:
        calls.append(hook)
        return call()  # type: ignore[operator]

    relay = plugins.hooks_for_kind("NoSuchDatacenterConfig").observed(observer)
    assert relay.update_kubeconfig("k", "c1") == "k!"
    assert addon.seen == ["c1"] and calls == ["eksa_update_kubeconfig"]


def test_no_provider_reads_the_process_environment() -> None:
    """Providers read credentials and settings from the call context (``context.env``) only."""
    providers = CORE.parent / "providers"
    offenders = []
    for path in sorted(providers.glob("*/eksa_*/**/*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\bos\.environ\b|\bos\.getenv\b|\bfrom os import .*environ", line):
                offenders.append(f"{path.relative_to(providers)}:{number}: {line.strip()}")
    assert list(providers.glob("*/eksa_*/templates.py")), "no provider sources found"
    assert not offenders, "\n".join(offenders)


_PROVIDER_NAME = re.compile(r"vsphere|tinkerbell|nutanix|cloud_?stack|\bsnow\b|docker|bare ?metal", re.I)
#: The release models mirror EKS Anywhere's release manifest, whose versions bundle has a section per provider
#: (why that schema stays in the core: :mod:`eksa_core.releases.models`); the real-control-plane test fixture
#: names the Go modules holding the providers' CRDs (and the Cluster API controllers fixture the Docker provider's
#: CRDs); the test kit's Prism Central double speaks Nutanix's wire format (its ``/api/nutanix/v3`` paths) for any
#: provider's tests. Nowhere else: not the kube layer's move kinds, the CLI, validation, generation or the
#: conformance runner.
_NAMES_ALLOWED_IN = ("releases/models.py", "releases/__init__.py", "testing/crds.py", "testing/capi.py",
                     "testing/prism_double.py")


def _code_words(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Identifiers and string constants of ``tree`` that are not docstrings (documentation may name providers
    to trace EKS Anywhere's behaviour)."""
    docs = {id(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.lineno, node.value
        elif isinstance(node, ast.Name):
            yield node.lineno, node.id
        elif isinstance(node, ast.Attribute):
            yield node.lineno, node.attr
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            yield node.lineno, node.name


def test_the_core_names_no_provider() -> None:
    """What the core knows about providers comes from their registration (``ProviderInfo``), so a third-party
    provider can supply the same things."""
    offenders = []
    for path in sorted(CORE.rglob("*.py")):
        relative = path.relative_to(CORE).as_posix()
        if relative.startswith(_NAMES_ALLOWED_IN):
            continue
        for line, word in _code_words(ast.parse(path.read_text())):
            if _PROVIDER_NAME.search(word):
                offenders.append(f"{relative}:{line}: {word[:80]!r}")
    assert not offenders, "\n".join(offenders)


def _lab_provider(traits: contract.ProviderTraits) -> object:
    import attrs

    from eksa_core.models.base import DatacenterConfigObject

    kind = attrs.define(kw_only=True)(type("LabDatacenterConfig", (DatacenterConfigObject,), {
        "__annotations__": {"KIND": "ClassVar[str]"}, "KIND": "LabDatacenterConfig", "__module__": __name__}))

    class Lab:
        @hookimpl
        def eksa_provider(self) -> contract.ProviderInfo:
            return contract.ProviderInfo(name="lab", datacenter_kind="LabDatacenterConfig", kinds=(kind,),
                                         display_name="Lab Cloud", traits=traits)

    return Lab()


def _rules_for(traits: contract.ProviderTraits, **cluster: object) -> list[str]:
    from eksa_core.generate import new_cluster
    from eksa_core.models.base import Ref
    from eksa_core.validation import validate_cluster

    plugins = Plugins()
    plugins.register(_lab_provider(traits), name="eksa-provider-lab")
    spec = new_cluster("lab1", control_plane_count=1, worker_node_group_count=1)
    spec.spec.datacenter_ref = Ref(kind="LabDatacenterConfig", name="lab1")
    for name, value in cluster.items():
        setattr(spec.spec, name, value)
    return [e.message for e in validate_cluster(spec, env={}, plugins=plugins)]


def test_cluster_rules_follow_the_registered_traits() -> None:
    """A third-party provider gets the core's provider-dependent rules from its registration, not its name."""
    vm_like = _rules_for(contract.ProviderTraits())
    assert any("Endpoint.Host is not set" in m for m in vm_like)
    assert any("must specify machineGroupRef" in m for m in vm_like)
    relaxed = _rules_for(contract.ProviderTraits(requires_endpoint=False, requires_machine_configs=False))
    assert not any("Endpoint.Host is not set" in m or "machineGroupRef" in m for m in relaxed)
    no_workers = _rules_for(contract.ProviderTraits(), worker_node_group_configurations=[])
    assert any("WorkerNodeGroupConfigs cannot be empty for LabDatacenterConfig" in m for m in no_workers)
    allowed = _rules_for(contract.ProviderTraits(allows_no_workers=True), worker_node_group_configurations=[])
    assert not any("cannot be empty" in m for m in allowed)
    assert any("pods will be scheduled on control-plane nodes" in m for m in allowed)
