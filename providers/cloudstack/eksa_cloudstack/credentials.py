"""CloudStack credentials: the base64 INI file of ``EKSA_CLOUDSTACK_B64ENCODED_SECRET`` and the Secrets made of it.

Every INI section except ``DEFAULT`` is a profile (its name lower-cased) with keys ``api-key``, ``secret-key``,
``api-url`` and optional ``verify-ssl`` (a Go boolean string, default ``"true"``) and ``timeout``. Keys missing in a
section are looked up in ``DEFAULT``. Availability zones name a profile in ``credentialsRef``.

API keys and secret keys never appear in an error message or a ``repr``.
"""

from __future__ import annotations

import base64
import binascii
import configparser
from collections.abc import Mapping
from typing import Any

import attrs

from eksa_core.errors import SpecError

__all__ = [
    "CAPC_ENV",
    "ENV",
    "CloudStackCredentials",
    "CloudStackProfile",
    "credentials_from_env",
    "parse_credentials",
    "parse_ini",
    "profile_secret",
]

ENV = "EKSA_CLOUDSTACK_B64ENCODED_SECRET"
"""The variable users set: base64 of the INI file."""
CAPC_ENV = "CLOUDSTACK_B64ENCODED_SECRET"
"""The variable CAPC (clusterctl) reads; same value."""

SECRET_NAMESPACE = "eksa-system"

_GO_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
             "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}


@attrs.frozen(repr=False)
class CloudStackProfile:
    """One credentials profile (an INI section)."""

    name: str
    api_key: str
    secret_key: str
    management_url: str
    verify_ssl: str = "true"
    timeout: str = ""

    def __repr__(self) -> str:
        return f"CloudStackProfile(name={self.name!r}, management_url={self.management_url!r}, " \
               f"verify_ssl={self.verify_ssl!r})"

    @property
    def verify(self) -> bool:
        """``verify-ssl`` as a bool."""
        return _GO_BOOLS.get(self.verify_ssl, True)

    def to_data(self) -> dict[str, str]:
        """The profile as EKS-A's ``CloudStackProfileConfig`` fields (contains the keys: never log it)."""
        return {"name": self.name, "apiKey": self.api_key, "secretKey": self.secret_key,
                "managementUrl": self.management_url, "verifySsl": self.verify_ssl, "timeout": self.timeout}


@attrs.frozen(repr=False)
class CloudStackCredentials:
    """Every profile of the credentials file, in file order."""

    profiles: tuple[CloudStackProfile, ...]

    def __repr__(self) -> str:
        return f"CloudStackCredentials(profiles={[p.name for p in self.profiles]!r})"

    def names(self) -> list[str]:
        """Profile names."""
        return [p.name for p in self.profiles]

    def get(self, name: str | None) -> CloudStackProfile | None:
        """The profile called ``name`` (case-insensitive), or ``None``."""
        wanted = (name or "").lower()
        for profile in self.profiles:
            if profile.name == wanted:
                return profile
        return None

    def to_data(self) -> dict[str, Any]:
        """``{"profiles": [...]}`` (contains the keys: never log it)."""
        return {"profiles": [p.to_data() for p in self.profiles]}


def _error(message: str) -> SpecError:
    return SpecError(message, field=ENV)


def parse_ini(text: str) -> CloudStackCredentials:
    """Parse the INI text of a credentials file."""
    parser = configparser.ConfigParser(interpolation=None, strict=False, default_section="DEFAULT")
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive, as in Go's ini
    try:
        # Keys before the first section belong to DEFAULT, as in Go's ini package.
        parser.read_string("[DEFAULT]\n" + text, source=ENV)
    except configparser.Error as exc:
        line = getattr(exc, "lineno", None)
        where = f" (line {int(line) - 1})" if isinstance(line, int) else ""
        # The parser's own message quotes the offending line, which may hold a key: say only where it is.
        raise _error(f"failed to extract values from {ENV} with ini: {type(exc).__name__}{where}") from None
    profiles: list[CloudStackProfile] = []
    for section in parser.sections():
        values = parser[section]
        missing = [k for k in ("api-key", "secret-key") if k not in values]
        if missing:
            raise _error(f"extracting value of '{missing[0]}' from {section}: "
                         f'key "{missing[0]}" not exists')
        if "api-url" not in values:
            raise _error(f"extracting value of 'api-url' from {ENV}: key \"api-url\" not exists")
        verify = values.get("verify-ssl", "true").strip()
        if verify not in _GO_BOOLS:
            raise _error(f"'verify-ssl' has invalid boolean string {verify}: strconv.ParseBool: parsing "
                         f'"{verify}": invalid syntax')
        profiles.append(CloudStackProfile(
            name=section.lower(),
            api_key=values["api-key"].strip(),
            secret_key=values["secret-key"].strip(),
            management_url=values["api-url"].strip(),
            verify_ssl=verify,
            timeout=values.get("timeout", "").strip(),
        ))
    if not profiles:
        raise _error(f"no instance found from {ENV}")
    return CloudStackCredentials(tuple(profiles))


def parse_credentials(encoded: str) -> CloudStackCredentials:
    """Decode the base64 value of ``EKSA_CLOUDSTACK_B64ENCODED_SECRET`` and parse its INI profiles."""
    try:
        raw = base64.b64decode("".join(encoded.split()), validate=True)
        text = raw.decode("utf-8")
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise _error(f"failed to decode value for {ENV} with base64") from None
    return parse_ini(text)


def credentials_from_env(env: Mapping[str, str]) -> CloudStackCredentials:
    """The profiles of ``EKSA_CLOUDSTACK_B64ENCODED_SECRET`` in ``env`` (EKS-A's ``ParseCloudStackCredsFromEnv``)."""
    value = env.get(ENV)
    if not value:
        raise _error(f"{ENV} is not set or is empty")
    return parse_credentials(value)


def profile_secret(profile: CloudStackProfile, namespace: str = SECRET_NAMESPACE) -> dict[str, Any]:
    """The Secret CAPC reads a profile from: name = profile name, ``stringData`` with ``api-key``, ``api-url``,
    ``secret-key`` and ``verify-ssl``."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": profile.name, "namespace": namespace},
        "stringData": {
            "api-key": profile.api_key,
            "api-url": profile.management_url,
            "secret-key": profile.secret_key,
            "verify-ssl": profile.verify_ssl,
        },
    }
