"""Load a cluster spec file and make it ready to use: parse, apply defaults, validate.

:func:`load_spec_file` is what most programs call. The ``get_and_validate_*`` functions reproduce EKS
Anywhere's single-kind readers (``GetAndValidateClusterConfig``, ``GetAndValidateOIDCConfig``,
``GetAndValidateAWSIamConfig``): they read only their kind from the file, apply the API-stage defaults and run that
kind's rules.

Every function raises :class:`~eksa_core.errors.SpecErrors` listing every problem found (never a bare
``SpecError`` and never another exception for bad input); warnings never fail a load.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .defaults import Stage, set_awsiam_defaults, set_cluster_api_defaults, set_defaults
from .errors import SpecError, SpecErrors
from .models.cluster import Cluster
from .models.gitops import AWSIamConfig, OIDCConfig
from .registry import KindRegistry
from .spec import ClusterConfig, load_cluster_config, parse_cluster_config
from .validation import validate, validate_awsiam_config, validate_cluster, validate_oidc_config
from .yamlio import YamlLimits, decode_text

if TYPE_CHECKING:
    from .plugins import Plugins

__all__ = [
    "get_and_validate_awsiam_config",
    "get_and_validate_cluster_config",
    "get_and_validate_oidc_config",
    "load_spec_bytes",
    "load_spec_file",
    "load_spec_text",
    "prepare_config",
]


def _as_spec_errors(exc: SpecError | SpecErrors) -> SpecErrors:
    return exc if isinstance(exc, SpecErrors) else SpecErrors([exc], summary="the cluster spec is invalid")


def _raise_errors(found: Sequence[SpecError], file: str | None) -> None:
    summary = f"the cluster config file {file} is invalid" if file else "the cluster config is invalid"
    SpecErrors.raise_if_any(found, summary=summary)


def _plugins(plugins: Plugins | None) -> Plugins:
    if plugins is None:
        from .plugins import default_plugins

        return default_plugins()
    return plugins


def prepare_config(
    config: ClusterConfig,
    *,
    plugins: Plugins | None = None,
    env: Mapping[str, str] | None = None,
    stage: Stage = "cli",
) -> ClusterConfig:
    """Apply defaults to a parsed ``config`` and validate it, in place.

    Warnings (of defaults and validation) are appended to ``config.warnings``; errors raise :class:`SpecErrors`.
    """
    plugins = _plugins(plugins)
    warnings = set_defaults(config, plugins=plugins, stage=stage, env=env)
    found = validate(config, plugins=plugins, env=env)
    config.warnings += warnings + [e for e in found if e.warning]
    _raise_errors(found, config.file)
    return config


def load_spec_file(
    path: str | os.PathLike[str],
    *,
    plugins: Plugins | None = None,
    env: Mapping[str, str] | None = None,
    stage: Stage = "cli",
) -> ClusterConfig:
    """Read a cluster spec file, apply EKS Anywhere's defaults and validate it.

    :param plugins: installed providers (default: every plugin of the ``eksa.providers`` entry-point group).
    :param env: environment for defaults and feature flags (default ``os.environ``).
    :param stage: ``"cli"`` (default) applies the CLI's defaults too; ``"api"`` only the API types' own.
    :return: the ready :class:`ClusterConfig`; warnings are on ``config.warnings``.
    :raises SpecErrors: every problem of the file, each with file, document, object, field and line.
    """
    plugins = _plugins(plugins)
    try:
        config = load_cluster_config(path, registry=plugins.registry)
    except (SpecError, SpecErrors) as exc:
        raise _as_spec_errors(exc) from None
    return prepare_config(config, plugins=plugins, env=env, stage=stage)


def load_spec_text(
    text: str,
    *,
    file: str | None = None,
    plugins: Plugins | None = None,
    env: Mapping[str, str] | None = None,
    stage: Stage = "cli",
) -> ClusterConfig:
    """Like :func:`load_spec_file`, for a spec held in memory (``file`` only names it in errors)."""
    plugins = _plugins(plugins)
    try:
        config = parse_cluster_config(text, file=file, registry=plugins.registry)
    except (SpecError, SpecErrors) as exc:
        raise _as_spec_errors(exc) from None
    return prepare_config(config, plugins=plugins, env=env, stage=stage)


def load_spec_bytes(
    data: bytes,
    *,
    file: str | None = None,
    plugins: Plugins | None = None,
    env: Mapping[str, str] | None = None,
    stage: Stage = "cli",
) -> ClusterConfig:
    """Like :func:`load_spec_file`, for a spec's raw bytes (decoded as UTF-8 the way files are read). Any byte
    string gives a ready config or :class:`SpecErrors`; ``file`` only names it in errors."""
    try:
        text = decode_text(data, file=file, limit=YamlLimits.from_env().max_bytes)
    except SpecError as exc:
        raise _as_spec_errors(exc) from None
    return load_spec_text(text, file=file, plugins=plugins, env=env, stage=stage)


def _read_only(path: str | os.PathLike[str], kind: type[Cluster] | type[OIDCConfig] | type[AWSIamConfig]
               ) -> ClusterConfig:
    """Parse only the documents of ``kind`` (as EKS Anywhere's single-kind readers do)."""
    try:
        return load_cluster_config(path, registry=KindRegistry([kind]))
    except (SpecError, SpecErrors) as exc:
        raise _as_spec_errors(exc) from None


def _require(config: ClusterConfig, kind: str) -> object:
    try:
        return config.require(kind)
    except SpecError as exc:
        raise _as_spec_errors(exc) from None


def get_and_validate_cluster_config(
    path: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
) -> Cluster:
    """EKS Anywhere's ``GetAndValidateClusterConfig``: the file's ``Cluster`` with the API-stage defaults applied
    (no namespace defaulting), checked with the Cluster rules only (other documents are not read).

    :raises SpecErrors: every problem of the Cluster (warnings do not raise).
    """
    config = _read_only(path, Cluster)
    cluster = _require(config, Cluster.KIND)
    assert isinstance(cluster, Cluster)
    warnings = [config.locate(w, cluster) for w in set_cluster_api_defaults(cluster, env=env)]
    found = [config.locate(e, cluster) for e in validate_cluster(cluster, env=env)]  # installed providers' rules
    config.warnings += warnings + [e for e in found if e.warning]
    _raise_errors(found, config.file)
    return cluster


def _namespace_error(obj: OIDCConfig | AWSIamConfig, cluster: Cluster | None) -> list[SpecError]:
    if cluster is not None and obj.namespace != cluster.namespace:
        return [SpecError(f"{obj.kind} and Cluster objects must have the same namespace specified", kind=obj.kind,
                          name=obj.name, field="metadata.namespace")]
    return []


def _ref_name_error(obj: OIDCConfig | AWSIamConfig, ref_name: str) -> list[SpecError]:
    if obj.name != ref_name:
        return [SpecError(f"{obj.kind} retrieved with name {obj.name} does not match name ({ref_name}) specified in "
                          "identityProviderRefs", kind=obj.kind, name=obj.name, field="metadata.name")]
    return []


def get_and_validate_oidc_config(
    path: str | os.PathLike[str],
    ref_name: str,
    cluster: Cluster | None = None,
) -> OIDCConfig:
    """EKS Anywhere's ``GetAndValidateOIDCConfig``: the file's OIDCConfig, checked for content, then for the name
    the Cluster's ``identityProviderRefs`` use (``ref_name``), then for the Cluster's namespace (when ``cluster``
    is given)."""
    config = _read_only(path, OIDCConfig)
    oidc = _require(config, OIDCConfig.KIND)
    assert isinstance(oidc, OIDCConfig)
    found = validate_oidc_config(oidc) + _ref_name_error(oidc, ref_name) + _namespace_error(oidc, cluster)
    located = [config.locate(e, oidc) for e in found]
    config.warnings += [e for e in located if e.warning]
    _raise_errors(located, config.file)
    return oidc


def get_and_validate_awsiam_config(
    path: str | os.PathLike[str],
    ref_name: str,
    cluster: Cluster | None = None,
) -> AWSIamConfig:
    """EKS Anywhere's ``GetAndValidateAWSIamConfig``: the file's AWSIamConfig with its defaults (partition
    ``aws``), checked for content, then for ``ref_name``, then for the Cluster's namespace."""
    config = _read_only(path, AWSIamConfig)
    iam = _require(config, AWSIamConfig.KIND)
    assert isinstance(iam, AWSIamConfig)
    set_awsiam_defaults(iam)
    found = validate_awsiam_config(iam) + _ref_name_error(iam, ref_name) + _namespace_error(iam, cluster)
    located = [config.locate(e, iam) for e in found]
    config.warnings += [e for e in located if e.warning]
    _raise_errors(located, config.file)
    return iam
