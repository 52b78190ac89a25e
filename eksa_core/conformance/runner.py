"""Running conformance cases: a thin loop over eksa's public APIs and the providers' hooks.

Each case kind maps to one public entry point:

* ``parse-valid`` / ``parse-invalid`` / ``defaults`` – the loader (:func:`eksa_core.spec.parse_cluster_config`),
  defaults (:func:`eksa_core.defaults.set_defaults`) and validation (:func:`eksa_core.validation.validate`), chosen
  by the case's ``operation`` (parse only, get-and-validate, get one kind, validate one kind);
* ``generate-cluster`` – :func:`eksa_core.generate.generate_cluster`;
* ``render-control-plane`` / ``render-workers`` – the provider's template hooks on a spec built like EKS-A's tests
  build it (parse, defaults, release bundle, builder inputs, mutations, environment);
* every other kind – the provider's ``eksa_conformance_case`` hook.

A case whose provider plugin is not installed, or that is ``blocked_by`` something, is skipped, never passed.
"""

from __future__ import annotations

import os
import re
import traceback
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from ..contract import CallContext
from ..convert import structure, unstructure, wire_path
from ..errors import EksaError, SpecErrors
from ..models.base import API_VERSION, EksaObject
from ..models.cluster import Cluster
from ..plugins import Plugins, ProviderHooks, TemplateOptions, default_plugins
from ..spec import ClusterConfig, Spec, load_cluster_config
from ..yamlio import read_text, to_plain
from .cases import Case, case_environment, load_case_file
from .compare import compare_data, compare_manifests, compare_zero_tolerant, error_matches, split_manifests

__all__ = [
    "RENDER_KINDS",
    "CaseResult",
    "apply_mutations",
    "build_case_spec",
    "render_case_objects",
    "run_case",
    "run_case_file",
    "summary_line",
]

CLI_VERSION = "v0.19.0-dev+latest"
"""The EKS-A CLI version the public render cases were produced with (README: 'How a render case is built')."""


@attrs.define
class CaseResult:
    """The outcome of one case: ``status`` is ``PASS``, ``FAIL`` or ``SKIP``."""

    id: str
    status: str
    detail: str = ""
    kind: str = ""
    provider: str = ""

    def line(self) -> str:
        return f"{self.status} {self.id}" + (f": {self.detail}" if self.detail else "")

    def to_dict(self) -> dict[str, str]:
        return attrs.asdict(self)


class _Skip(Exception):
    pass


class _Fail(Exception):
    pass


# -- helpers ------------------------------------------------------------------------------------------------------


def _provider(plugins: Plugins, case: Case) -> ProviderHooks:
    name = case.provider  # a provider's name or one of its aliases (ProviderInfo.aliases)
    try:
        return plugins.provider(name)
    except EksaError:
        raise _Skip(f"provider plugin {name} is not installed") from None


def _kind_owner(plugins: Plugins, kind: str) -> ProviderHooks | None:
    info = plugins.registry.get(kind)
    if info is None:
        raise _Skip(f"no installed plugin defines kind {kind}")
    for pinfo, _ in plugins.providers.values():
        if kind in pinfo.kind_names:
            return plugins.provider(pinfo.name)
    return None


def _outcome(case: Case, run: Callable[[], Any]) -> Any:
    """Run ``run`` and check the case's error/valid expectation; returns the value for further checks."""
    expected_error = case.get("expected_error")
    try:
        value = run()
    except (EksaError, OSError) as exc:
        if expected_error is None:
            raise _Fail(f"unexpected error: {_one_line(exc)}") from None
        ok, how = error_matches(str(expected_error), exc, origin=case.get("error_origin"))
        if not ok:
            raise _Fail(f"{how}: expected {expected_error!r}, got {_one_line(exc)}") from None
        return _Matched(how)
    if expected_error is not None:
        raise _Fail(f"expected error {expected_error!r}, but it succeeded")
    return value


@attrs.define
class _Matched:
    how: str


def _one_line(exc: BaseException) -> str:
    text = " | ".join(str(e) for e in getattr(exc, "errors", [exc]))
    return text if len(text) < 600 else text[:597] + "..."


def _expected_text(case: Case, key: str = "expected") -> str:
    path = case.path(case.get(key))
    if path is None:
        raise _Fail(f"case has no {key}")
    return read_text(path)


