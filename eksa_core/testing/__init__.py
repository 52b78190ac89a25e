"""The provider contract kit: checks any provider package can run against itself with pytest.

Each ``check_*`` function raises ``AssertionError`` with a message saying what is wrong (so it reads well in a
pytest report) and returns what it built, for further assertions. The quickest way to use them is to subclass
:class:`ProviderContract` in the provider's tests::

    from eksa_core.testing import ProviderContract

    class TestMyProviderContract(ProviderContract):
        provider_name = "myprovider"
        distribution = "eksa-provider-myprovider"
        valid_spec = Path(__file__).with_name("cluster.yaml").read_text()
        invalid_spec = ...                      # a spec the provider's static validation rejects
        invalid_fields = {("MyDatacenterConfig", "spec.server")}
        env = {"MYPROVIDER_PASSWORD": "contract-secret-1234"}

What is checked:

* the plugin loads through its ``eksa.providers`` entry point, from the named distribution, without failure;
* its :class:`~eksa_core.plugins.ProviderInfo` is sane (lower-case name, kinds that are EKS-A objects,
  datacenter and machine kinds among them, a version);
* its kinds round-trip: the documents of the valid spec read into models and write back as read;
* static validation of the invalid spec returns :class:`~eksa_core.errors.SpecError` s located at kind, name
  and a camelCase field path;
* the template hooks return well-formed objects (``apiVersion``, ``kind``, ``metadata.name``) in namespace
  ``eksa-system``, named as EKS Anywhere names them (``<cluster>`` for the CAPI Cluster, the provider cluster
  and the KubeadmControlPlane, ``<cluster>-control-plane-<n>``, ``<cluster>-<group>`` MachineDeployments,
  ``<cluster>-<group>-<n>`` worker templates; a group split over several MachineDeployments ``<cluster>-<group>-<part>``
  (Nutanix failure domains) may suffix its templates ``-<part>``);
* no secret value of the environment (nor one of ``secrets``, for credentials the environment names as a file or
  carries encoded) appears in any rendered object other than a Secret's ``data`` / ``stringData``.
"""

from __future__ import annotations

import base64
import copy
import importlib.metadata
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

from ..contract import CallContext
from ..convert import structure, unstructure
from ..errors import SpecError, SpecErrors
from ..hookspecs import ENTRY_POINT_GROUP
from ..models.base import EksaObject
from ..plugins import Plugins, ProviderHooks, ProviderInfo, TemplateOptions
from ..spec import ClusterConfig, Spec, parse_cluster_config
from ..yamlio import to_plain

__all__ = [
    "SYSTEM_NAMESPACE",
    "ProviderContract",
    "build_spec",
    "check_entry_point",
    "check_kinds_round_trip",
    "check_no_secret_leaks",
    "check_provider_info",
    "check_static_validation",
    "check_templates",
    "conformance_dir",
    "patched_env",
    "render",
]

SYSTEM_NAMESPACE = "eksa-system"
CONFORMANCE_DIR_ENV = "EKSA_CONFORMANCE_DIR"


def conformance_dir(start: str | os.PathLike[str] | None = None) -> Path | None:
    """The folder of EKS Anywhere conformance fixtures (the one holding ``cases.yaml``).

    ``$EKSA_CONFORMANCE_DIR`` when it is set; otherwise the first ``tests/conformance/data`` folder (the copy this
    repository carries) found at ``start`` or one of its parents (``start`` defaults to the current directory; pass
    ``__file__`` from a test). ``None`` when there is none, so tests can skip with a reason.
    """
    env = os.environ.get(CONFORMANCE_DIR_ENV)
    if env:
        path = Path(env)
        return path if (path / "cases.yaml").is_file() else None
    here = Path(start).resolve() if start is not None else Path.cwd()
    for folder in [here, *here.parents]:
        candidate = folder / "tests" / "conformance" / "data"
        if (candidate / "cases.yaml").is_file():
            return candidate
    return None


_CAMEL_PATH = re.compile(r"^[a-z][A-Za-z0-9]*(\[[^\]]+\])*(\.[a-z][A-Za-z0-9]*(\[[^\]]+\])*)*$")
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")


@contextmanager
def patched_env(env: Mapping[str, str]) -> Iterator[None]:
    """Set ``env`` in ``os.environ`` for the duration of the block (for code of the test's own that reads the
    process environment; the kit's checks hand ``env`` to the hooks through the call context instead)."""
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def check_entry_point(provider_name: str, distribution: str | None = None) -> Plugins:
    """The provider loads through the ``eksa.providers`` entry point (from ``distribution`` when given)."""
    eps = [ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP) if ep.name == provider_name]
    assert eps, (f"no entry point named {provider_name!r} in group {ENTRY_POINT_GROUP!r}: is the package installed "
                 f"(pip install -e <package dir>)?")
    if distribution is not None:
        dists = {ep.dist.name for ep in eps if ep.dist is not None}
        assert distribution in dists, f"entry point {provider_name!r} comes from {dists}, not {distribution!r}"
    plugins = Plugins()
    plugins.load_entry_points()
    broken = [f for f in plugins.failures if f.name == provider_name]
    assert not broken, f"the plugin failed to load: {broken[0].error}"
    assert provider_name in plugins.providers, f"the plugin loaded but registered no provider {provider_name!r}"
    return plugins


