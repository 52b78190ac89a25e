"""A local clone of a GitOps repository, driven through the ``git`` command line.

Why the git CLI and not a Python implementation (dulwich, GitPython): the CLI speaks every transport EKS Anywhere's
users point Flux at (``ssh://`` with a deploy key, ``https://`` with a token, local paths and ``file://``) with the
user's own known-hosts and proxy handling, it is on every machine that runs Flux bootstrap, and it is what these
tests drive against real servers (a bare repository, ``git http-backend``). Each command runs with an isolated
configuration (no global or system config, no prompts), a fixed author ("EKS-A", as EKS Anywhere commits) and,
for SSH remotes, ``GIT_SSH_COMMAND`` naming the private key and known-hosts files from the environment. Error
messages carry git's stderr with any ``user:password@`` part of a URL removed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path

from ..errors import EksaError

__all__ = ["GIT_AUTHOR_EMAIL", "GIT_AUTHOR_NAME", "GitCredentials", "GitError", "GitRepository"]

GIT_AUTHOR_NAME = "EKS-A"
GIT_AUTHOR_EMAIL = "eks-a@users.noreply.github.com"

_URL_USERINFO = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*://)[^@/\s]+@")


def redact_url(text: str) -> str:
    """``text`` with the user-info of every URL in it (``https://user:token@host``) removed."""
    return _URL_USERINFO.sub(r"\1***@", text)


class GitError(EksaError):
    """A git command failed (the message holds the command and git's stderr, credentials removed)."""


class GitCredentials:
    """How git authenticates to the remote.

    :param private_key_file: the SSH private key (``EKSA_GIT_PRIVATE_KEY``) for ``ssh://`` remotes.
    :param known_hosts_file: the SSH known-hosts file (``EKSA_GIT_KNOWN_HOSTS``).
    :param username: user name for HTTP(S) remotes (GitHub takes any name with a token).
    :param password: password or token for HTTP(S) remotes; given to git through an askpass helper reading the
        environment, never on a command line or in a URL.
    """

    def __init__(self, *, private_key_file: str | None = None, known_hosts_file: str | None = None,
                 username: str | None = None, password: str | None = None) -> None:
        self.private_key_file = private_key_file
        self.known_hosts_file = known_hosts_file
        self.username = username
        self._password = password

    @property
    def password(self) -> str | None:
        """The HTTP(S) password or token (never printed by :meth:`__repr__`)."""
        return self._password

    def __repr__(self) -> str:
        return (f"GitCredentials(private_key_file={self.private_key_file!r}, known_hosts_file="
                f"{self.known_hosts_file!r}, username={self.username!r}, password={'***' if self._password else None})")


class GitRepository:
    """A working copy at ``path`` whose ``origin`` is ``url``.

    :param git: the git executable (``git`` on ``PATH`` by default).
    :param env: the environment git runs in (``os.environ`` by default); only ``PATH``, ``HOME``, locale and
        proxy variables are passed on from it, besides what this class sets.
    """

    def __init__(self, path: Path, url: str, *, credentials: GitCredentials | None = None,
                 git: str = "git", env: Mapping[str, str] | None = None) -> None:
        self.path = Path(path)
        self.url = url
        self.credentials = credentials or GitCredentials()
        self.git = git
        self._env = dict(os.environ if env is None else env)

    # -- running git --------------------------------------------------------------------------------------

    def _environment(self, askpass: Path | None) -> dict[str, str]:
        keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY",
                "http_proxy", "https_proxy", "no_proxy", "SYSTEMROOT")
        env = {k: v for k, v in self._env.items() if k in keep}
        env.setdefault("PATH", os.environ.get("PATH", "/usr/bin:/bin"))
        env.update({
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_AUTHOR_NAME": GIT_AUTHOR_NAME,
            "GIT_AUTHOR_EMAIL": GIT_AUTHOR_EMAIL,
            "GIT_COMMITTER_NAME": GIT_AUTHOR_NAME,
            "GIT_COMMITTER_EMAIL": GIT_AUTHOR_EMAIL,
        })
        creds = self.credentials
        if creds.private_key_file:
            ssh = ["ssh", "-i", creds.private_key_file, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"]
            if creds.known_hosts_file:
                ssh += ["-o", f"UserKnownHostsFile={creds.known_hosts_file}", "-o", "StrictHostKeyChecking=yes"]
            env["GIT_SSH_COMMAND"] = " ".join(_quote(a) for a in ssh)
        if askpass is not None and creds.password is not None:
            env["GIT_ASKPASS"] = str(askpass)
            env["EKSA_GIT_ASKPASS_USERNAME"] = creds.username or "git"
            env["EKSA_GIT_ASKPASS_PASSWORD"] = creds.password
        return env

    def run(self, *args: str, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``git ARGS`` in the working copy (or ``cwd``); a failure raises :class:`GitError`."""
        askpass = self._askpass() if self.credentials.password is not None else None
        try:
            proc = subprocess.run([self.git, *args], cwd=cwd or self.path, env=self._environment(askpass),
                                  capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False)
        except FileNotFoundError:
            raise GitError(f"git executable {self.git!r} not found; GitOps needs git installed") from None
        finally:
            if askpass is not None:
                shutil.rmtree(askpass.parent, ignore_errors=True)
        if check and proc.returncode != 0:
            detail = redact_url((proc.stderr or proc.stdout).strip())
            raise GitError(f"git {redact_url(' '.join(args))} failed: {detail}")
        return proc

    def _askpass(self) -> Path:
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="eksa-askpass-"))
        script = folder / "askpass.sh"
        # prints the user name or the password from the environment of this one git run: no secret in the file
        script.write_text('#!/bin/sh\ncase "$1" in\n  Username*) printf "%s\\n" "$EKSA_GIT_ASKPASS_USERNAME" ;;\n'
                          '  *) printf "%s\\n" "$EKSA_GIT_ASKPASS_PASSWORD" ;;\nesac\n')
        script.chmod(0o700)
        return script

    # -- operations ---------------------------------------------------------------------------------------

    def exists(self) -> bool:
        """Whether the working copy is a git repository already."""
        return (self.path / ".git").is_dir()

    def remote_branches(self) -> list[str]:
        """The branch names the remote has (empty for an empty repository)."""
        proc = self.run("ls-remote", "--heads", self.url, cwd=self.path.parent if not self.path.exists() else None)
        out = []
        for line in proc.stdout.splitlines():
            _, _, ref = line.partition("\t")
            if ref.startswith("refs/heads/"):
                out.append(ref.removeprefix("refs/heads/"))
        return out

    def clone_or_init(self, branch: str) -> bool:
        """Make the working copy track ``branch`` of the remote: clone it, or, when the remote has no commits (or
        not that branch), initialise a local repository on ``branch``. Returns whether the remote had the branch.
        An existing working copy is fetched and reset to the remote branch."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.exists():
            self.path.mkdir(parents=True, exist_ok=True)
            self.run("init", "--quiet", "--initial-branch", branch)
            self.run("remote", "add", "origin", self.url)
        branches = self.remote_branches()
        if branch in branches:
            self.run("fetch", "--quiet", "origin", f"+refs/heads/{branch}:refs/remotes/origin/{branch}")
            self.run("checkout", "--quiet", "-B", branch, f"origin/{branch}")
            return True
        if branches:  # a repository with other branches: start the new branch from its default branch
            base = "main" if "main" in branches else branches[0]
            self.run("fetch", "--quiet", "origin", f"+refs/heads/{base}:refs/remotes/origin/{base}")
            self.run("checkout", "--quiet", "-B", branch, f"origin/{base}")
        else:
            self.run("checkout", "--quiet", "-B", branch)
        return False

    def add(self, *paths: str) -> None:
        """Stage ``paths`` (relative to the working copy)."""
        self.run("add", "--all", "--", *paths)

    def remove(self, *paths: str) -> None:
        """Remove ``paths`` (relative, recursively) from the working copy and the index."""
        self.run("rm", "-r", "--quiet", "--", *paths)

    def has_changes(self) -> bool:
        """Whether the index differs from ``HEAD`` (or anything is staged in a repository without commits)."""
        if self.run("rev-parse", "--verify", "--quiet", "HEAD", check=False).returncode != 0:
            return bool(self.run("diff", "--cached", "--name-only").stdout.strip())
        return self.run("diff", "--cached", "--quiet", check=False).returncode != 0

    def commit(self, message: str) -> str:
        """Commit what is staged with ``message``; returns the new commit id."""
        self.run("commit", "--quiet", "--no-verify", "--no-gpg-sign", "-m", message)
        return self.head()

    def head(self) -> str:
        """The commit id of ``HEAD``."""
        return self.run("rev-parse", "HEAD").stdout.strip()

    def push(self, branch: str) -> None:
        """Push ``branch`` to the remote's branch of the same name."""
        self.run("push", "--quiet", "origin", f"HEAD:refs/heads/{branch}")

    def pull(self, branch: str) -> None:
        """Bring the working copy up to the remote's ``branch`` (fast-forward only)."""
        self.run("pull", "--quiet", "--ff-only", "origin", branch)

    def files(self, ref: str = "HEAD") -> list[str]:
        """The paths of the files at ``ref``."""
        return self.run("ls-tree", "-r", "--name-only", ref).stdout.splitlines()


def _quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)


def run_git(args: Sequence[str], cwd: Path) -> str:
    """Run a plain ``git`` command in ``cwd`` with the same isolated configuration (for tests and tools)."""
    return GitRepository(cwd, "").run(*args).stdout