# -- mutations ------------------------------------------------------------------------------------------------------

_TARGET = re.compile(r"^(?P<kind>[A-Za-z]+)(?:\[(?P<name>[^\]]+)\])?(?:\.(?P<rest>.+))?$")
_FREE_KEYS = {"annotations", "labels"}


def _split_path(path: str) -> list[str | int]:
    parts: list[str | int] = []
    tokens = path.split(".")
    i = 0
    while i < len(tokens):
        token = tokens[i]
        base, *indices = re.split(r"\[(\d+)\]", token)
        if base:
            parts.append(base)
        parts += [int(x) for x in indices if x != ""]
        if base in _FREE_KEYS and i + 1 < len(tokens):
            parts.append(".".join(tokens[i + 1:]))
            break
        i += 1
    return parts


def _set(data: Any, parts: list[str | int], value: Any, op: str) -> None:
    node = data
    for j, part in enumerate(parts[:-1]):
        nxt = parts[j + 1]
        if isinstance(part, int):
            node = node[part]
            continue
        if part not in node or node[part] is None:
            node[part] = [] if isinstance(nxt, int) else {}
        node = node[part]
    last = parts[-1]
    if op == "delete":
        if isinstance(last, int):
            del node[last]
        else:
            node.pop(last, None)
    else:
        node[last] = value


def apply_mutations(config: ClusterConfig, mutations: Iterable[Mapping[str, Any]], plugins: Plugins) -> None:
    """Apply a case's ``mutations`` to the documents of ``config`` (in place).

    ``path`` is ``Cluster.<yaml path>``, ``<Kind>[<name>].<yaml path>`` or, with ``op: replace-all``, a plural kind
    (``TinkerbellMachineConfigs``) whose objects are all replaced by the ``value`` map (name → document body).
    """
    for mutation in mutations:
        path = str(mutation["path"])
        op = str(mutation.get("op", "set"))
        value = mutation.get("value")
        if op == "replace-all":
            kind = path[:-1] if path.endswith("s") else path
            info = plugins.registry.get(kind)
            if info is None:
                raise _Skip(f"mutation needs kind {kind}, which no installed plugin defines")
            for obj in config.of_kind(kind):
                config.remove(obj)
            for name, body in (value or {}).items():
                data = {"apiVersion": API_VERSION, "kind": kind, "metadata": {"name": name}, **dict(body)}
                config.add(structure(data, info.cls))
            continue
        m = _TARGET.match(path)
        if not m:
            raise _Fail(f"mutation path {path!r} is not understood")
        kind, name, rest = m.group("kind"), m.group("name"), m.group("rest")
        target: EksaObject | None = config.cluster if kind == "Cluster" and not name else config.get(kind, name)
        if target is None:
            raise _Fail(f"mutation target {kind}[{name}] is not in the spec")
        data = unstructure(target)
        _set(data, wire_path(type(target), _split_path(rest or "")), to_plain(value), op)
        config.replace(target, structure(data, type(target)))


# -- spec building ------------------------------------------------------------------------------------------------


def _builder_inputs(case: Case, config: ClusterConfig, plugins: Plugins) -> dict[str, Any]:
    """Put the datacenter / machine-config specs a case hands to the builder into ``config``; returns the
    non-file builder arguments (e.g. ``tinkerbellIP``)."""
    inputs = case.get("builder_inputs")
    extra: dict[str, Any] = {}
    if not isinstance(inputs, Mapping):
        return extra

    def spec_of(rel: str, kind: str | None) -> Any:
        loaded = load_cluster_config(case.base_dir / rel, registry=plugins.registry, strict=False)
        candidates = [o for o in loaded if kind is None or o.kind == kind]
        if not candidates:
            raise _Fail(f"builder input {rel} has no {kind} document")
        return getattr(candidates[0], "spec", None)

    cluster = config.cluster
    refs: list[tuple[str, Any]] = []
    for key, value in inputs.items():
        if isinstance(value, str) and value.startswith("from-input"):
            continue
        if key == "datacenter" and isinstance(value, str):
            dc = config.datacenter()
            if dc is not None:
                dc.spec = spec_of(value, dc.kind)  # type: ignore[attr-defined]
        elif key == "controlPlaneMachineConfig" and isinstance(value, str):
            cp = cluster.spec.control_plane_configuration
            refs.append((value, cp.machine_group_ref if cp else None))
        elif key == "etcdMachineConfig" and isinstance(value, str):
            etcd = cluster.spec.external_etcd_configuration
            refs.append((value, etcd.machine_group_ref if etcd else None))
        elif key == "workerMachineConfigs" and isinstance(value, Mapping):
            for mc_name, rel in value.items():
                if isinstance(rel, str) and not rel.startswith("from-input"):
                    refs.append((rel, _AnyRef(None, mc_name)))
        elif not isinstance(value, str | Mapping) or key not in ("datacenter",):
            extra[re.sub(r"\s*\(.*\)$", "", key)] = value
    for rel, ref in refs:
        if ref is None:
            continue
        mc = config.machine_config(ref.name, ref.kind)
        if mc is not None:
            mc.spec = spec_of(rel, mc.kind)  # type: ignore[attr-defined]
    return extra


