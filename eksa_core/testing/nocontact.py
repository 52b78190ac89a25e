"""Proving that a dry run contacts nothing.

:func:`no_contact` starts a listener on 127.0.0.1 that records every connection made to it (point every endpoint
of a spec and of the environment at ``listener.url`` / ``listener.host:listener.port``), and for the duration of
the block also records, and refuses, every outgoing socket connection of the process to any address and every
command it tries to start. :func:`check_dry_run_contacts_nothing` runs ``eksa create/upgrade/delete cluster
--dry-run`` on a spec inside that guard, with proxies and ``KUBECONFIG`` pointing at the listener too, and fails
with what was contacted.
"""

from __future__ import annotations

import io
import os
import re
import socket
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["ContactListener", "check_dry_run_contacts_nothing", "listener_kubeconfig", "no_contact"]


class ContactListener:
    """A TCP listener on 127.0.0.1 that accepts and records connections (and answers nothing)."""

    host = "127.0.0.1"

    def __init__(self) -> None:
        self._server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._server.bind((self.host, 0))
        self._server.listen(16)
        self.port: int = self._server.getsockname()[1]
        self.connections: list[tuple[str, int]] = []
        self.attempts: list[str] = []
        self._thread = threading.Thread(target=self._serve, name="eksa-no-contact-listener", daemon=True)
        self._closed = False
        self._thread.start()

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def _serve(self) -> None:
        while not self._closed:
            try:
                conn, peer = self._server.accept()
            except OSError:
                return
            self.connections.append(peer)
            conn.close()

    def close(self) -> None:
        self._closed = True
        self._server.close()
        self._thread.join(timeout=5)

    def contacts(self) -> list[str]:
        """Everything that was contacted or started: connections seen by the listener and refused attempts."""
        return [f"connection to the listener from {h}:{p}" for h, p in self.connections] + list(self.attempts)


@contextmanager
def no_contact() -> Iterator[ContactListener]:
    """A :class:`ContactListener`, with every outgoing connection and started command of this process recorded
    in its ``attempts`` and refused (``ConnectionRefusedError`` / ``OSError``) for the block."""
    listener = ContactListener()
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    real_popen_init = subprocess.Popen.__init__

    def connect(sock: socket.socket, address: Any) -> None:
        listener.attempts.append(f"socket connection to {address!r}")
        raise ConnectionRefusedError(f"dry run: no connection may be made (to {address!r})")

    def connect_ex(sock: socket.socket, address: Any) -> int:
        listener.attempts.append(f"socket connection to {address!r}")
        return 111

    def popen_init(self: subprocess.Popen[Any], args: Any, *a: Any, **kw: Any) -> None:
        listener.attempts.append(f"command started: {args!r}")
        raise OSError(f"dry run: no command may be started ({args!r})")

    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    subprocess.Popen.__init__ = popen_init  # type: ignore[method-assign,assignment]
    try:
        yield listener
    finally:
        socket.socket.connect = real_connect  # type: ignore[method-assign]
        socket.socket.connect_ex = real_connect_ex  # type: ignore[method-assign]
        subprocess.Popen.__init__ = real_popen_init  # type: ignore[method-assign]
        listener.close()


def listener_kubeconfig(path: Path, server: str) -> Path:
    """Write at ``path`` a kubeconfig whose server is ``server`` (e.g. a :class:`ContactListener`'s ``url``)."""
    from ..files import write_file_atomic

    write_file_atomic(path, f"""apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {{server: "{server}", insecure-skip-tls-verify: true}}
users:
- name: u
  user: {{token: no-contact-token}}
contexts:
- name: c
  context: {{cluster: c, user: u}}
current-context: c
""")
    return path


def check_dry_run_contacts_nothing(
    plugins: Any,
    workdir: Path,
    spec_text: Callable[[ContactListener], str],
    env: Callable[[ContactListener], Mapping[str, str]] = lambda listener: {},
    *,
    commands: tuple[str, ...] = ("create", "upgrade", "delete"),
    extra_args: Mapping[str, tuple[str, ...]] | None = None,
    secrets: Iterable[str] = (),
) -> dict[str, str]:
    """Run ``eksa <command> cluster -f <spec> --dry-run`` for each of ``commands`` in ``workdir`` while nothing
    may be contacted; return each command's output. ``spec_text`` and ``env`` build the spec and the environment
    from the listener (point every endpoint at it); ``extra_args`` adds arguments per command (e.g. a hardware
    CSV for create). Each of ``secrets`` (and each credential-looking value of the environment) must appear in
    no output and no file the runs wrote (plans, logs). Fails with an ``AssertionError`` listing what was contacted,
    or with the command's error output when a command fails.
    """
    from ..cli import main
    from . import patched_env

    outputs: dict[str, str] = {}
    old_cwd = Path.cwd()
    with no_contact() as listener:
        kubeconfig = listener_kubeconfig(workdir / "listener.kubeconfig", listener.url)
        environment = {"HTTP_PROXY": listener.url, "HTTPS_PROXY": listener.url, "http_proxy": listener.url,
                       "https_proxy": listener.url, "NO_PROXY": "", "KUBECONFIG": str(kubeconfig),
                       **env(listener)}
        spec = workdir / "no-contact-cluster.yaml"
        text = spec_text(listener)
        spec.write_text(text)
        # upgrade and delete read the cluster's current spec from its folder, as after a create
        from ..spec import parse_cluster_config

        name = parse_cluster_config(text, registry=plugins.registry).cluster.name
        (workdir / name).mkdir(parents=True, exist_ok=True)
        (workdir / name / f"{name}-eks-a-cluster.yaml").write_text(text)
        inputs = {f.resolve() for f in workdir.rglob("*") if f.is_file()}  # given to the runs, not written by them
        os.chdir(workdir)
        try:
            with patched_env(environment):
                for command in commands:
                    out, err = io.StringIO(), io.StringIO()
                    argv = [command, "cluster", "-f", str(spec), "--dry-run"]
                    if command != "create":
                        argv += ["--kubeconfig", str(kubeconfig)]
                    argv += list((extra_args or {}).get(command, ()))
                    code = main(argv, plugins=plugins, stdout=out, stderr=err)
                    assert code == 0, f"eksa {' '.join(argv)} failed ({code}):\n{err.getvalue()}{out.getvalue()}"
                    outputs[command] = out.getvalue() + err.getvalue()
        finally:
            os.chdir(old_cwd)
        contacted = listener.contacts()
    assert not contacted, "a dry run contacted something:\n  " + "\n  ".join(contacted)
    hidden = [s for s in secrets if s] + [v for k, v in environment.items() if _SECRET_ENV.search(k) and len(v) >= 4]
    for command, text in outputs.items():
        leaked = [s for s in hidden if s in text]
        assert not leaked, f"eksa {command} --dry-run printed a credential: {leaked}"
    for path in workdir.rglob("*"):
        if path.is_file() and path.resolve() not in inputs:
            content = path.read_text(errors="replace")
            leaked = [s for s in hidden if s in content]
            assert not leaked, f"{path} holds a credential: {leaked}"
    return outputs


_SECRET_ENV = re.compile(r"PASSWORD|PASSWD|TOKEN|SECRET|CREDENTIAL|_KEY$|APIKEY|B64ENCODED", re.I)
