"""GitHub's REST API for the GitOps ``github`` provider, over ``requests``: the checks EKS Anywhere makes of the
token and the owner, the repository (found, or created for the user or an organisation) and its deploy keys.

The token (``EKSA_GITHUB_TOKEN``) goes in the ``Authorization`` header only; it never appears in a message, a log
line or an error (errors carry GitHub's status and ``message``). Lists follow GitHub's ``Link: <...>; rel="next"``
pagination. The API base URL is ``https://api.github.com`` unless given (tests point it at 127.0.0.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import requests

from ..errors import EksaError

__all__ = [
    "DEFAULT_API_URL",
    "PAT_PATTERN",
    "GitHubClient",
    "GitHubError",
    "validate_token",
]

DEFAULT_API_URL = "https://api.github.com"
#: EKS Anywhere's pattern of a personal access token (classic or fine-grained).
PAT_PATTERN = "^ghp_[a-zA-Z0-9]{36}|github_pat_[a-zA-Z0-9]{22}_[a-zA-Z0-9]{59}$"
TOKEN_ENV = "EKSA_GITHUB_TOKEN"
REPO_DESCRIPTION = "EKS-A cluster configuration repository"
_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="next"')


class GitHubError(EksaError):
    """GitHub refused a request, or the token / owner do not fit the GitOps config.

    :ivar status: the HTTP status (``None`` for a check that made no request).
    """

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def validate_token(token: str | None) -> str:
    """The token when it has the form EKS Anywhere accepts; otherwise EKS Anywhere's error."""
    if token is None:
        raise GitHubError(f"github access token environment variable {TOKEN_ENV} is invalid; could not get var "
                          "from environment")
    if not re.match(PAT_PATTERN, token):
        raise GitHubError(f"github access token environment variable {TOKEN_ENV} is invalid; must match format "
                          f"{PAT_PATTERN}")
    return token


