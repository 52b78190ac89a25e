"""Container image references and registry-mirror rewriting.

* :func:`parse_image_reference` splits ``[registry/]repository[:tag][@digest]`` into its parts, the way container
  tooling reads it (the first path element is a registry host when it has a ``.`` or a ``:`` or is ``localhost``).
* :class:`RegistryMirror` is a cluster's ``spec.registryMirrorConfiguration`` turned into the host rewriting
  EKS Anywhere applies to every image it deploys: the mirror is ``endpoint:port`` (port ``443`` when unset);
  ``ociNamespaces`` map upstream registries (``public.ecr.aws``, the curated-packages ECR, ``docker.io``...) to
  ``endpoint:port/<namespace>``; with no ``ociNamespaces`` the mirror stands in for ``public.ecr.aws`` (where every
  EKS Anywhere image lives). Images of registries that are not mapped are left alone.
* :func:`apply_registry_mirror` rewrites one URI (image reference or ``oci://``/``https://`` URL).
"""

from __future__ import annotations

import posixpath
import re
from typing import TYPE_CHECKING

import attrs

from .errors import EksaError

if TYPE_CHECKING:
    from .models.cluster import RegistryMirrorConfiguration

__all__ = [
    "CURATED_PACKAGES_REGISTRY_KEY",
    "DEFAULT_MIRROR_PORT",
    "EKSA_PUBLIC_REGISTRY",
    "ImageReference",
    "ImageReferenceError",
    "RegistryMirror",
    "apply_registry_mirror",
    "parse_image_reference",
]

EKSA_PUBLIC_REGISTRY = "public.ecr.aws"
"""The registry every EKS Anywhere and EKS Distro image comes from."""

DEFAULT_MIRROR_PORT = "443"
"""Port of a registry mirror whose configuration gives none (EKS Anywhere's default)."""

CURATED_PACKAGES_REGISTRY_KEY = "783794618700.dkr.ecr.*.amazonaws.com"
"""Key under which a mirror namespace for the curated-packages ECR (any region) is kept."""

_CURATED_PACKAGES_HOST = re.compile(r"^783794618700\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com$")

