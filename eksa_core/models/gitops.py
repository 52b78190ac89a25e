"""GitOps kinds (``FluxConfig`` and the legacy ``GitOpsConfig``) and identity kinds (``OIDCConfig``,
``AWSIamConfig``)."""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from ..convert import field
from .base import EksaObject

__all__ = [
    "AWSIamConfig",
    "AWSIamConfigSpec",
    "FluxConfig",
    "FluxConfigSpec",
    "GitOpsConfig",
    "GitOpsConfigSpec",
    "OIDCConfig",
    "OIDCConfigSpec",
]


@attrs.define
class GithubProviderConfig:
    owner: str | None = field()
    repository: str | None = field()
    personal: bool | None = field()


@attrs.define
class GitProviderConfig:
    repository_url: str | None = field()
    ssh_key_algorithm: str | None = field()


@attrs.define
class FluxConfigSpec:
    system_namespace: str | None = field()
    cluster_config_path: str | None = field()
    branch: str | None = field()
    github: GithubProviderConfig | None = field()
    git: GitProviderConfig | None = field()


@attrs.define(kw_only=True)
class FluxConfig(EksaObject):
    """Flux GitOps settings of a cluster."""

    KIND: ClassVar[str] = "FluxConfig"
    spec: FluxConfigSpec = field(factory=FluxConfigSpec)
    status: dict[str, Any] | None = field()


@attrs.define
class LegacyGithub:
    owner: str | None = field()
    repository: str | None = field()
    flux_system_namespace: str | None = field()
    branch: str | None = field()
    cluster_config_path: str | None = field()
    personal: bool | None = field()


@attrs.define
class LegacyFlux:
    github: LegacyGithub | None = field()


@attrs.define
class GitOpsConfigSpec:
    flux: LegacyFlux | None = field()


@attrs.define(kw_only=True)
class GitOpsConfig(EksaObject):
    """Legacy GitOps settings; converted to a :class:`FluxConfig` internally."""

    KIND: ClassVar[str] = "GitOpsConfig"
    spec: GitOpsConfigSpec = field(factory=GitOpsConfigSpec)
    status: dict[str, Any] | None = field()

    def to_flux_config(self) -> FluxConfig:
        """The equivalent :class:`FluxConfig` (same metadata)."""
        gh = self.spec.flux.github if self.spec.flux and self.spec.flux.github else LegacyGithub()
        return FluxConfig(
            metadata=attrs.evolve(self.metadata),
            spec=FluxConfigSpec(
                system_namespace=gh.flux_system_namespace,
                cluster_config_path=gh.cluster_config_path,
                branch=gh.branch,
                github=GithubProviderConfig(owner=gh.owner, repository=gh.repository, personal=gh.personal),
            ),
        )


@attrs.define
class RequiredClaim:
    claim: str | None = field()
    value: str | None = field()


@attrs.define
class OIDCConfigSpec:
    client_id: str | None = field()
    issuer_url: str | None = field()
    groups_claim: str | None = field()
    groups_prefix: str | None = field()
    required_claims: list[RequiredClaim] | None = field()
    username_claim: str | None = field()
    username_prefix: str | None = field()


@attrs.define(kw_only=True)
class OIDCConfig(EksaObject):
    """OIDC identity provider settings, passed to kube-apiserver as ``oidc-*`` flags."""

    KIND: ClassVar[str] = "OIDCConfig"
    spec: OIDCConfigSpec = field(factory=OIDCConfigSpec)
    status: dict[str, Any] | None = field()


@attrs.define
class MapRoles:
    role_arn: str | None = field(wire="roleARN")
    username: str | None = field()
    groups: list[str] | None = field()


@attrs.define
class MapUsers:
    user_arn: str | None = field(wire="userARN")
    username: str | None = field()
    groups: list[str] | None = field()


@attrs.define
class AWSIamConfigSpec:
    aws_region: str | None = field()
    backend_mode: list[str] | None = field()
    map_roles: list[MapRoles] | None = field()
    map_users: list[MapUsers] | None = field()
    partition: str | None = field()


@attrs.define(kw_only=True)
class AWSIamConfig(EksaObject):
    """AWS IAM Authenticator settings."""

    KIND: ClassVar[str] = "AWSIamConfig"
    spec: AWSIamConfigSpec = field(factory=AWSIamConfigSpec)
    status: dict[str, Any] | None = field()
