"""The github provider: GitHub's REST API over requests against a double on 127.0.0.1 that checks the wire
format (headers, JSON bodies, pagination, error replies), and the create workflow with a github FluxConfig: the
repository is created through the API, pushed to over smart HTTP with the token, and given a deploy key; the
workflow's clusters are the real control planes, Flux's CRDs served on the management cluster
(:func:`tests.gitops.test_workflows.gitops_env`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from eksa_core.gitops.github import GitHubClient, GitHubError, validate_token
from eksa_core.testing.controlplane import ControlPlane
from eksa_core.testing.gitserver import GitHttpServer
from eksa_core.workflows import Result, create_cluster
from tests.workflows.realharness import RealEnv, options

from .conftest import TOKEN, git
from .github_double import GitHubDouble
from .test_workflows import gitops_env, make, served

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEXAMPLEKEYEXAMPLEKEYEXAMPLEKEYEXAMPLE0 test"


@pytest.fixture
def github(tmp_path: Path) -> Iterator[GitHubDouble]:
    with GitHttpServer(tmp_path / "served", auth=("git", TOKEN)) as server, GitHubDouble(TOKEN, server) as double:
        yield double
    assert double.problems == []


def client(double: GitHubDouble, token: str = TOKEN) -> GitHubClient:
    return GitHubClient(token, api_url=double.url)


def test_token_form_is_checked_as_eks_anywhere_does() -> None:
    assert validate_token(TOKEN) == TOKEN
    with pytest.raises(GitHubError, match="could not get var from environment"):
        validate_token(None)
    with pytest.raises(GitHubError, match=r"EKSA_GITHUB_TOKEN is invalid; must match format \^ghp_") as err:
        validate_token("not-a-token-value")
    assert "not-a-token-value" not in str(err.value)


def test_validate_personal_and_organisation_owners(github: GitHubDouble) -> None:
    client(github).validate("octo", personal=True)
    client(github).validate("OCTO", personal=True)  # GitHub logins compare case-insensitively
    client(github).validate("acme", personal=False)
    with pytest.raises(GitHubError, match=r"the authenticated Github\.com user and owner someone-else specified in "
                                          r"the EKS-A gitops spec don't match"):
        client(github).validate("someone-else", personal=True)
    with pytest.raises(GitHubError, match="doesn't have proper access to github organization other-org"):
        client(github).validate("other-org", personal=False)
    github.scopes = "read:org, gist"
    with pytest.raises(GitHubError, match="github access token does not have repo permissions"):
        client(github).validate("octo", personal=True)


def test_bad_token_and_rate_limit_replies_are_reported_without_the_token(github: GitHubDouble) -> None:
    wrong = "ghp_" + "W" * 36
    with pytest.raises(GitHubError, match="GET /user: GitHub answered 401: Bad credentials") as err:
        client(github, wrong).validate("octo", personal=True)
    assert err.value.status == 401 and wrong not in str(err.value) and wrong not in repr(client(github, wrong))
    github.rate_limited = True
    with pytest.raises(GitHubError, match="403: rate limit exceeded \\(resets at 1800000000\\)"):
        client(github).repository("octo", "fleet")


def test_repositories_are_found_or_created_for_the_user_or_the_organisation(github: GitHubDouble) -> None:
    c = client(github)
    assert c.repository("octo", "fleet") is None
    created = c.create_repository("octo", "fleet", personal=True)
    assert created["full_name"] == "octo/fleet"
    assert ("POST", "/user/repos", {"name": "fleet", "description": "EKS-A cluster configuration repository",
                                    "private": True, "auto_init": False}) in github.requests
    assert c.repository("octo", "fleet") is not None
    c.create_repository("acme", "platform", personal=False)
    assert github.requests[-1][:2] == ("POST", "/orgs/acme/repos")
    assert github.repos["acme/platform"]["private"] is True
    with pytest.raises(GitHubError, match=r"failed to create new Github repo fleet: POST /user/repos: GitHub "
                                          r"answered 422: Repository creation failed\. \(name already exists"):
        c.create_repository("octo", "fleet", personal=True)


def test_deploy_keys_are_listed_across_pages_and_replaced_by_title(github: GitHubDouble) -> None:
    github.add_repository("octo", "fleet")
    for i in range(7):
        github.add_key("octo/fleet", f"other-{i}", f"ssh-ed25519 AAAA{i} k{i}")
    old = github.add_key("octo/fleet", "eksa-mgmt-flux-system", "ssh-ed25519 AAAAold old")
    c = client(github)
    keys = c.deploy_keys("octo", "fleet")
    assert len(keys) == 8 and [k["title"] for k in keys][:3] == ["other-0", "other-1", "other-2"]
    pages = [p for m, p, _ in github.requests if m == "GET" and p.startswith("/repos/octo/fleet/keys")]
    assert pages == ["/repos/octo/fleet/keys?per_page=100", "/repos/octo/fleet/keys?per_page=100&page=2",
                     "/repos/octo/fleet/keys?per_page=100&page=3"]

    added = c.add_deploy_key("octo", "fleet", title="eksa-mgmt-flux-system", key=KEY)
    assert ("DELETE", f"/repos/octo/fleet/keys/{old}", None) in github.requests
    assert github.requests[-1] == ("POST", "/repos/octo/fleet/keys",
                                   {"title": "eksa-mgmt-flux-system", "key": KEY, "read_only": True})
    assert added["key"] == KEY and [k["title"] for k in github.keys["octo/fleet"]].count("eksa-mgmt-flux-system") == 1
    # the same key again: nothing to do
    count = len(github.requests)
    assert c.add_deploy_key("octo", "fleet", title="eksa-mgmt-flux-system", key=KEY)["id"] == added["id"]
    assert all(m == "GET" for m, _, _ in github.requests[count:])
    with pytest.raises(GitHubError, match="adding deploy key to repo: POST /repos/octo/fleet/keys: GitHub answered "
                                          "422: Validation Failed \\(key is already in use\\)"):
        c.add_deploy_key("octo", "fleet", title="another-title", key=KEY)


def github_text(owner: str, repository: str, *, personal: bool) -> str:
    from tests.workflows.harness import spec_text

    base = spec_text("mgmt").replace("  managementCluster:\n    name: mgmt\n",
                                     "  managementCluster:\n    name: mgmt\n"
                                     "  gitOpsRef:\n    kind: FluxConfig\n    name: mgmt-flux\n", 1)
    return base + f"""---