_TAG = re.compile(r"^[\w][\w.-]{0,127}$")
_DIGEST = re.compile(r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}$")
_PATH_COMPONENT = re.compile(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$")
_HOST = re.compile(r"^(?:\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?"
                   r"(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(?::[0-9]+)?$")


class ImageReferenceError(EksaError, ValueError):
    """An image reference that container tooling would not accept."""


@attrs.frozen
class ImageReference:
    """A parsed image reference. ``registry`` is ``None`` when the reference names none (no default is assumed)."""

    registry: str | None
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """``registry/repository`` (without tag or digest)."""
        return f"{self.registry}/{self.repository}" if self.registry else self.repository

    def with_registry(self, registry: str | None) -> ImageReference:
        """The same image under another registry host (``host[:port][/namespace]``)."""
        return attrs.evolve(self, registry=registry)

    def __str__(self) -> str:
        out = self.name
        if self.tag:
            out += f":{self.tag}"
        if self.digest:
            out += f"@{self.digest}"
        return out


def parse_image_reference(reference: str) -> ImageReference:
    """Split ``reference`` (``[registry/]repository[:tag][@digest]``) into an :class:`ImageReference`.

    Raises :class:`ImageReferenceError` for an empty reference, an invalid tag or digest, or a repository path
    with characters container registries refuse (upper case, spaces...).
    """
    ref = reference.strip()
    if not ref or ref != reference:
        raise ImageReferenceError(f"invalid image reference {reference!r}: empty or surrounded by spaces")
    rest, at, digest = ref.partition("@")
    if at and not _DIGEST.match(digest):
        raise ImageReferenceError(f"invalid image reference {reference!r}: bad digest {digest!r}")
    tag: str | None = None
    colon = rest.rfind(":")
    if colon > rest.rfind("/"):
        rest, tag = rest[:colon], rest[colon + 1:]
        if not _TAG.match(tag):
            raise ImageReferenceError(f"invalid image reference {reference!r}: bad tag {tag!r}")
    registry: str | None = None
    first, slash, remainder = rest.partition("/")
    if slash and ("." in first or ":" in first or first == "localhost"):
        if not _HOST.match(first):
            raise ImageReferenceError(f"invalid image reference {reference!r}: bad registry host {first!r}")
        registry, rest = first, remainder
    for component in rest.split("/"):
        if not _PATH_COMPONENT.match(component):
            raise ImageReferenceError(f"invalid image reference {reference!r}: bad repository path {rest!r}")
    return ImageReference(registry=registry, repository=rest, tag=tag, digest=digest or None)


def _join_host_port(host: str, port: str) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"{host}:{port}"


def _uri_host(uri: str) -> str:
    """The registry host of an image reference or URL, found the permissive way EKS Anywhere does (the text
    before the first ``/``, after any ``scheme://``)."""
    _, sep, after = uri.partition("://")
    body = after if sep else uri
    return body.split("/", 1)[0]


@attrs.frozen
class RegistryMirror:
    """Where images are pulled from when a cluster has ``registryMirrorConfiguration``.

    ``base_registry`` is ``endpoint:port``; ``namespaced_registries`` maps an upstream registry host (or
    :data:`CURATED_PACKAGES_REGISTRY_KEY`) to the mirror location replacing it.
    """

    base_registry: str
    namespaced_registries: dict[str, str] = attrs.field(factory=dict)
    authenticate: bool = False
    ca_cert_content: str | None = attrs.field(default=None, repr=False)
    insecure_skip_verify: bool = False

    @classmethod
    def from_config(cls, config: RegistryMirrorConfiguration | None) -> RegistryMirror | None:
        """The mirror of a ``Cluster.spec.registryMirrorConfiguration`` (``None`` when there is none)."""
        if config is None or not config.endpoint:
            return None
        base = _join_host_port(config.endpoint, config.port or DEFAULT_MIRROR_PORT)
        mapping: dict[str, str] = {}
        for ns in config.oci_namespaces or []:
            if not ns.registry:
                continue
            target = posixpath.normpath(f"{base}/{ns.namespace}") if ns.namespace else base
            key = CURATED_PACKAGES_REGISTRY_KEY if _CURATED_PACKAGES_HOST.match(ns.registry) else ns.registry
            mapping[key] = target
        if not mapping:
            mapping[EKSA_PUBLIC_REGISTRY] = base
        return cls(base_registry=base, namespaced_registries=mapping, authenticate=bool(config.authenticate),
                   ca_cert_content=config.ca_cert_content, insecure_skip_verify=bool(config.insecure_skip_verify))

    def mirror_for(self, host: str) -> str | None:
        """The mirror location standing in for registry ``host`` (``None`` when it is not mirrored)."""
        key = CURATED_PACKAGES_REGISTRY_KEY if _CURATED_PACKAGES_HOST.match(host) else host
        return self.namespaced_registries.get(key)

    def replace_registry(self, uri: str) -> str:
        """``uri`` with its registry host replaced by the mirror (unchanged when the host is not mirrored)."""
        host = _uri_host(uri)
        target = self.mirror_for(host) if host else None
        if target is None:
            return uri
        return uri.replace(host, target, 1)

    @property
    def core_eksa_mirror(self) -> str | None:
        """Mirror location of ``public.ecr.aws`` (EKS Anywhere and EKS Distro images)."""
        return self.namespaced_registries.get(EKSA_PUBLIC_REGISTRY)

    @property
    def curated_packages_mirror(self) -> str | None:
        """Mirror location of the curated-packages ECR."""
        return self.namespaced_registries.get(CURATED_PACKAGES_REGISTRY_KEY)


def apply_registry_mirror(uri: str, mirror_config: RegistryMirrorConfiguration | RegistryMirror | None) -> str:
    """Rewrite ``uri`` for a cluster's registry mirror (given as its configuration or a :class:`RegistryMirror`).

    With no mirror the URI is returned unchanged.
    """
    mirror = mirror_config if isinstance(mirror_config, RegistryMirror) else RegistryMirror.from_config(mirror_config)
    return mirror.replace_registry(uri) if mirror is not None else uri
