"""The git working copy on real repositories: a bare repository on disk and smart HTTP with basic auth."""

from __future__ import annotations

from pathlib import Path

import pytest

from eksa_core.gitops.git import GIT_AUTHOR_NAME, GitCredentials, GitError, GitRepository
from eksa_core.testing.gitserver import GitHttpServer

from .conftest import TOKEN, git


def test_empty_remote_is_initialised_committed_and_pushed(tmp_path: Path, bare_repo: Path) -> None:
    repo = GitRepository(tmp_path / "wc" / "fleet", str(bare_repo))
    assert repo.clone_or_init("main") is False  # nothing to clone yet
    (repo.path / "clusters").mkdir()
    (repo.path / "clusters" / "a.yaml").write_text("a: 1\n")
    repo.add("clusters")
    assert repo.has_changes()
    commit = repo.commit("first commit")
    repo.push("main")

    assert git("--git-dir", str(bare_repo), "rev-parse", "main").strip() == commit
    log = git("--git-dir", str(bare_repo), "log", "--format=%an|%s", "main").strip()
    assert log == f"{GIT_AUTHOR_NAME}|first commit"
    assert git("--git-dir", str(bare_repo), "show", "main:clusters/a.yaml") == "a: 1\n"


def test_second_clone_sees_the_pushed_branch_and_removes(tmp_path: Path, bare_repo: Path) -> None:
    first = GitRepository(tmp_path / "one", str(bare_repo))
    first.clone_or_init("main")
    (first.path / "x").mkdir()
    (first.path / "x" / "f").write_text("1")
    first.add("x")
    first.commit("add x")
    first.push("main")

    second = GitRepository(tmp_path / "two", f"file://{bare_repo}")
    assert second.clone_or_init("main") is True
    assert second.files() == ["x/f"]
    second.remove("x")
    second.commit("remove x")
    second.push("main")
    assert git("--git-dir", str(bare_repo), "ls-tree", "-r", "--name-only", "main") == ""
    first.pull("main")
    assert not (first.path / "x").exists()


def test_new_branch_starts_from_the_default_branch(tmp_path: Path, bare_repo: Path) -> None:
    seed = GitRepository(tmp_path / "seed", str(bare_repo))
    seed.clone_or_init("main")
    (seed.path / "README.md").write_text("fleet\n")
    seed.add("README.md")
    seed.commit("readme")
    seed.push("main")

    repo = GitRepository(tmp_path / "wc", str(bare_repo))
    assert repo.clone_or_init("prod") is False
    assert repo.files() == ["README.md"]
    (repo.path / "p").write_text("p")
    repo.add("p")
    repo.commit("on prod")
    repo.push("prod")
    assert sorted(git("--git-dir", str(bare_repo), "for-each-ref", "--format=%(refname:short)").split()) == [
        "main", "prod"]


def test_smart_http_push_with_token_and_refusal_without(tmp_path: Path, git_server: GitHttpServer) -> None:
    bare = git_server.create_repository("fleet")
    repo = GitRepository(tmp_path / "wc", git_server.url("fleet"),
                         credentials=GitCredentials(username="git", password=TOKEN))
    repo.clone_or_init("main")
    (repo.path / "f.txt").write_text("over http\n")
    repo.add("f.txt")
    commit = repo.commit("over http")
    repo.push("main")
    assert git("--git-dir", str(bare), "rev-parse", "main").strip() == commit
    pushes = [r for r in git_server.requests if r.path.endswith("/git-receive-pack")]
    assert pushes and all(r.authorised and r.status == 200 for r in pushes)
    # the token went over the wire (the server accepted it), never into the URL or the process arguments
    assert TOKEN not in repo.url and TOKEN not in repr(repo.credentials)

    wrong = GitRepository(tmp_path / "wrong", git_server.url("fleet"),
                          credentials=GitCredentials(username="git", password="not-the-token"))
    with pytest.raises(GitError, match="Authentication failed") as err:
        wrong.clone_or_init("main")
    assert "not-the-token" not in str(err.value)


def test_failure_message_hides_credentials_in_urls(tmp_path: Path) -> None:
    repo = GitRepository(tmp_path / "wc", "http://someone:hunter2@127.0.0.1:9/none.git")
    with pytest.raises(GitError) as err:
        repo.clone_or_init("main")
    assert "hunter2" not in str(err.value) and "***@127.0.0.1:9" in str(err.value)