@attrs.define
class _AnyRef:
    kind: str | None
    name: str | None


def build_case_spec(case: Case, plugins: Plugins) -> tuple[Spec, dict[str, Any]]:
    """Build the spec of a render case the way EKS-A's tests do: parse, defaults, builder inputs, release
    bundle, mutations. Returns the spec and extra builder arguments."""
    from ..defaults import set_defaults
    from ..releases import build_spec_from_files

    if case.input is None:
        raise _Fail("render case without input")
    # EKS-A's test spec builders decode non-strictly (unknown fields such as ``clusterNetwork.node`` are ignored).
    config = load_cluster_config(case.input, registry=plugins.registry, strict=False)
    # ... and apply the API types' own defaults (Cluster: worker group names, CNI...), not the CLI's or the
    # provider's setup-time defaults: an empty plugin set keeps provider hooks out.
    set_defaults(config, plugins=Plugins(), stage="api")
    extra = _builder_inputs(case, config, plugins)
    apply_mutations(config, case.get("mutations") or [], plugins)
    spec = build_spec_from_files(config, case.release_files, cli_version=CLI_VERSION)
    spec.plugins = plugins
    return spec, extra


# -- kinds --------------------------------------------------------------------------------------------------------


RENDER_KINDS = ("render-control-plane", "render-workers")
"""Case kinds the core renders through the providers' template hooks; other ``render-*`` kinds are the
providers' own (answered by ``eksa_conformance_case``)."""


def render_case_objects(case: Case, plugins: Plugins | None = None) -> list[dict[str, Any]]:
    """The objects a ``render-*`` case renders (what its expected file is compared with), as plain data.

    The case is run exactly as :func:`run_case` runs it, in its environment, without comparing anything. A case
    of another kind, or one the provider does not render, raises :class:`~eksa_core.errors.EksaError`.
    """
    plugins = plugins or default_plugins()
    if not case.kind.startswith("render-"):
        raise EksaError(f"case {case.id} is a {case.kind} case, not a render case")
    try:
        with case_environment(case) as env:
            if case.kind in RENDER_KINDS:
                objects = _render_objects(case, plugins)
            else:
                objects = _provider_case_result(case, plugins, env)
    except (_Skip, _Fail) as exc:
        raise EksaError(f"case {case.id}: {exc}") from None
    if isinstance(objects, _Matched) or objects is None:
        raise EksaError(f"case {case.id}: the provider rendered nothing")
    return split_manifests(objects)


def _render_objects(case: Case, plugins: Plugins) -> Any:
    hooks = _provider(plugins, case)
    spec, extra = build_case_spec(case, plugins)
    params = case.params
    opts = dict(params.get("buildOptions") or {})
    options = TemplateOptions(
        control_plane_template_name=opts.pop("controlPlaneTemplateName", None),
        etcd_template_name=opts.pop("etcdTemplateName", None),
        extra={**opts, **extra},
    )
    # rendering contacts nothing; the case environment (applied by the caller) is the hooks' environment
    context = CallContext(cluster_dir=case.base_dir, env=dict(os.environ), dry_run=True)
    if case.kind == "render-control-plane":
        objects = hooks.generate_control_plane(spec, options, context)
    else:
        objects = hooks.generate_workers(spec, params.get("workloadTemplateNames"),
                                         params.get("kubeadmconfigTemplateNames"), options, context)
    if not objects:
        raise _Skip(f"provider {hooks.info.name} does not render {case.kind}")
    return objects


