"""A Prism Central **v3** REST client on ``requests`` (what EKS Anywhere's validator asks Prism Central).

Endpoints used (all under ``/api/nutanix/v3``): ``POST /<kind>s/list`` with a ``DSMetadata`` body
(``{"kind", "offset", "length", "filter"}``, FIQL filters such as ``name==foo``) for clusters, subnets, images,
projects and hosts; ``GET /<kind>s/<uuid>``; ``GET /users/me`` (EKS-A's ``GetCurrentLoggedInUser``, the credentials
check); ``GET /categories/<key>`` and ``/categories/<key>/<value>``.

Authentication is HTTP basic. TLS is verified against the system roots plus the datacenter's
``additionalTrustBundle``; ``insecure=True`` turns verification off. The password is never part of a message, a
``repr`` or a log line.

:func:`find_cluster_uuid` and friends resolve a :class:`~eksa_nutanix.models.NutanixResourceIdentifier` the way
EKS-A does (by UUID with a GET, by name with a filtered list that must match exactly one object).
"""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from eksa_core.errors import EksaError

from .models import IDENTIFIER_UUID, NutanixResourceIdentifier

if TYPE_CHECKING:  # requests (and urllib3, certifi) load when a client is made, not with the plugin
    import requests

__all__ = [
    "API_PATH",
    "NutanixSettings",
    "PrismClient",
    "PrismError",
    "PrismNotFound",
    "find_cluster_uuid",
    "find_image",
    "find_project_uuid",
    "find_subnet_uuid",
    "is_prism_central",
]

API_PATH = "/api/nutanix/v3"
PAGE_SIZE = 500