class GitHubClient:
    """A small client of GitHub's REST API (v2022-11-28)."""

    def __init__(self, token: str, *, api_url: str = DEFAULT_API_URL, session: requests.Session | None = None,
                 timeout: float = 30.0) -> None:
        self._token = token
        self.api_url = api_url.rstrip("/")
        self.session = session or requests.Session()
        self.timeout = timeout

    def __repr__(self) -> str:
        return f"GitHubClient(api_url={self.api_url!r})"

    # -- transport ----------------------------------------------------------------------------------------

    def _request(self, method: str, url: str, *, json: Any = None, ok: tuple[int, ...] = (200,),
                 missing_ok: bool = False) -> requests.Response | None:
        if not url.startswith(("http://", "https://")):
            url = self.api_url + url
        headers = {"Accept": "application/vnd.github+json", "Authorization": f"Bearer {self._token}",
                   "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "eksa"}
        try:
            resp = self.session.request(method, url, json=json, headers=headers, timeout=self.timeout,
                                        allow_redirects=False)
        except requests.RequestException as exc:
            raise GitHubError(f"{method} {_path(url)}: cannot reach GitHub: {type(exc).__name__}") from None
        if missing_ok and resp.status_code == 404:
            return None
        if resp.status_code not in ok:
            raise GitHubError(f"{method} {_path(url)}: {_describe(resp)}", resp.status_code)
        return resp

    def _paginate(self, path: str) -> Iterator[dict[str, Any]]:
        url: str | None = f"{path}{'&' if '?' in path else '?'}per_page=100"
        seen: set[str] = set()
        while url is not None and url not in seen:
            seen.add(url)
            resp = self._request("GET", url)
            assert resp is not None
            page = resp.json()
            if not isinstance(page, list):
                raise GitHubError(f"GET {_path(url)}: GitHub answered with {type(page).__name__}, not a list")
            yield from page
            found = _NEXT.search(resp.headers.get("Link", ""))
            url = found.group(1) if found else None

    # -- calls --------------------------------------------------------------------------------------------

    def authenticated_user(self) -> tuple[dict[str, Any], list[str]]:
        """``GET /user``: the token's user and its OAuth scopes (``X-OAuth-Scopes``)."""
        resp = self._request("GET", "/user")
        assert resp is not None
        scopes = [s.strip() for s in resp.headers.get("X-OAuth-Scopes", "").split(",") if s.strip()]
        return resp.json(), scopes

    def organization(self, org: str) -> dict[str, Any] | None:
        """``GET /orgs/{org}`` (``None`` when GitHub says 404)."""
        resp = self._request("GET", f"/orgs/{quote(org)}", missing_ok=True)
        return resp.json() if resp is not None else None

    def repository(self, owner: str, repo: str) -> dict[str, Any] | None:
        """``GET /repos/{owner}/{repo}`` (``None`` when it does not exist)."""
        resp = self._request("GET", f"/repos/{quote(owner)}/{quote(repo)}", missing_ok=True)
        return resp.json() if resp is not None else None

    def create_repository(self, owner: str, repo: str, *, personal: bool, private: bool = True) -> dict[str, Any]:
        """Create an empty repository: ``POST /user/repos`` (personal) or ``POST /orgs/{owner}/repos``."""
        path = "/user/repos" if personal else f"/orgs/{quote(owner)}/repos"
        body = {"name": repo, "description": REPO_DESCRIPTION, "private": private, "auto_init": False}
        try:
            resp = self._request("POST", path, json=body, ok=(201,))
        except GitHubError as exc:
            raise GitHubError(f"failed to create new Github repo {repo}: {exc}", exc.status) from None
        assert resp is not None
        return resp.json()  # type: ignore[no-any-return]

    def deploy_keys(self, owner: str, repo: str) -> list[dict[str, Any]]:
        """Every deploy key of the repository (``GET /repos/{owner}/{repo}/keys``, all pages)."""
        return list(self._paginate(f"/repos/{quote(owner)}/{quote(repo)}/keys"))

    def add_deploy_key(self, owner: str, repo: str, *, title: str, key: str, read_only: bool = True) -> dict[str, Any]:
        """``POST /repos/{owner}/{repo}/keys``; a key with the same title is replaced (deleted first)."""
        base = f"/repos/{quote(owner)}/{quote(repo)}/keys"
        for existing in self.deploy_keys(owner, repo):
            if existing.get("title") == title:
                if str(existing.get("key", "")).split()[:2] == key.split()[:2]:
                    return existing
                self._request("DELETE", f"{base}/{int(existing['id'])}", ok=(204,))
        try:
            resp = self._request("POST", base, json={"title": title, "key": key, "read_only": read_only},
                                 ok=(201,))
        except GitHubError as exc:
            raise GitHubError(f"adding deploy key to repo: {exc}", exc.status) from None
        assert resp is not None
        return resp.json()  # type: ignore[no-any-return]

    # -- EKS Anywhere's checks ------------------------------------------------------------------------------

    def validate(self, owner: str, *, personal: bool) -> None:
        """The token has the ``repo`` scope and belongs to ``owner`` (personal) or can see organisation ``owner``."""
        user, scopes = self.authenticated_user()
        if "repo" not in scopes:
            raise GitHubError("github access token does not have repo permissions")
        if personal:
            if str(user.get("login", "")).lower() != owner.lower():
                raise GitHubError(f"the authenticated Github.com user and owner {owner} specified in the EKS-A "
                                  f"gitops spec don't match; confirm access token owner is {owner}")
            return
        try:
            org = self.organization(owner)
        except GitHubError as exc:
            raise GitHubError(f"the authenticated github user doesn't have proper access to github organization "
                              f"{owner}, {exc}", exc.status) from None
        if org is None:
            raise GitHubError(f"the authenticated github user doesn't have proper access to github organization "
                              f"{owner}")


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url) or "/"


def _describe(resp: requests.Response) -> str:
    message = ""
    try:
        data = resp.json()
        if isinstance(data, dict):
            message = str(data.get("message") or "")
            errors = data.get("errors")
            if isinstance(errors, list) and errors:
                details = [str(e.get("message") or e.get("code") or e) if isinstance(e, dict) else str(e)
                           for e in errors]
                message += f" ({'; '.join(details)})"
    except ValueError:
        message = resp.text[:200]
    if resp.status_code == 403 and resp.headers.get("X-RateLimit-Remaining") == "0":
        message = f"rate limit exceeded (resets at {resp.headers.get('X-RateLimit-Reset', '?')}): {message}"
    return f"GitHub answered {resp.status_code}{': ' + message if message else ''}"
