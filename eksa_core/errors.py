"""Typed errors raised by eksa.

Every problem with user input is a :class:`SpecError`: a message that says what is wrong in EKS Anywhere's
words, plus where it is (file, document index, kind/name of the object, field path and, when known, the line).
Validation collects every problem of a spec in one pass and raises them together as :class:`SpecErrors`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import attrs

__all__ = [
    "EksaError",
    "ErrorCode",
    "Location",
    "NoMatchingReleaseError",
    "PluginError",
    "ReleaseError",
    "ReleaseFetchError",
    "ReleaseUnreachableError",
    "SpecError",
    "SpecErrors",
    "UnsupportedKubernetesVersionError",
]


class EksaError(Exception):
    """Base class of every error eksa raises on purpose."""


class ErrorCode:
    """Stable codes for the families of :class:`SpecError`, for programs that react to errors."""

    YAML_SYNTAX = "yaml-syntax"
    DOCUMENT_SEPARATOR = "document-separator"
    TOO_LARGE = "too-large"
    ALIAS_LIMIT = "alias-limit"
    LIMIT = "limit"
    UNKNOWN_FIELD = "unknown-field"
    TYPE_MISMATCH = "type-mismatch"
    MISSING_KIND = "missing-kind"
    UNKNOWN_KIND = "unknown-kind"
    DUPLICATE = "duplicate"
    REFERENCE = "reference"
    INVALID = "invalid"
    FILE = "file"


@attrs.frozen
class Location:
    """Where a problem sits in the user's input. Every part is optional."""

    file: str | None = None
    document: int | None = None
    kind: str | None = None
    name: str | None = None
    field: str | None = None
    line: int | None = None

    def describe(self) -> str:
        """Render as ``file, document N (Kind/name), field F, line L``; empty when nothing is known."""
        parts: list[str] = []
        if self.file:
            parts.append(self.file)
        if self.document is not None:
            parts.append(f"document {self.document}")
        if self.kind or self.name:
            parts.append(f"{self.kind or '?'}/{self.name or '?'}")
        if self.field:
            parts.append(f"field {self.field}")
        if self.line is not None:
            parts.append(f"line {self.line}")
        return ", ".join(parts)