class PrismError(EksaError):
    """A Prism Central request failed (unreachable, TLS, authentication, or an error answer)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class PrismNotFound(PrismError):
    """Prism Central answered 404 for an object."""


def _entity_name(entity: dict[str, Any]) -> str:
    for part in ("status", "spec"):
        name = (entity.get(part) or {}).get("name")
        if isinstance(name, str):
            return name
    return ""


def _entity_uuid(entity: dict[str, Any]) -> str:
    return str((entity.get("metadata") or {}).get("uuid") or "")


def is_prism_central(cluster: dict[str, Any]) -> bool:
    """Whether a v3 cluster entity is Prism Central itself (its ``service_list`` has ``PRISM_CENTRAL``)."""
    config = (((cluster.get("status") or {}).get("resources") or {}).get("config")) or {}
    return "PRISM_CENTRAL" in (config.get("service_list") or [])


class PrismClient:
    """Prism Central v3 client.

    :param endpoint: Prism Central host (FQDN or IP), or a full base URL (``http://127.0.0.1:8080``) for a local
        test server.
    :param port: Prism Central port (ignored when ``endpoint`` is a URL with a port).
    :param additional_trust_bundle: PEM certificates trusted on top of the system roots.
    :param insecure: skip TLS verification.
    """

    def __init__(
        self,
        endpoint: str,
        port: int = 9440,
        *,
        username: str,
        password: str,
        additional_trust_bundle: str | None = None,
        insecure: bool = False,
        timeout: float = 30.0,
        session: requests.Session | None = None,
    ) -> None:
        if "://" in endpoint:
            base = endpoint.rstrip("/")
        else:
            host = f"[{endpoint}]" if ":" in endpoint and not endpoint.startswith("[") else endpoint
            base = f"https://{host}:{port}"
        self.base_url = base + API_PATH
        self.endpoint = endpoint
        self.port = port
        self.insecure = insecure
        self.timeout = timeout
        self.round_trips = 0
        if session is None:
            import requests

            session = requests.Session()
        self._session = session
        self._session.auth = (username, password)
        self._session.headers.update({"Accept": "application/json", "Content-Type": "application/json"})
        self._bundle = additional_trust_bundle or None

    def __repr__(self) -> str:
        return f"PrismClient({self.base_url!r}, insecure={self.insecure})"

    def close(self) -> None:
        """Close the HTTP session."""
        self._session.close()

    def __enter__(self) -> PrismClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- transport ----------------------------------------------------------------------------------------

    @contextmanager
    def _verify(self) -> Iterator[bool | str]:
        if self.insecure:
            yield False
            return
        if not self._bundle:
            yield True
            return
        # The additional bundle is trusted on top of the default roots, as EKS-A does.
        import certifi

        defaults = ""
        try:
            with open(certifi.where(), encoding="utf-8") as fh:
                defaults = fh.read()
        except OSError:
            pass
        fd, path = tempfile.mkstemp(prefix="eksa-prism-ca-", suffix=".pem")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(defaults.rstrip("\n") + "\n" + self._bundle.strip() + "\n")
            yield path
        finally:
            os.unlink(path)

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        import requests
        import urllib3

        url = self.base_url + path
        self.round_trips += 1
        with self._verify() as verify:
            try:
                with warnings.catch_warnings():
                    # insecure=True is the user's choice, warned about once by the validator, not per request.
                    warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                    response = self._session.request(method, url, json=body, timeout=self.timeout, verify=verify)
            except requests.exceptions.SSLError as exc:
                raise PrismError(f"failed to reach Prism Central {self._where()}: TLS verification failed: "
                                 f"{_short(exc)}") from None
            except requests.RequestException as exc:
                raise PrismError(f"failed to reach Prism Central {self._where()}: {_short(exc)}") from None
        if response.status_code == 404:
            raise PrismNotFound(_error_message(response), status=404)
        if response.status_code in (401, 403):
            raise PrismError(f"Prism Central {self._where()} refused the credentials "
                             f"({response.status_code}): {_error_message(response)}", status=response.status_code)
        if response.status_code >= 400:
            raise PrismError(f"Prism Central {method} {path} failed ({response.status_code}): "
                             f"{_error_message(response)}", status=response.status_code)
        try:
            data = response.json()
        except ValueError:
            raise PrismError(f"Prism Central {method} {path} answered with something that is not JSON") from None
        if not isinstance(data, dict):
            raise PrismError(f"Prism Central {method} {path} answered with unexpected JSON")
        return data

    def _where(self) -> str:
        return self.base_url[: -len(API_PATH)]

    # -- generic calls ------------------------------------------------------------------------------------

    def list_all(self, kind: str, filter: str | None = None) -> list[dict[str, Any]]:
        """Every entity of ``kind`` (``cluster``, ``subnet``, ``image``, ``project``, ``host``) matching the FIQL
        ``filter``, following pagination."""
        entities: list[dict[str, Any]] = []
        offset = 0
        while True:
            body: dict[str, Any] = {"kind": kind, "offset": offset, "length": PAGE_SIZE}
            if filter:
                body["filter"] = filter
            data = self._request("POST", f"/{kind}s/list", body)
            page = data.get("entities") or []
            entities += page
            total = int((data.get("metadata") or {}).get("total_matches") or 0)
            offset += len(page)
            if not page or offset >= total:
                return entities

    def get(self, kind: str, uuid: str) -> dict[str, Any]:
        """``GET /<kind>s/<uuid>``; :class:`PrismNotFound` when it does not exist."""
        return self._request("GET", f"/{kind}s/{uuid}")

    # -- named calls (EKS-A's client interface) -----------------------------------------------------------

    def list_all_clusters(self, filter: str | None = None) -> list[dict[str, Any]]:
        """``ListAllCluster``."""
        return self.list_all("cluster", filter)

    def list_all_subnets(self, filter: str | None = None) -> list[dict[str, Any]]:
        """``ListAllSubnet``."""
        return self.list_all("subnet", filter)

    def list_all_images(self, filter: str | None = None) -> list[dict[str, Any]]:
        """``ListAllImage``."""
        return self.list_all("image", filter)

    def list_all_projects(self, filter: str | None = None) -> list[dict[str, Any]]:
        """``ListAllProject``."""
        return self.list_all("project", filter)

    def list_all_hosts(self) -> list[dict[str, Any]]:
        """``ListAllHost``."""
        return self.list_all("host")

    def get_cluster(self, uuid: str) -> dict[str, Any]:
        """``GetCluster``."""
        return self.get("cluster", uuid)

    def get_subnet(self, uuid: str) -> dict[str, Any]:
        """``GetSubnet``."""
        return self.get("subnet", uuid)

    def get_image(self, uuid: str) -> dict[str, Any]:
        """``GetImage``."""
        return self.get("image", uuid)

    def get_project(self, uuid: str) -> dict[str, Any]:
        """``GetProject``."""
        return self.get("project", uuid)

    def get_current_logged_in_user(self) -> dict[str, Any]:
        """``GetCurrentLoggedInUser`` (``GET /users/me``): proves the credentials work."""
        return self._request("GET", "/users/me")

    def get_category_value(self, key: str, value: str) -> dict[str, Any]:
        """``GetCategoryValue`` (``GET /categories/<key>/<value>``)."""
        return self._request("GET", f"/categories/{quote(key, safe='')}/"
                                    f"{quote(value, safe='')}")


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."


def _error_message(response: requests.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.reason or f"HTTP {response.status_code}"
    if isinstance(data, dict):
        messages = data.get("message_list") or []
        parts = [str(m.get("message") or m.get("reason") or "") for m in messages if isinstance(m, dict)]
        parts = [p for p in parts if p]
        if parts:
            return "; ".join(parts)
        if isinstance(data.get("message"), str):
            return str(data["message"])
    return response.reason or f"HTTP {response.status_code}"


def _exact(entities: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e for e in entities if _entity_name(e) == name]


def _cluster_ref_uuid(subnet: dict[str, Any]) -> str:
    for part in ("status", "spec"):
        ref = (subnet.get(part) or {}).get("cluster_reference") or {}
        if ref.get("uuid"):
            return str(ref["uuid"])
    return ""


def find_cluster_uuid(client: PrismClient, ident: NutanixResourceIdentifier) -> str:
    """The UUID of the Prism Element cluster ``ident`` names (Prism Central itself is never a match)."""
    if ident.type == IDENTIFIER_UUID:
        uuid = ident.uuid or ""
        try:
            client.get_cluster(uuid)
        except PrismError as exc:
            raise PrismError(f"failed to find cluster with uuid {uuid}: {exc}") from None
        return uuid
    name = ident.name or ""
    found = [c for c in _exact(client.list_all_clusters(f"name=={name}"), name) if not is_prism_central(c)]
    if not found:
        raise PrismError(f'failed to find cluster by name "{name}"')
    if len(found) > 1:
        raise PrismError(f'found more than one ({len(found)}) cluster with name "{name}"')
    return _entity_uuid(found[0])


def find_subnet_uuid(client: PrismClient, ident: NutanixResourceIdentifier, cluster_uuid: str) -> str:
    """The UUID of the subnet ``ident`` names; by name it must be unique within Prism Element ``cluster_uuid``."""
    if ident.type == IDENTIFIER_UUID:
        uuid = ident.uuid or ""
        try:
            client.get_subnet(uuid)
        except PrismError as exc:
            raise PrismError(f"failed to find subnet with uuid {uuid}: {exc}") from None
        return uuid
    name = ident.name or ""
    found = [s for s in _exact(client.list_all_subnets(f"name=={name}"), name)
             if not cluster_uuid or _cluster_ref_uuid(s) in ("", cluster_uuid)]
    if not found:
        raise PrismError(f'failed to find subnet by name "{name}"')
    if len(found) > 1:
        raise PrismError(f'found more than one ({len(found)}) subnet with name "{name}"')
    return _entity_uuid(found[0])


def find_image(client: PrismClient, ident: NutanixResourceIdentifier) -> dict[str, Any]:
    """The image entity ``ident`` names."""
    if ident.type == IDENTIFIER_UUID:
        uuid = ident.uuid or ""
        try:
            return client.get_image(uuid)
        except PrismError as exc:
            raise PrismError(f"failed to find image with uuid {uuid}: {exc}") from None
    name = ident.name or ""
    found = _exact(client.list_all_images(f"name=={name}"), name)
    if not found:
        raise PrismError(f'failed to find image by name "{name}"')
    if len(found) > 1:
        raise PrismError(f'found more than one ({len(found)}) image with name "{name}"')
    return found[0]


def find_project_uuid(client: PrismClient, ident: NutanixResourceIdentifier) -> str:
    """The UUID of the project ``ident`` names."""
    if ident.type == IDENTIFIER_UUID:
        uuid = ident.uuid or ""
        try:
            client.get_project(uuid)
        except PrismError as exc:
            raise PrismError(f"failed to find project with uuid {uuid}: {exc}") from None
        return uuid
    name = ident.name or ""
    found = _exact(client.list_all_projects(f"name=={name}"), name)
    if not found:
        raise PrismError(f'failed to find project by name "{name}"')
    if len(found) > 1:
        raise PrismError(f'found more than one ({len(found)}) project with name "{name}"')
    return _entity_uuid(found[0])


def entity_name(entity: dict[str, Any]) -> str:
    """The name of a v3 entity (status first, then spec)."""
    return _entity_name(entity)


class NutanixSettings:
    """The Nutanix provider's settings of a call (``context.settings(NutanixSettings)``).

    :ivar prism_client: the :class:`PrismClient` the live checks use instead of one built from the datacenter
        config and the ``EKSA_NUTANIX_*`` credentials of ``context.env`` (an SDK user's own, or one pointed at a
        test's Prism Central double).
    """

    def __init__(self, *, prism_client: PrismClient | None = None) -> None:
        self.prism_client = prism_client

    def __repr__(self) -> str:  # the client holds credentials: never shown
        return f"NutanixSettings(prism_client={'given' if self.prism_client is not None else None})"