def check_provider_info(plugins: Plugins, provider_name: str) -> ProviderInfo:
    """:class:`ProviderInfo` is sane and its kinds are registered."""
    hooks = plugins.provider(provider_name)
    info = hooks.info
    assert re.fullmatch(r"[a-z][a-z0-9-]*", info.name), f"provider name {info.name!r} must be lower-case"
    assert info.datacenter_kind.endswith("DatacenterConfig"), \
        f"datacenter kind {info.datacenter_kind!r} should be named <Provider>DatacenterConfig"
    kinds = {cls.KIND: cls for cls in info.kinds}
    for cls in info.kinds:
        assert isinstance(cls, type) and issubclass(cls, EksaObject), f"{cls!r} is not an EksaObject subclass"
        assert cls.KIND, f"{cls.__name__} has no KIND"
        assert plugins.registry.get(cls.KIND) is not None, f"kind {cls.KIND} is not registered"
    assert info.datacenter_kind in kinds, f"kinds do not include the datacenter kind {info.datacenter_kind}"
    if info.machine_kind:
        assert info.machine_kind in kinds, f"kinds do not include the machine kind {info.machine_kind}"
    assert info.version, "ProviderInfo.version is empty"
    for namespace, names in info.controller_deployments.items():
        assert _NAME.match(namespace) and names and all(_NAME.match(n) for n in names), \
            f"ProviderInfo.controller_deployments: {namespace}: {names!r} are not Kubernetes names"
    for api_version, kind in info.movable_kinds:
        assert "/" in api_version and kind[:1].isupper(), f"movable kind {api_version} {kind} is malformed"
    return info


def check_kinds_round_trip(plugins: Plugins, provider_name: str, spec_text: str) -> ClusterConfig:
    """Every provider document of ``spec_text`` reads into its model and writes back to the same data."""
    info = plugins.provider(provider_name).info
    config = parse_cluster_config(spec_text, file="contract.yaml", registry=plugins.registry)
    own = {cls.KIND for cls in info.kinds}
    seen = set()
    for entry in config.entries:
        if entry.obj.kind not in own or entry.document is None:
            continue
        seen.add(entry.obj.kind)
        original = to_plain(entry.document.data)
        written = unstructure(entry.obj)
        assert written == original, f"{entry.obj.kind} {entry.obj.name} does not round-trip:\n{original}\n!=\n{written}"
        again = structure(copy.deepcopy(written), type(entry.obj))
        assert unstructure(again) == written, f"{entry.obj.kind} {entry.obj.name}: structure(unstructure(x)) != x"
    assert info.datacenter_kind in seen, f"the spec has no {info.datacenter_kind} document"
    return config


def build_spec(plugins: Plugins, spec_text: str, *, env: Mapping[str, str] | None = None,
               release_manifest: str | os.PathLike[str] | None = None) -> Spec:
    """Parse, default and validate ``spec_text`` into a :class:`Spec`; raises :class:`SpecErrors` when it is
    invalid. With ``release_manifest`` (e.g. :data:`eksa_core.releases.BUNDLED_RELEASE_MANIFEST`) the spec gets
    its release bundle and EKS-D releases, which real renderers need; without, it has none."""
    from ..defaults import set_defaults
    from ..validation import validate

    config = parse_cluster_config(spec_text, file="contract.yaml", registry=plugins.registry)
    set_defaults(config, plugins=plugins, env=env)
    errors = [e for e in validate(config, plugins=plugins, env=env) if not e.warning]
    SpecErrors.raise_if_any(errors)
    if release_manifest is not None:
        from ..releases import build_spec as build_with_releases

        return build_with_releases(config, release_manifest=Path(release_manifest), plugins=plugins)
    return Spec(config, plugins=plugins)