def _run_render(case: Case, plugins: Plugins) -> str:
    return _check_manifests(case, _render_objects(case, plugins))


def _check_manifests(case: Case, objects: Any) -> str:
    mode = str(case.get("compare") or "exact")
    diffs = compare_manifests(_expected_text(case), objects, mode=mode,
                              pruned_fields=list(case.get("pruned_fields") or []))
    if diffs:
        soft = case.get("verified_by_eksa") is False
        raise _Fail(("(soft check: EKS-A never compares this file) " if soft else "") + "; ".join(diffs[:6])
                    + (f"; ... {len(diffs) - 6} more" if len(diffs) > 6 else ""))
    return f"{len(split_manifests(objects))} objects equal ({mode})"


def _run_api(case: Case, plugins: Plugins) -> str:
    op = case.operation
    path = case.input
    if path is None:
        raise _Fail("case has no input")
    params = case.params
    if op.startswith("GetAndValidateClusterConfig"):
        from ..loading import get_and_validate_cluster_config

        def run() -> Any:
            return get_and_validate_cluster_config(path)
    elif op.startswith(("GetAndValidateOIDCConfig", "GetAndValidateAWSIamConfig")):
        from ..loading import get_and_validate_awsiam_config, get_and_validate_oidc_config

        getter = get_and_validate_oidc_config if "OIDC" in op else get_and_validate_awsiam_config

        cluster = structure(params["cluster"] or {}, Cluster) if "cluster" in params else None

        def run() -> Any:
            return getter(path, params.get("refName") or "", cluster)
    elif op.startswith("ParseClusterConfig"):
        def run() -> Any:
            return load_cluster_config(path, registry=plugins.registry).cluster
    elif (m := re.match(r"^Get(?P<kind>\w+?)(?P<validate>\+Validate)?$", op)):
        kind = m.group("kind")

        def run() -> Any:
            config = load_cluster_config(path, registry=plugins.registry)
            obj = config.require(kind)
            if m.group("validate"):
                _validate_kind(config, kind, plugins)
            return obj
    elif op.startswith("cluster.ParseConfigFromFile"):
        kind_m = re.search(r"\+\s*(\w+)\.(SetDefaults|Validate)", op)
        if not kind_m:
            raise _Fail(f"operation {op!r} is not understood")
        kind, action = kind_m.group(1), kind_m.group(2)

        def run() -> Any:
            config = load_cluster_config(path, registry=plugins.registry)
            config.require(kind)
            if action == "SetDefaults":
                owner = _kind_owner(plugins, kind)
                if owner is not None:
                    owner.set_defaults(config)
            else:
                _validate_kind(config, kind, plugins)
            return config
    else:
        raise _Fail(f"operation {op!r} is not understood by this runner")

    result_obj = _outcome(case, run)
    if isinstance(result_obj, _Matched):
        return f"error matched ({result_obj.how})"
    checks: list[str] = []
    if case.get("expected_object"):
        expected = split_manifests(_expected_text(case, "expected_object"))[0]
        actual = unstructure(result_obj) if isinstance(result_obj, EksaObject) else result_obj
        diffs = compare_zero_tolerant(expected, actual)
        if diffs:
            raise _Fail("; ".join(diffs[:6]))
        checks.append("object equal")
    if case.get("expected_fields"):
        config = result_obj
        for field_path, expected_value in case.get("expected_fields").items():
            actual = _resolve_field(config, field_path)
            diffs = compare_data(expected_value, actual, field_path)
            if diffs:
                raise _Fail("; ".join(diffs))
        checks.append(f"{len(case.get('expected_fields'))} fields equal")
    return ", ".join(checks) or "valid"


def _validate_kind(config: ClusterConfig, kind: str, plugins: Plugins) -> None:
    """Static validation of the documents of one kind (by the provider that owns it)."""
    owner = _kind_owner(plugins, kind)
    if owner is None:
        return
    errors = [e for e in owner.validate_config(config) if not e.warning and (e.kind in (None, kind))]
    if errors:
        raise SpecErrors([config.locate(e) for e in errors])