apiVersion: anywhere.eks.amazonaws.com/v1alpha1
kind: FluxConfig
metadata:
  name: mgmt-flux
  namespace: default
spec:
  github:
    owner: {owner}
    repository: {repository}
    personal: {str(personal).lower()}
"""


@pytest.fixture
def env(tmp_path: Path, control_plane: ControlPlane, second_control_plane: ControlPlane) -> Iterator[RealEnv]:
    """The real clusters of the GitOps workflow tests (Flux's CRDs served on the management cluster)."""
    yield from gitops_env(tmp_path, control_plane, second_control_plane)


@pytest.mark.parametrize(("owner", "personal", "create_path"), [("octo", True, "/user/repos"),
                                                                ("acme", False, "/orgs/acme/repos")])
def test_create_with_github_creates_the_repository_pushes_and_adds_a_deploy_key(
        env: RealEnv, github: GitHubDouble, owner: str, personal: bool, create_path: str) -> None:
    served(env)
    spec = make(env, github_text(owner, "fleet", personal=personal))
    opts = options()
    known_hosts = env.workdir.parent / "known_hosts"
    known_hosts.write_text("127.0.0.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHOSTKEYHOSTKEYHOSTKEYHOSTKEYHOSTKEY00\n")
    opts.env = {**(opts.env or {}), "EKSA_GITHUB_TOKEN": TOKEN, "EKSA_GITHUB_API_URL": github.url,
                "EKSA_GITHUB_URL": f"http://127.0.0.1:{github.git_server.port}",
                "EKSA_GIT_KNOWN_HOSTS": str(known_hosts)}
    result = create_cluster(spec, plugins=env.plugins, workdir=env.workdir, bootstrapper=env.bootstrapper,
                            installer=env.installer, options=opts)
    assert isinstance(result, Result)
    failed = [e for e in result.events if e.kind == "task-failed"]
    assert failed == []
    assert [m for m, p, _ in github.requests if p == create_path] == ["POST"]
    bare = github.git_server.root / owner / "fleet.git"
    assert git("--git-dir", str(bare), "log", "--format=%s", "main").strip() == (
        "Initial commit of cluster configuration; generated by EKS-A CLI")
    keys = github.keys[f"{owner}/fleet"]
    assert [(k["title"], k["read_only"]) for k in keys] == [("eksa-mgmt-flux-system", True)]
    assert keys[0]["key"].startswith("ecdsa-sha2-nistp384 ")
    # Flux pulls over SSH with the deploy key: its private half is in the flux-system Secret, nowhere else
    secret = env.management.get_object("v1", "Secret", "flux-system", "flux-system")
    assert secret is not None
    data = secret.get("stringData") or secret.get("data") or {}
    assert set(data) == {"identity", "identity.pub", "known_hosts"}
    source = env.management.get_object("source.toolkit.fluxcd.io/v1", "GitRepository", "flux-system", "flux-system")
    assert source is not None and source["spec"]["url"] == f"ssh://git@127.0.0.1/{owner}/fleet.git"
    pushed_sync = list(yaml.safe_load_all(git("--git-dir", str(bare), "show",
                                              "main:clusters/mgmt/flux-system/gotk-sync.yaml")))
    assert pushed_sync[0]["spec"]["secretRef"] == {"name": "flux-system"}
    logs = "\n".join(p.read_text() for p in env.workdir.rglob("*.log"))
    messages = "\n".join(e.message for e in result.events)
    for text in (logs, messages, repr(result.events)):
        assert TOKEN not in text
        assert "PRIVATE KEY" not in text