def check_static_validation(
    plugins: Plugins, provider_name: str, invalid_spec_text: str, expected: Iterable[tuple[str, str]] = ()
) -> list[SpecError]:
    """The provider's ``eksa_validate_config`` rejects ``invalid_spec_text`` with located errors.

    :param expected: ``(kind, field)`` pairs that must be among the errors.
    """
    from ..defaults import set_defaults

    hooks = plugins.provider(provider_name)
    config = parse_cluster_config(invalid_spec_text, file="contract.yaml", registry=plugins.registry)
    set_defaults(config, plugins=plugins)
    errors = [e for e in hooks.validate_config(config) if not e.warning]
    assert errors, "static validation accepted a spec it should reject"
    for err in errors:
        assert isinstance(err, SpecError), f"validation returned {type(err).__name__}, not SpecError"
        assert err.kind and err.name, f"error {err.message!r} does not say which object (kind, name)"
        assert err.field and _CAMEL_PATH.match(err.field), \
            f"error {err.message!r} has no camelCase field path (got {err.field!r})"
        located = config.locate(err)
        assert located.line is not None, f"error {err.message!r} cannot be located in the file"
    found = {(e.kind, e.field) for e in errors}
    for kind, field in expected:
        assert (kind, field) in found, f"expected an error at {kind} {field}; got {sorted(found)}"
    return errors