def _resolve_field(config: ClusterConfig, field_path: str) -> Any:
    m = _TARGET.match(field_path)
    if not m:
        raise _Fail(f"field path {field_path!r} is not understood")
    kind, name, rest = m.group("kind"), m.group("name"), m.group("rest")
    obj = config.cluster if kind == "Cluster" and not name else config.get(kind, name)
    if obj is None:
        raise _Fail(f"{kind}[{name}] is not in the spec")
    node: Any = unstructure(obj)
    for part in _split_path(rest or ""):
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _run_generate(case: Case, plugins: Plugins) -> str:
    from ..generate import cluster_data, new_cluster_from_params

    cluster = new_cluster_from_params(case.params)
    return _check_manifests(case, [cluster_data(cluster)])


def _provider_case_result(case: Case, plugins: Plugins, env: Mapping[str, str]) -> Any:
    hooks = _provider(plugins, case)
    inputs: dict[str, Any] = {"base_dir": case.base_dir, "spec": None, "env": env}
    if case.release_files and case.input is not None and case.input.suffix in (".yaml", ".yml"):
        inputs["spec"], inputs["builder_arguments"] = build_case_spec(case, plugins)
    return _outcome(case, lambda: hooks.conformance_case(case.kind, case.raw, inputs))


def _run_provider_case(case: Case, plugins: Plugins) -> str:
    hooks = _provider(plugins, case)
    with case_environment(case) as env:
        result = _provider_case_result(case, plugins, env)
    if isinstance(result, _Matched):
        return f"error matched ({result.how})"
    if result is None and case.get("expected_error") is None:
        raise _Skip(f"provider {hooks.info.name} does not handle case kind {case.kind}")
    passed = getattr(result, "passed", None)
    if passed is not None:
        if not passed:
            raise _Fail(str(getattr(result, "detail", "provider check failed")))
        return str(getattr(result, "detail", "") or "provider check passed")
    if case.get("expected"):
        return _check_manifests(case, result)
    if case.get("expected_value") is not None:
        diffs = compare_data(to_plain(case.get("expected_value")), to_plain(result))
        if diffs:
            raise _Fail("; ".join(diffs[:6]))
        return "value equal"
    if case.get("expected_outcome") == "valid":
        return "valid"
    return "ran"


_API_KINDS = {"parse-valid", "parse-invalid", "defaults"}


def run_case(case: Case, plugins: Plugins | None = None) -> CaseResult:
    """Run one case and say PASS, FAIL or SKIP (never raises for a case's own failure)."""
    plugins = plugins or default_plugins()
    res = CaseResult(case.id, "PASS", kind=case.kind, provider=case.provider)
    try:
        if case.blocked_by:
            raise _Skip(f"blocked by {case.blocked_by}")
        if case.kind in _API_KINDS:
            with case_environment(case):
                res.detail = _run_api(case, plugins)
        elif case.kind == "generate-cluster":
            res.detail = _run_generate(case, plugins)
        elif case.kind in RENDER_KINDS:
            with case_environment(case):
                res.detail = _run_render(case, plugins)
        else:
            res.detail = _run_provider_case(case, plugins)
    except _Skip as exc:
        res.status, res.detail = "SKIP", str(exc)
    except _Fail as exc:
        res.status, res.detail = "FAIL", str(exc)
    except (EksaError, OSError) as exc:
        res.status, res.detail = "FAIL", f"{type(exc).__name__}: {_one_line(exc)}"
    except Exception as exc:  # a bug in eksa or a plugin: report it as a failure with where it happened
        tb = traceback.extract_tb(exc.__traceback__)[-1]
        res.status = "FAIL"
        res.detail = f"internal error {type(exc).__name__}: {exc} (at {Path(tb.filename).name}:{tb.lineno})"
    return res


def run_case_file(path: str | Path, *, plugins: Plugins | None = None,
                  select: Callable[[Case], bool] | None = None) -> list[CaseResult]:
    """Run every case (or those ``select`` keeps) of a cases file."""
    cases = load_case_file(path).cases
    return [run_case(c, plugins) for c in cases if select is None or select(c)]


def summary_line(results: Iterable[CaseResult]) -> str:
    """``N passed, M failed, K skipped``."""
    results = list(results)
    count = {s: sum(r.status == s for r in results) for s in ("PASS", "FAIL", "SKIP")}
    return f"{count['PASS']} passed, {count['FAIL']} failed, {count['SKIP']} skipped"