class SpecError(EksaError):
    """One problem with a cluster spec (or another input file).

    ``message`` is what is wrong (EKS Anywhere's wording where EKS Anywhere has one); the keyword arguments say
    where. ``code`` is one of :class:`ErrorCode`. Locations are 0-based for documents and 1-based for lines.
    """

    def __init__(
        self,
        message: str,
        *,
        code: str = ErrorCode.INVALID,
        file: str | None = None,
        document: int | None = None,
        kind: str | None = None,
        name: str | None = None,
        field: str | None = None,
        line: int | None = None,
        warning: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.location = Location(file, document, kind, name, field, line)
        self.warning = warning

    @property
    def file(self) -> str | None:
        return self.location.file

    @property
    def document(self) -> int | None:
        return self.location.document

    @property
    def kind(self) -> str | None:
        return self.location.kind

    @property
    def name(self) -> str | None:
        return self.location.name

    @property
    def field(self) -> str | None:
        return self.location.field

    @property
    def line(self) -> int | None:
        return self.location.line

    def located(self, **where: object) -> SpecError:
        """Return a copy whose unknown location parts are filled from ``where`` (known parts are kept)."""
        current = attrs.asdict(self.location)
        for key, value in where.items():
            if key not in current:
                raise TypeError(f"unknown location part {key!r}")
            if current[key] is None:
                current[key] = value
        err = SpecError(self.message, code=self.code, warning=self.warning, **current)
        err.__cause__ = self.__cause__
        return err

    def __str__(self) -> str:
        where = self.location.describe()
        return f"{where}: {self.message}" if where else self.message

    def __repr__(self) -> str:
        return f"SpecError({self.message!r}, code={self.code!r}, location={self.location!r})"


class SpecErrors(EksaError):
    """Several :class:`SpecError` found in one pass. Iterable; ``str()`` lists one problem per line."""

    def __init__(self, errors: Iterable[SpecError], *, summary: str = "the cluster spec is invalid") -> None:
        self.errors: list[SpecError] = list(errors)
        if not self.errors:
            raise ValueError("SpecErrors needs at least one error")
        self.summary = summary
        super().__init__(str(self))

    def __iter__(self) -> Iterator[SpecError]:
        return iter(self.errors)

    def __len__(self) -> int:
        return len(self.errors)

    @property
    def messages(self) -> list[str]:
        """The bare messages, without locations."""
        return [e.message for e in self.errors]

    def __str__(self) -> str:
        lines = [f"{self.summary} ({len(self.errors)} problem{'s' if len(self.errors) != 1 else ''}):"]
        lines += [f"  - {e}" for e in self.errors]
        return "\n".join(lines)

    @classmethod
    def raise_if_any(cls, errors: Sequence[SpecError], *, summary: str = "the cluster spec is invalid") -> None:
        """Raise ``SpecErrors`` made of the non-warning ``errors``; do nothing when there are none."""
        real = [e for e in errors if not e.warning]
        if real:
            raise cls(real, summary=summary)


class ReleaseError(EksaError):
    """A release manifest, bundle or EKS-D release cannot be read or does not have what a spec needs.

    ``message`` is the bare problem (EKS Anywhere's wording where it has one); ``file`` names the manifest (a
    path or URL) when the problem belongs to one, and is shown before the message.
    """

    def __init__(self, message: str, *, file: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file

    def __str__(self) -> str:
        return f"{self.file}: {self.message}" if self.file else self.message


class ReleaseFetchError(ReleaseError):
    """Release data could not be downloaded: ``file`` is the URL, ``reason`` one of :attr:`REASONS`.

    ``timeout`` (the server accepted the connection but did not answer in time), ``tls`` (certificate
    verification or handshake failed), ``redirects`` (a redirect loop, too many redirects or a redirect to another
    scheme), ``too-large`` (the answer is larger than allowed), ``http-status`` (an HTTP error status),
    ``invalid-url``, ``unreachable`` (see :class:`ReleaseUnreachableError`) or ``failed`` (anything else).
    """

    REASONS = ("unreachable", "timeout", "tls", "redirects", "too-large", "http-status", "invalid-url", "failed")

    def __init__(self, message: str, *, url: str, reason: str = "failed") -> None:
        super().__init__(message, file=url)
        self.url = url
        self.reason = reason


class ReleaseUnreachableError(ReleaseFetchError):
    """The server of a release-data URL could not be reached at all (no route, name not resolved, connection
    refused or not established in time). Callers may fall back to a cached copy or to bundled data."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message, url=url, reason="unreachable")


class UnsupportedKubernetesVersionError(ReleaseError):
    """The release in use has no versions bundle for a Kubernetes version.

    ``version`` is the version asked for, ``supported`` the versions the bundles do have (file order), ``bundles``
    the bundles manifest's number. The message is EKS Anywhere's, followed by the supported versions.
    """

    def __init__(self, version: str, supported: list[str], *, bundles: int | str, file: str | None = None) -> None:
        self.version = version
        self.supported = list(supported)
        self.bundles = bundles
        listed = ", ".join(self.supported) or "none"
        super().__init__(f"kubernetes version {version} is not supported by bundles manifest {bundles} "
                         f"(supported Kubernetes versions: {listed})", file=file)


class NoMatchingReleaseError(ReleaseError):
    """A release manifest has no release for an EKS Anywhere version (the CLI's or a cluster's ``eksaVersion``).

    ``version`` is the version asked for, ``available`` the versions the manifest lists. ``message`` starts with
    EKS Anywhere's wording (``template``) and names the available releases.
    """

    def __init__(self, version: str, available: list[str], *, template: str, file: str | None = None) -> None:
        self.version = version
        self.available = list(available)
        listed = ", ".join(self.available) or "none"
        super().__init__(f"{template} (releases in the manifest: {listed})", file=file)


class PluginError(EksaError):
    """A plugin could not be loaded or registered, or two plugins claim the same name or kind."""