def render(hooks: ProviderHooks, spec: Spec, env: Mapping[str, str] | None = None
           ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The control plane and worker objects of ``spec`` with default template names, rendered in a dry-run
    call context whose environment is ``env`` (default: none)."""
    context = CallContext(cluster_dir=Path(spec.name), env=dict(env or {}), dry_run=True)
    control_plane = hooks.generate_control_plane(spec, TemplateOptions(), context)
    workers = hooks.generate_workers(spec, None, None, TemplateOptions(), context)
    return [dict(o) for o in control_plane], [dict(o) for o in workers]


def _group(api_version: Any) -> str:
    return str(api_version or "").rpartition("/")[0]


def check_templates(plugins: Plugins, provider_name: str, spec: Spec,
                    env: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
    """Template hooks return well-formed objects in ``eksa-system``, named by EKS Anywhere's rules (§5), when
    rendered with the call context's environment ``env`` (the process environment plays no part)."""
    hooks = plugins.provider(provider_name)
    control_plane, workers = render(hooks, spec, env)
    assert control_plane, "eksa_generate_control_plane returned nothing"
    name = spec.name
    for obj in control_plane + workers:
        kind, meta = obj.get("kind"), obj.get("metadata") or {}
        what = f"{kind} {meta.get('name')}"
        assert isinstance(obj.get("apiVersion"), str) and obj["apiVersion"], f"{what} has no apiVersion"
        assert isinstance(kind, str) and kind, f"an object has no kind: {obj}"
        assert isinstance(meta.get("name"), str) and _NAME.match(meta["name"]), f"{what}: bad metadata.name"
        assert meta.get("namespace") == SYSTEM_NAMESPACE, f"{what} is not in namespace {SYSTEM_NAMESPACE}"
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for obj in control_plane + workers:
        by_kind.setdefault(str(obj["kind"]), []).append(obj)
    clusters = [o for o in by_kind.get("Cluster", []) if _group(o["apiVersion"]) == "cluster.x-k8s.io"]
    assert [c["metadata"]["name"] for c in clusters] == [name], f"expected one CAPI Cluster named {name}"
    cluster = clusters[0]
    labels = (cluster["metadata"].get("labels") or {})
    infra_ref = (cluster.get("spec") or {}).get("infrastructureRef") or {}
    if infra_ref:
        assert infra_ref.get("name") == name, f"the provider cluster must be named {name}"
        assert any(o["kind"] == infra_ref.get("kind") and o["metadata"]["name"] == name
                   for o in control_plane), f"provider cluster {infra_ref.get('kind')} {name} is not rendered"
    if labels:
        assert labels.get("cluster.x-k8s.io/cluster-name") == name, "Cluster label cluster-name is wrong"
    for kcp in by_kind.get("KubeadmControlPlane", []):
        assert kcp["metadata"]["name"] == name, f"KubeadmControlPlane must be named {name}"
        ref = _dig(kcp, "spec.machineTemplate.spec.infrastructureRef.name") or \
            _dig(kcp, "spec.machineTemplate.infrastructureRef.name")
        if ref is not None:
            assert re.fullmatch(rf"{re.escape(name)}-control-plane-\d+", ref), \
                f"control plane machine template {ref} should be {name}-control-plane-<n>"
    groups = {g.name or "" for g in spec.cluster.worker_groups()}
    for md in by_kind.get("MachineDeployment", []):
        md_name = md["metadata"]["name"]
        templates = [pattern for g in groups if (pattern := _worker_template_pattern(name, g, md_name))]
        assert templates, f"MachineDeployment {md_name} should be {name}-<group>"
        for path in ("spec.template.spec.infrastructureRef.name", "spec.template.spec.bootstrap.configRef.name"):
            ref = _dig(md, path)
            if ref is not None:
                assert any(re.fullmatch(t, ref) for t in templates), \
                    f"{path} {ref} of MachineDeployment {md_name} should be <cluster>-<group>-<n>"
    if groups:
        assert by_kind.get("MachineDeployment"), "workers have no MachineDeployment"
    return control_plane + workers


def _worker_template_pattern(cluster: str, group: str, md_name: str) -> str | None:
    """The names allowed for the templates of MachineDeployment ``md_name`` if it belongs to worker ``group``.

    A MachineDeployment is ``<cluster>-<group>``, or ``<cluster>-<group>-<part>`` when the group is split (Nutanix
    failure domains). Its templates are ``<cluster>-<group>-<n>``; a part's may carry the suffix ``-<part>``.
    """
    base = f"{cluster}-{group}"
    if md_name == base:
        return rf"{re.escape(base)}-\d+"
    if md_name.startswith(f"{base}-"):
        return rf"{re.escape(base)}-\d+(-{re.escape(md_name[len(base) + 1:])})?"
    return None


def _dig(obj: Mapping[str, Any], dotted: str) -> Any:
    current: Any = obj
    for part in dotted.split("."):
        current = current.get(part) if isinstance(current, Mapping) else None
    return current


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _strings(v)


def check_no_secret_leaks(plugins: Plugins, provider_name: str, spec: Spec, env: Mapping[str, str],
                          secrets: Iterable[str] = ()) -> None:
    """Secret values of ``env`` appear in rendered objects only inside Secrets' ``data``/``stringData``.

    :param secrets: further secret values to look for: credentials the environment only names (a file path) or
        carries encoded (the base64 of an INI file), which the values of ``env`` themselves do not show.
    """
    secrets = [v for v in [*env.values(), *secrets] if len(v) >= 6]
    assert secrets, "give env (or secrets) at least one secret value (6+ characters) to look for"
    encoded = [base64.b64encode(v.encode()).decode() for v in secrets]
    hooks = plugins.provider(provider_name)
    control_plane, workers = render(hooks, spec, env)
    machine_configs = hooks.machine_configs(spec)
    bootstrap = hooks.bootstrap_options(spec)
    outputs: list[tuple[str, Any]] = []
    for obj in control_plane + workers:
        what = f"{obj.get('kind')} {(obj.get('metadata') or {}).get('name')}"
        if obj.get("kind") == "Secret":
            outputs.append((what, {k: v for k, v in obj.items() if k not in ("data", "stringData")}))
        else:
            outputs.append((what, obj))
    outputs += [(f"machine config {m.name}", unstructure(m)) for m in machine_configs]
    if bootstrap is not None:
        outputs.append(("bootstrap options", {"env": dict(bootstrap.env)}))
    for what, data in outputs:
        for text in _strings(data):
            for value in [*secrets, *encoded]:
                assert value not in text, f"a secret from the environment leaks into {what}"


class ProviderContract:
    """Pytest test class of the provider contract: subclass it as ``Test…`` and fill in the class attributes."""

    provider_name: ClassVar[str] = ""
    distribution: ClassVar[str | None] = None
    valid_spec: ClassVar[str] = ""
    invalid_spec: ClassVar[str] = ""
    invalid_fields: ClassVar[set[tuple[str, str]]] = set()
    env: ClassVar[dict[str, str]] = {}
    #: Secret values held inside what ``env`` names or encodes (keys in a credentials file), looked for too.
    secrets: ClassVar[tuple[str, ...]] = ()
    #: Release manifest for the template checks (renderers need a bundle); ``None`` for providers that don't.
    release_manifest: ClassVar[str | os.PathLike[str] | None] = None

    def plugins(self) -> Plugins:
        return check_entry_point(self.provider_name, self.distribution)

    def test_plugin_loads_through_entry_point(self) -> None:
        self.plugins()

    def test_provider_info_is_sane(self) -> None:
        check_provider_info(self.plugins(), self.provider_name)

    def test_kinds_round_trip(self) -> None:
        check_kinds_round_trip(self.plugins(), self.provider_name, self.valid_spec)

    def test_valid_spec_passes_validation(self) -> None:
        build_spec(self.plugins(), self.valid_spec, env=self.env)

    def test_static_validation_returns_located_errors(self) -> None:
        if not self.invalid_spec:
            import pytest

            pytest.skip("no invalid_spec given")
        check_static_validation(self.plugins(), self.provider_name, self.invalid_spec, self.invalid_fields)

    def test_templates_are_well_formed(self) -> None:
        plugins = self.plugins()
        spec = build_spec(plugins, self.valid_spec, env=self.env, release_manifest=self.release_manifest)
        check_templates(plugins, self.provider_name, spec, self.env)

    def test_no_secret_leaks(self) -> None:
        if not self.env and not self.secrets:
            import pytest

            pytest.skip("no env with secret values given")
        plugins = self.plugins()
        spec = build_spec(plugins, self.valid_spec, env=self.env, release_manifest=self.release_manifest)
        check_no_secret_leaks(plugins, self.provider_name, spec, self.env, self.secrets)
