"""``eksa``: the reference command line, a thin layer over the public API (EKS Anywhere's ``eksctl anywhere``).

Commands::

    eksa generate clusterconfig NAME -p PROVIDER     a new spec on stdout
    eksa validate -f FILE                           parse, default and validate a spec
    eksa create cluster -f FILE [--dry-run] ...     create (or plan the creation of) a cluster
    eksa upgrade cluster -f FILE [--dry-run] ...    upgrade a cluster to a changed spec
    eksa delete cluster NAME [-f FILE] [--dry-run]  delete a cluster
    eksa providers                                  installed providers and plugins that failed to load
    eksa version

Output follows EKS Anywhere's CLI: ``-v/--verbosity N`` (0-9) shows messages up to level ``N`` (0: user
messages, 1: defaulting notes, 3: waits and progress, 4: task start/finish; from 4 on every line carries an
ISO 8601 timestamp and its ``V`` level). Workflow progress reaches the console through a plugin observing
``eksa_workflow_event``; log records of the ``eksa`` loggers are shown too (a record
at ``logging.INFO`` is V0, at ``logging.INFO - n`` it is ``V(n)``, ``DEBUG`` is V6).

Errors are one message on stderr and an exit code: 1 for invalid input and failed operations, 2 for usage
errors, 130 when interrupted. A traceback is printed only with ``-v 4`` or more. Create, upgrade, delete and
validate keep a run log at the highest verbosity in ``./eksa-cli-logs/<timestamp>.log`` (JSON lines), removed
when the command succeeds.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import gc
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, NoReturn

import pluggy

from . import __version__
from .errors import EksaError, PluginError, ReleaseError, SpecError, SpecErrors

# the contract's marker (eksa_core.contract.hookimpl: same project name), made here so that parsing the command
# line (``eksa --help``) does not load the contract and the core models behind it
hookimpl = pluggy.HookimplMarker("eksa")

if TYPE_CHECKING:  # models, plugins and release data load when a command needs them (`eksa --help` stays quick)
    from .cni import CNIRenderer
    from .kube import KubeClient
    from .plugins import Plugins, WorkflowEvent

__all__ = [
    "BUNDLED_RELEASE_MANIFEST",
    "CliError",
    "ConsoleProgress",
    "UsageError",
    "build_parser",
    "format_spec_error",
    "main",
    "release_fetcher",
    "release_manifest_path",
]

RELEASE_MANIFEST_ENV = "EKSA_RELEASE_MANIFEST"
"""Environment variable naming the release manifest (path or URL) when ``--release-manifest`` is not given."""

DEFAULT_RELEASE_MANIFEST_ENV = "EKSA_DEFAULT_RELEASE_MANIFEST"
"""Environment variable replacing the default release manifest (EKS Anywhere's public one), e.g. by a mirror;
unlike ``$EKSA_RELEASE_MANIFEST`` it keeps the default's fallback to the bundled snapshot. Tests set it."""

BUNDLED_KEYWORD = "bundled"
"""``--release-manifest bundled`` (or ``EKSA_RELEASE_MANIFEST=bundled``): the snapshot shipped with eksa, offline."""

from .releases.constants import BUNDLED_RELEASE_MANIFEST, DEFAULT_RELEASE_MANIFEST_URL  # noqa: E402  (CLI defaults)

BUNDLED_RELEASE_DESCRIPTION = "a snapshot of EKS Anywhere v0.26.1, without image digests or artifact URLs"
"""What the bundled release data is, for the warning saying it is used."""

BUNDLED_KUBERNETES_VERSIONS = "1.30 to 1.36"
"""Kubernetes versions the bundled release snapshot (EKS Anywhere v0.26.1) has versions bundles and EKS-D releases
for."""


LOG_DIR = "eksa-cli-logs"
MAX_VERBOSITY = 9
TRACEBACK_VERBOSITY = 4
TIMESTAMP_VERBOSITY = 4

RELEASE_HELP = (
    "Release data (which images and versions the cluster gets): --bundles-override FILE (a Bundles manifest) "
    f"wins, then --release-manifest, then ${RELEASE_MANIFEST_ENV}, else EKS Anywhere's public release manifest "
    f"{DEFAULT_RELEASE_MANIFEST_URL} and the bundles and EKS-D manifests it names. Each takes a path or an "
    "http(s) URL (relative locations inside a manifest resolve against it); 'bundled' names the snapshot shipped "
    "with eksa, for offline use. Downloads are cached in ${XDG_CACHE_HOME:-~/.cache}/eksa/releases "
    "($EKSA_RELEASE_CACHE) and revalidated with ETag/Last-Modified; $EKSA_RELEASE_CA_BUNDLE names "
    "a PEM CA bundle for TLS. When a server cannot be reached the cached copy is used, and for the default "
    "manifest then the bundled snapshot, with one warning. Dry runs read release data too (only that)."
)


class CliError(EksaError):
    """A command failed with a message for the user (exit code ``code``)."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class UsageError(CliError):
    """The command line itself is wrong (exit code 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=2)


# -- output ---------------------------------------------------------------------------------------------------


def _v_level(record: logging.LogRecord) -> int:
    """EKS-A verbosity level of a log record."""
    if record.levelno >= logging.INFO:
        return 0
    if record.levelno > logging.DEBUG:
        return logging.INFO - record.levelno
    return 6


def _timestamp(when: float) -> str:
    return _dt.datetime.fromtimestamp(when, _dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class _Console:
    """Where user-facing lines go, with EKS-A's verbosity and format rules."""

    def __init__(self, verbosity: int, out: IO[str], err: IO[str]) -> None:
        self.verbosity = verbosity
        self.out = out
        self.err = err

    def line(self, message: str, level: int = 0, when: float | None = None, stream: IO[str] | None = None) -> None:
        if level > self.verbosity:
            return
        text = message
        if self.verbosity >= TIMESTAMP_VERBOSITY:
            text = f"{_timestamp(when if when is not None else _dt.datetime.now().timestamp())}\tV{level}\t{message}"
        print(text, file=stream or self.out, flush=True)


class _ConsoleHandler(logging.Handler):
    """Shows ``eksa`` log records on the console at their V level (workflow event echoes excluded: the
    progress plugin prints those)."""

    def __init__(self, console: _Console) -> None:
        super().__init__(level=1)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("eksa.workflow") and record.levelno < logging.WARNING:
            return
        try:
            message = record.getMessage()
        except Exception:  # a malformed record must not crash the command
            message = str(record.msg)
        if record.levelno >= logging.WARNING and not message.lower().startswith(("warning", "error")):
            message = f"{record.levelname.capitalize()}: {message}"
        stream = self.console.err if record.levelno >= logging.ERROR else None
        self.console.line(message, _v_level(record), record.created, stream)


class _JsonLogHandler(logging.Handler):
    """The run log: every record and workflow event as one JSON object per line, at the highest verbosity."""

    def __init__(self, path: Path) -> None:
        super().__init__(level=1)
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] | None = open(path, "a", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def write(self, data: dict[str, Any]) -> None:
        if self._fh is not None:
            self._fh.write(json.dumps(data, default=str) + "\n")
            self._fh.flush()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        entry: dict[str, Any] = {"T": _timestamp(record.created), "V": _v_level(record), "logger": record.name,
                                 "M": message}
        if record.exc_info and record.exc_info[0] is not None:
            entry["traceback"] = "".join(traceback.format_exception(*record.exc_info))
        self.write(entry)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        super().close()


class ConsoleProgress:
    """Plugin printing workflow progress the way EKS Anywhere does.

    Messages (``Performing setup and validations``, ``✅ …``, ``🎉 Cluster created!``) show at their level; task
    start, finish and skips at V4 with durations; everything also goes to the run log when there is one.
    ``quiet`` (dry runs) records without printing.
    """

    def __init__(self, console: _Console, log: _JsonLogHandler | None = None, *, quiet: bool = False) -> None:
        self.console = console
        self.log = log
        self.quiet = quiet
        self.events: list[WorkflowEvent] = []

    @hookimpl
    def eksa_workflow_event(self, event: WorkflowEvent) -> None:
        """Print one event (and record it in the run log)."""
        self.events.append(event)
        if self.log is not None:
            self.log.write({"T": _timestamp(event.timestamp), "V": event.level, "workflow": event.workflow,
                            "event": event.kind, "task": event.task, "M": event.message,
                            "duration": event.duration, "error": event.error,
                            **({"details": event.details} if event.details else {})})
        if self.quiet:
            return
        if event.kind in ("message", "progress"):
            self.console.line(event.message, event.level, event.timestamp)
            return
        level = max(event.level, TASK_LEVEL)
        if event.kind == "task-started":
            self.console.line(f"Task start\t{{\"task_name\": \"{event.task}\"}}", level, event.timestamp)
        elif event.kind == "task-finished":
            duration = f"{event.duration:.3f}s" if event.duration is not None else "?"
            self.console.line(f"Task finished\t{{\"task_name\": \"{event.task}\", \"duration\": \"{duration}\"}}",
                              level, event.timestamp)
        elif event.kind == "task-skipped":
            self.console.line(f"Task skipped\t{{\"task_name\": \"{event.task}\"}}"
                              + (f" {event.message}" if event.message else ""), level, event.timestamp)
        elif event.kind == "task-failed":
            self.console.line(f"Task failed\t{{\"task_name\": \"{event.task}\", \"error\": "
                              f"{json.dumps(event.error or '')}}}", level, event.timestamp)


TASK_LEVEL = 4
"""Verbosity of task start/finish lines (EKS-A's ``V(4)``)."""


def format_spec_error(error: SpecError) -> str:
    """One problem as ``file:line: document N Kind/name field: message`` (parts that are unknown left out)."""
    where: list[str] = []
    if error.file:
        where.append(f"{error.file}:{error.line}:" if error.line is not None else f"{error.file}:")
    elif error.line is not None:
        where.append(f"line {error.line}:")
    if error.document is not None:
        where.append(f"document {error.document}")
    if error.kind or error.name:
        where.append(f"{error.kind or '?'}/{error.name or '?'}")
    if error.field:
        where.append(error.field)
    prefix = " ".join(where)
    if prefix and not prefix.endswith(":"):
        prefix += ":"
    return f"{prefix} {error.message}" if prefix else error.message


# -- release data ---------------------------------------------------------------------------------------------


def _release_location(value: str) -> Path | str:
    """A release-data location the user wrote: ``bundled``, a path, a ``file://`` or an ``http(s)`` URL."""
    from .releases import resolve_location

    if value.strip() == BUNDLED_KEYWORD:
        return BUNDLED_RELEASE_MANIFEST
    return resolve_location(value)


def release_manifest_path(
    option: str | None, env: dict[str, str] | os._Environ[str] | None = None
) -> tuple[Path | str, str]:
    """The release manifest to use (a path or an ``http(s)`` URL) and where the choice came from:
    ``--release-manifest``, ``EKSA_RELEASE_MANIFEST``, ``default`` (EKS Anywhere's public manifest, or
    ``$EKSA_DEFAULT_RELEASE_MANIFEST``) or ``bundled`` (the snapshot shipped with eksa)."""
    env = os.environ if env is None else env
    for value, source in ((option, "--release-manifest"), (env.get(RELEASE_MANIFEST_ENV), RELEASE_MANIFEST_ENV),
                          (env.get(DEFAULT_RELEASE_MANIFEST_ENV) or DEFAULT_RELEASE_MANIFEST_URL, "default")):
        if value:
            return _release_location(value), "bundled" if value.strip() == BUNDLED_KEYWORD else source
    raise AssertionError("unreachable: the default is never empty")  # pragma: no cover


def release_fetcher(env: dict[str, str] | os._Environ[str] | None = None) -> Any:
    """The :class:`~eksa_core.releases.remote.RemoteFetcher` the CLI reads release data with: cached in
    ``$EKSA_RELEASE_CACHE`` (default ``${XDG_CACHE_HOME:-~/.cache}/eksa/releases``), TLS verified against
    ``$EKSA_RELEASE_CA_BUNDLE`` when set."""
    from .releases.remote import CA_BUNDLE_ENV, ReleaseCache, RemoteFetcher

    env = os.environ if env is None else env
    return RemoteFetcher(cache=ReleaseCache.default(env), ca_bundle=env.get(CA_BUNDLE_ENV) or None)


# -- argument parsing -----------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse that raises :class:`UsageError` instead of exiting, so ``main`` decides output and code."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}\n{self.format_usage().rstrip()}")


def _verbosity(value: str) -> int:
    try:
        level = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid verbosity {value!r}: expected a number 0-9") from None
    if not 0 <= level <= MAX_VERBOSITY:
        raise argparse.ArgumentTypeError(f"invalid verbosity {level}: expected a number 0-9")
    return level


def _add_common(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    # accepted before and after the subcommand; the subcommand's value wins only when given
    parser.add_argument("-v", "--verbosity", type=_verbosity, metavar="N",
                        default=0 if top else argparse.SUPPRESS,
                        help="verbosity 0-9 (EKS-A levels: 0 messages, 1 defaults, 3 waits, 4 tasks + timestamps)")


def _add_release_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--bundles-override", metavar="FILE|URL", help="use this Bundles manifest (see below)")
    parser.add_argument("--release-manifest", metavar="FILE|URL",
                        help=f"EKS-A release manifest (default: ${RELEASE_MANIFEST_ENV}, else EKS Anywhere's public "
                             "one; 'bundled': the snapshot shipped with eksa)")


def _add_hidden_force_cleanup(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--force-cleanup", action="store_true", help=argparse.SUPPRESS)


def build_parser(plugins: Plugins | None = None) -> argparse.ArgumentParser:
    """The ``eksa`` argument parser; with ``plugins``, also the options and ``generate`` commands they contribute
    (:mod:`eksa_core.cli_extensions`)."""
    parser = _Parser(prog="eksa", description="Create, upgrade and delete EKS Anywhere clusters (eksa "
                                              f"{__version__}).")
    _add_common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    generate = sub.add_parser("generate", help="generate resources (clusterconfig)")
    _add_common(generate)
    generate.set_defaults(help_parser=generate)
    gen_sub = generate.add_subparsers(dest="what", metavar="WHAT", parser_class=_Parser)
    gcc = gen_sub.add_parser("clusterconfig", help="print a new cluster spec for a provider",
                             description="Print a new cluster spec (Cluster, datacenter and machine configs) on "
                                         "stdout, as EKS Anywhere generates it.")
    _add_common(gcc)
    gcc.add_argument("name", nargs="?", metavar="NAME", help="the cluster name")
    gcc.add_argument("-p", "--provider", required=True, help="provider (see `eksa providers`)")
    gcc.add_argument("--kubernetes-version", metavar="X.Y", default=None,
                     help="spec.kubernetesVersion (default: the newest of the release in use)")
    _add_release_options(gcc)
    gcc.set_defaults(func=_cmd_generate)
    ghw = gen_sub.add_parser("hardware", help="print the hardware inventory objects of a hardware CSV",
                             description="Turn a hardware CSV into its Hardware, BMC Machine and Secret objects "
                                         "(multi-document YAML), as EKS Anywhere's `generate hardware` does. "
                                         "Answered by an installed provider that generates hardware.")
    _add_common(ghw)
    ghw.add_argument("-z", "--hardware-csv", metavar="FILE", default=None, help="the hardware CSV file")
    ghw.add_argument("-o", "--output", metavar="FILE", default=None,
                     help="write to FILE (mode 0600: it holds BMC credentials) instead of stdout")
    ghw.set_defaults(func=_cmd_generate_hardware)
    gman = gen_sub.add_parser(
        "manifests", help="plan many clusters at once: manifests, plan and defaulted spec per cluster",
        description="For each spec file (a folder stands for its *.yaml files): load, default and validate it, "
                    "join it with the release data and plan its creation (nothing is contacted), writing "
                    "OUTPUT/<cluster>/: <cluster>-eks-a-cluster.yaml, plan.yaml and generated/plan/*.yaml. A bad "
                    "file is reported and the others still run; the exit code is 1 when any file failed.",
        epilog=RELEASE_HELP)
    _add_common(gman)
    gman.add_argument("specs", nargs="*", metavar="FILE_OR_FOLDER", help="cluster spec files or folders of them")
    gman.add_argument("-f", "--filename", dest="spec_files", action="append", default=[], metavar="FILE",
                      help="a cluster spec file (repeatable; same as a positional FILE)")
    gman.add_argument("-o", "--output", required=True, metavar="FOLDER", help="where the cluster folders go")
    gman.add_argument("--kubeconfig", metavar="FILE", default=None,
                      help="management cluster kubeconfig named in workload clusters' plans (never read; default "
                           "<management>/<management>-eks-a-cluster.kubeconfig)")
    _add_release_options(gman)
    gman.set_defaults(func=_cmd_generate_manifests)

    validate = sub.add_parser("validate", help="parse, default and validate a cluster spec file")
    _add_common(validate)
    validate.set_defaults(help_parser=validate)
    validate.add_argument("-f", "--filename", required=True, metavar="FILE", help="cluster spec file")
    validate.set_defaults(func=_cmd_validate)

    epilog = RELEASE_HELP
    create = sub.add_parser("create", help="create resources (cluster)")
    _add_common(create)
    create.set_defaults(help_parser=create)
    create_sub = create.add_subparsers(dest="what", metavar="WHAT", parser_class=_Parser)
    cc = create_sub.add_parser("cluster", help="create a cluster", epilog=epilog,
                               description="Create a cluster from a spec file (--dry-run: print the plan and "
                                           "write its manifests, touching nothing).")
    _add_common(cc)
    cc.add_argument("-f", "--filename", required=True, metavar="FILE", help="cluster spec file")
    cc.add_argument("--resume", action="store_true",
                    help="continue a failed run from its checkpoint (also when CHECKPOINT_ENABLED=true)")
    cc.add_argument("--dry-run", action="store_true", help="plan only: print the tasks, write the manifests")
    cc.add_argument("--kubeconfig", metavar="FILE", help="management cluster kubeconfig (workload clusters)")
    cc.add_argument("--skip-ip-check", action="store_true", help="skip the control plane IP in-use check")
    cc.add_argument("--skip-validations", metavar="NAME", nargs="+", action="extend", default=[],
                    help="preflight validations to skip (the ones the installed providers declare)")
    cc.add_argument("-z", "--hardware-csv", metavar="FILE", help="hardware CSV (providers with a hardware inventory)")
    _add_wait_timeouts(cc)
    _add_release_options(cc)
    _add_hidden_force_cleanup(cc)
    cc.set_defaults(func=_cmd_create)

    upgrade = sub.add_parser("upgrade", help="upgrade resources (cluster)")
    _add_common(upgrade)
    upgrade.set_defaults(help_parser=upgrade)
    upgrade_sub = upgrade.add_subparsers(dest="what", metavar="WHAT", parser_class=_Parser)
    uc = upgrade_sub.add_parser("cluster", help="upgrade a cluster", epilog=epilog,
                                description="Upgrade a cluster to the spec in FILE (--dry-run: plan only).")
    _add_common(uc)
    uc.add_argument("-f", "--filename", required=True, metavar="FILE", help="cluster spec file")
    uc.add_argument("--resume", action="store_true",
                    help="continue a failed run from its checkpoint (also when CHECKPOINT_ENABLED=true)")
    uc.add_argument("--dry-run", action="store_true", help="plan only")
    uc.add_argument("--kubeconfig", metavar="FILE", help="management cluster kubeconfig (workload clusters)")
    uc.add_argument("-w", "--w-config", metavar="FILE", help="kubeconfig of the cluster to upgrade")
    uc.add_argument("--skip-validations", metavar="NAME", nargs="+", action="extend", default=[],
                    help="preflight validations to skip (pod-disruption, eksa-version-skew and the ones the "
                         "installed providers declare)")
    uc.add_argument("-z", "--hardware-csv", metavar="FILE", help="hardware CSV (providers with a hardware inventory)")
    _add_wait_timeouts(uc)
    _add_release_options(uc)
    _add_hidden_force_cleanup(uc)
    uc.set_defaults(func=_cmd_upgrade)

    delete = sub.add_parser("delete", help="delete resources (cluster)")
    _add_common(delete)
    delete.set_defaults(help_parser=delete)
    delete_sub = delete.add_subparsers(dest="what", metavar="WHAT", parser_class=_Parser)
    dc = delete_sub.add_parser("cluster", help="delete a cluster", epilog=epilog,
                               description="Delete a cluster. Without -f the spec is read from "
                                           "NAME/NAME-eks-a-cluster.yaml.")
    _add_common(dc)
    dc.add_argument("name", nargs="?", metavar="NAME", help="the cluster name")
    dc.add_argument("-f", "--filename", metavar="FILE", help="cluster spec file")
    dc.add_argument("--resume", action="store_true",
                    help="continue a failed run from its checkpoint (also when CHECKPOINT_ENABLED=true)")
    dc.add_argument("--dry-run", action="store_true", help="plan only")
    dc.add_argument("--kubeconfig", metavar="FILE", help="management cluster kubeconfig (workload clusters)")
    dc.add_argument("-w", "--w-config", metavar="FILE", help="kubeconfig of the cluster to delete")
    _add_release_options(dc)
    _add_hidden_force_cleanup(dc)
    dc.set_defaults(func=_cmd_delete)

    from .packages.cli import add_commands as _add_package_commands

    _add_package_commands(sub, {"generate": gen_sub, "upgrade": upgrade_sub, "delete": delete_sub}, _Parser,
                          common=_add_common)

    crds = sub.add_parser("crds", help="print (or install) the CRDs of every registered kind",
                          description="Print the CustomResourceDefinitions generated from the models of every "
                                      "registered kind (core and installed providers), or install them on a cluster.")
    _add_common(crds)
    crds.add_argument("--kind", action="append", metavar="KIND", dest="kinds",
                      help="only this kind (repeatable)")
    crds.add_argument("--install", action="store_true",
                      help="server-side apply them to the cluster of --kubeconfig and wait until Established")
    crds.add_argument("--kubeconfig", metavar="FILE", help="kubeconfig of the cluster to install them on")
    crds.set_defaults(help_parser=crds)
    crds.set_defaults(func=_cmd_crds)

    controller = sub.add_parser("controller", help="run the EKS-A lifecycle controller on a management cluster",
                                description="Watch anywhere.eks.amazonaws.com Clusters on the management cluster "
                                            "and reconcile them through the provider plugins.")
    _add_common(controller)
    controller.set_defaults(help_parser=controller)
    controller.set_defaults(func=_cmd_controller)
    _add_controller_options(controller)

    providers = sub.add_parser("providers", help="list installed providers (and plugins that failed to load)")
    _add_common(providers)
    providers.set_defaults(help_parser=providers)
    providers.set_defaults(func=_cmd_providers)

    version = sub.add_parser("version", help="print the eksa version")
    _add_common(version)
    version.set_defaults(help_parser=version)
    version.set_defaults(func=_cmd_version)
    if plugins is not None:
        _add_plugin_options(plugins, {"create cluster": cc, "upgrade cluster": uc, "delete cluster": dc})
        _add_plugin_generate_commands(plugins, gen_sub, epilog)
    return parser


def _add_option(parser: argparse.ArgumentParser, option: Any) -> bool:
    """Add one plugin :class:`~eksa_core.cli_extensions.CliOption`; ``False`` (and a log record) when one of its
    option strings is taken."""
    kwargs: dict[str, Any] = {"dest": option.dest, "help": option.help or None, "default": None}
    if option.switch:
        kwargs["action"] = "store_true"
        kwargs["default"] = False
    else:
        kwargs["metavar"] = option.metavar
    try:
        parser.add_argument(*option.flags, **kwargs)
    except argparse.ArgumentError as exc:
        logging.getLogger("eksa").debug("plugin option %s not added: %s", "/".join(option.flags), exc)
        return False
    dests = list(parser.get_default("plugin_options") or [])
    parser.set_defaults(plugin_options=[*dests, option.dest])
    return True


def _add_plugin_options(plugins: Plugins, commands: dict[str, argparse.ArgumentParser]) -> None:
    for option in plugins.hooks.cli_options():
        for command in option.commands:
            if command in commands:
                _add_option(commands[command], option)


def _add_plugin_generate_commands(plugins: Plugins, gen_sub: Any, epilog: str) -> None:
    for command in plugins.hooks.generate_commands():
        if command.name in gen_sub.choices:
            continue  # the core's own command of that name wins
        cmd = gen_sub.add_parser(command.name, help=command.help, description=command.description or command.help,
                                 epilog=epilog if command.needs_spec else None)
        _add_common(cmd)
        if command.needs_spec:
            cmd.add_argument("-f", "--filename", required=True, metavar="FILE",
                             help="Path that contains a cluster configuration")
            _add_release_options(cmd)
        cmd.set_defaults(plugin_options=[], generate_command=command, func=_cmd_generate_plugin)
        for option in command.options:
            _add_option(cmd, option)


# -- commands -------------------------------------------------------------------------------------------------


class _Run:
    """What a command gets: parsed arguments, the console, the plugins, the run log."""

    def __init__(self, args: argparse.Namespace, console: _Console, plugins_factory: Callable[[], Plugins],
                 kube_factory: Callable[[Path], KubeClient] | None = None,
                 cni_renderer: CNIRenderer | None = None) -> None:
        self.args = args
        self.console = console
        self._plugins_factory = plugins_factory
        self.kube_factory = kube_factory
        self.cni_renderer = cni_renderer
        self._plugins: Plugins | None = None
        self.log: _JsonLogHandler | None = None
        self.progress: ConsoleProgress | None = None

    @property
    def plugins(self) -> Plugins:
        if self._plugins is None:
            self._plugins = self._plugins_factory()
        return self._plugins

    def say(self, message: str, level: int = 0) -> None:
        self.console.line(message, level)
        if self.log is not None:
            self.log.write({"T": _timestamp(_dt.datetime.now().timestamp()), "V": level, "M": message})


def _cmd_crds(run: _Run) -> int:
    from .crds import generate_crds, install_crds
    from .yamlio import dump_plain_all

    crds = generate_crds(run.plugins, kinds=run.args.kinds)
    if run.args.install:
        if not run.args.kubeconfig:
            raise UsageError("--install needs --kubeconfig")
        names = install_crds(run.args.kubeconfig, crds)
        for name in names:
            run.say(f"Installed {name}")
        return 0
    print(dump_plain_all(crds), end="", file=run.console.out)
    return 0


def _wait_timeout(text: str) -> float:
    """A wait timeout flag's value: a Go duration (``60m``, ``1h30m``, ``90s``), as EKS Anywhere takes it."""
    from .netutil import go_duration_seconds

    seconds = go_duration_seconds(text)
    if seconds is None or seconds <= 0:
        raise argparse.ArgumentTypeError(f"invalid duration {text!r}: a positive Go duration such as 60m or 1h30m")
    return seconds


def _add_wait_timeouts(parser: argparse.ArgumentParser) -> None:
    """EKS Anywhere's wait timeout flags of create and upgrade."""
    parser.add_argument("--control-plane-wait-timeout", type=_wait_timeout, metavar="DURATION",
                        help="how long to wait for the control plane to be ready (default 60m)")
    parser.add_argument("--per-machine-wait-timeout", type=_wait_timeout, metavar="DURATION",
                        help="how long each machine may take to be ready: the wait for the workers and the "
                             "whole cluster is this times the machine count (default 10m)")
    parser.add_argument("--external-etcd-wait-timeout", type=_wait_timeout, metavar="DURATION",
                        help="how long to wait for the external etcd to be ready (default 60m)")
    parser.add_argument("--no-timeouts", action="store_true", help="wait without time limits")


def _add_controller_options(parser: argparse.ArgumentParser) -> None:
    from .controller.options import add_arguments

    add_arguments(parser)


def _cmd_controller(run: _Run) -> int:
    from .controller.main import run_from_args

    return run_from_args(run.args, plugins=run.plugins, out=run.console.err)


def _cmd_version(run: _Run) -> int:
    print(f"Version: v{__version__}", file=run.console.out)
    return 0


def _cmd_providers(run: _Run) -> int:
    plugins = run.plugins
    out = run.console.out
    rows = [("NAME", "DISTRIBUTION", "VERSION", "DATACENTER KIND", "MACHINE KIND")]
    for name in sorted(plugins.providers):
        info, plugin = plugins.providers[name]
        owner = plugins.owner_of(plugin)
        version = plugins.distribution_version(plugin) or info.version or "?"
        rows.append((info.name, owner, version, info.datacenter_kind, info.machine_kind or "-"))
    if len(rows) == 1:
        print("No providers installed. Install a provider package (`pip install eksa-provider-<name>`).", file=out)
    else:
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for row in rows:
            print("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip(), file=out)
    if plugins.failures:
        print("\nPlugins that could not be loaded:", file=out)
        for failure in plugins.failures:
            print(f"  {failure.name} ({failure.value}): {failure.error}", file=out)
    return 0


def _cmd_generate(run: _Run) -> int:
    from .generate import generate_cluster_config, to_yaml, validate_cluster_name

    name = run.args.name
    if not name:
        raise UsageError("please specify a cluster name")
    try:
        validate_cluster_name(name)
    except SpecError as exc:
        raise CliError(exc.message) from None
    try:
        options: dict[str, Any] = {
            "kubernetes_version": run.args.kubernetes_version or _newest_kubernetes_version(run),
        }
        config = generate_cluster_config(name, run.args.provider, plugins=run.plugins, **options)
    except PluginError as exc:
        raise CliError(f"failed to generate eks-a cluster config: {exc}") from None
    run.console.out.write(to_yaml(config) + "\n")
    run.console.out.flush()
    return 0


def _cmd_generate_hardware(run: _Run) -> int:
    options: dict[str, Any] = {"hardware_csv": run.args.hardware_csv} if run.args.hardware_csv else {}
    text = run.plugins.hooks.generate_artifact("hardware", options)
    if text is None:
        raise CliError("no installed provider generates hardware (install a provider with a hardware inventory)")
    if run.args.output:
        # BMC passwords inside: 0600 whatever the file was, a symlink replaced (never followed), a different
        # existing file kept as <output>.bak
        from .files import write_file_atomic

        backup = write_file_atomic(run.args.output, text + "\n", keep_backup=True)
        if backup is not None:
            run.say(f"Kept the previous {run.args.output} as {backup}")
    else:
        run.console.out.write(text + "\n")
        run.console.out.flush()
    return 0


def _cmd_generate_plugin(run: _Run) -> int:
    """``eksa generate <name>`` of a plugin: its options (and the spec of ``-f``) to ``eksa_generate_artifact``."""
    command = run.args.generate_command
    options: dict[str, Any] = {}
    for dest in run.args.plugin_options:
        value = getattr(run.args, dest, None)
        if value not in (None, False):
            options[dest] = value
    if command.needs_spec:
        out = run.console.out
        run.console.out = run.console.err  # notes and warnings must not mix with the generated document
        try:
            config = _load(run, run.args.filename, summary="the cluster config file provided is invalid")
            options["spec"] = _build_spec(run, config)
        finally:
            run.console.out = out
    text = run.plugins.hooks.generate_artifact(command.name, options)
    if text is None:
        raise CliError(f"no installed plugin generates {command.name}")
    run.console.out.write(text if text.endswith("\n") else text + "\n")
    run.console.out.flush()
    return 0


def _cmd_generate_manifests(run: _Run) -> int:
    from .batch import BatchResult, ManifestsResult, generate_manifests

    args = run.args
    paths = [*args.spec_files, *args.specs]
    if not paths:
        raise UsageError("please give cluster spec files or folders (FILE_OR_FOLDER or -f FILE)")
    def report(result: ManifestsResult) -> None:
        if result.ok:
            run.say(f"✅ {result.file} -> {result.folder}", 1)
            return
        error = result.error
        if isinstance(error, SpecErrors):
            lines = [f"  {format_spec_error(e)}" for e in error]
            print(f"❌ {result.file}: {error.summary}:\n" + "\n".join(lines), file=run.console.err)
        elif isinstance(error, SpecError):
            print(f"❌ {result.file}: {format_spec_error(error)}", file=run.console.err)
        else:
            print(f"❌ {result.file}: {error}", file=run.console.err)

    def use(manifest: Path | str | None, bundles: Path | str | None, fetcher: Any) -> BatchResult:
        from .releases import load_bundles, load_release_manifest

        # read once up front: an unreachable default falls back to the snapshot before any cluster runs
        release = load_release_manifest(manifest, fetcher=fetcher) if manifest is not None else None
        bundles_data = load_bundles(bundles, fetcher=fetcher) if bundles is not None else None
        return generate_manifests(paths, args.output, plugins=run.plugins, release_manifest=release,
                                  bundles_override=bundles_data, fetcher=fetcher,
                                  management_kubeconfig=args.kubeconfig, on_result=report)

    result: BatchResult = _with_release_data(run, use)
    run.say(f"{len(result.generated)} clusters generated in {args.output}, {len(result.failed)} failed")
    return 0 if result.ok else 1


def _require_file(path: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise CliError(f"the cluster config file {path} does not exist")
    return p


def _load(run: _Run, path: str, *, summary: str | None = None) -> Any:
    from .loading import load_spec_file

    file = _require_file(path)
    try:
        config = load_spec_file(file, plugins=run.plugins)
    except SpecErrors as exc:
        if summary is not None:
            exc.summary = summary
        raise
    for warning in config.warnings:
        run.say(_warning_text(warning))
    return config


def _warning_text(warning: SpecError) -> str:
    message = warning.message if warning.message.lower().startswith("warning") else f"Warning: {warning.message}"
    located = format_spec_error(SpecError(message, file=warning.file, document=warning.document,
                                          kind=warning.kind, name=warning.name, field=warning.field,
                                          line=warning.line))
    return located


def _cmd_validate(run: _Run) -> int:
    config = _load(run, run.args.filename)
    objects = ", ".join(f"{o.kind}/{o.name}" for o in config.objects)
    run.say(f"✅ {run.args.filename} is valid ({objects})")
    return 0


def _check_skip_validations(names: Sequence[str], allowed: Sequence[str]) -> list[str]:
    requested = [n for item in names for n in item.split(",") if n]
    bad = [n for n in requested if n not in allowed]
    if bad:
        raise UsageError("invalid validation name to be skipped. The supported validations that can be skipped "
                         f"using --skip-validations are {', '.join(allowed)}")
    return requested


def _reject_force_cleanup(args: argparse.Namespace) -> None:
    if getattr(args, "force_cleanup", False):
        raise UsageError("please remove the --force-cleanup flag")


def _with_release_data(run: _Run, use: Callable[[Path | str | None, Path | str | None, Any], Any]) -> Any:
    """Call ``use(release_manifest, bundles_override, fetcher)`` with the release data the command line names
    (see ``RELEASE_HELP``) and return its result. Downloads go through one cached
    :class:`~eksa_core.releases.remote.RemoteFetcher`; when the default manifest's servers cannot be reached and
    nothing is cached, ``use`` is called again with the bundled snapshot (and no fetcher). Exactly one warning
    says when other data than the asked-for download is used."""
    from .errors import ReleaseUnreachableError

    args = run.args
    manifest: Path | str | None
    manifest, source = release_manifest_path(getattr(args, "release_manifest", None))
    bundles: Path | str | None = None
    if getattr(args, "bundles_override", None):
        bundles = _release_location(args.bundles_override)
        if isinstance(bundles, Path) and not bundles.is_file():
            raise CliError(f"the bundles override file {bundles} does not exist")
        run.say(f"Using bundles override {bundles}", 1)
        if source in ("default", "bundled"):
            manifest = None  # the release manifest is read only when named
    if isinstance(manifest, Path) and not manifest.is_file():
        raise CliError(f"the release manifest {manifest} ({source}) does not exist")

    def from_snapshot() -> Any:
        try:
            return use(BUNDLED_RELEASE_MANIFEST, bundles, None)
        except ReleaseError as exc:
            raise CliError(f"{exc}\nThe release data bundled with eksa covers Kubernetes "
                           f"{BUNDLED_KUBERNETES_VERSIONS}; pass --release-manifest (or ${RELEASE_MANIFEST_ENV}) for "
                           "other versions") from None

    if source == "bundled" and manifest is not None:
        run.say(f"Warning: using the release data bundled with eksa ({BUNDLED_RELEASE_DESCRIPTION}); pass "
                "--release-manifest for real releases")
        return from_snapshot()
    if manifest is not None:
        run.say(f"Using release manifest {manifest} ({source})", 1)
    fetcher = release_fetcher()  # (requests loads here: not for the bundled snapshot)
    try:
        result = use(manifest, bundles, fetcher)
    except ReleaseUnreachableError as exc:
        if source != "default" or manifest is None:
            raise
        run.say(f"Warning: using the release data bundled with eksa ({BUNDLED_RELEASE_DESCRIPTION}): {exc.url} "
                f"could not be downloaded ({exc.message}) and no copy of it is cached in {fetcher.cache.root}")
        return from_snapshot()
    warning = fetcher.fallback_warning()
    if warning is not None:
        run.say(warning)
    return result


def _build_spec(run: _Run, config: Any) -> Any:
    """Join a loaded config with its release data (:func:`eksa_core.releases.build_spec`; the data as
    :func:`_with_release_data` chooses it)."""
    from .releases import build_spec

    return _with_release_data(run, lambda manifest, bundles, fetcher: build_spec(
        config, release_manifest=manifest, bundles_override=bundles, fetcher=fetcher, plugins=run.plugins))


def _release_bundles(run: _Run) -> Any:
    """The bundles of the release in use, chosen as for ``create`` (:func:`_with_release_data`), for eksa's EKS
    Anywhere version."""
    from .releases import DEFAULT_CLI_VERSION, bundles_for_version, load_bundles

    def use(manifest: Path | str | None, bundles: Path | str | None, fetcher: Any) -> Any:
        if bundles is not None:
            return load_bundles(bundles, fetcher=fetcher)
        assert manifest is not None
        return bundles_for_version(manifest, DEFAULT_CLI_VERSION, fetcher=fetcher)[1]

    manifest, source = release_manifest_path(getattr(run.args, "release_manifest", None))
    if source == "bundled" and not getattr(run.args, "bundles_override", None):
        return use(manifest, None, None)  # the snapshot, asked for: nothing to say
    # stdout is the generated spec: what the release choice says (warnings, fallbacks) goes to stderr
    out = run.console.out
    run.console.out = run.console.err
    try:
        return _with_release_data(run, use)
    finally:
        run.console.out = out


def _newest_kubernetes_version(run: _Run) -> str:
    """What a generated spec's ``kubernetesVersion`` defaults to: the newest version of the release in use."""
    from .releases import newest_kubernetes_version

    try:
        return str(newest_kubernetes_version(_release_bundles(run)))
    except ReleaseError as exc:
        raise CliError(f"failed to generate eks-a cluster config: {exc}") from None


def _hook_options(args: argparse.Namespace) -> dict[str, Any]:
    """Options handed to provider hooks as ``context.options``."""
    options: dict[str, Any] = {}
    for key in ("skip_ip_check", "hardware_csv"):
        value = getattr(args, key, None)
        if value:
            options[key] = value
    skipped = getattr(args, "skip_validations_checked", None)
    if skipped:
        options["skip_validations"] = list(skipped)
    for dest in getattr(args, "plugin_options", None) or []:  # options the installed plugins contribute
        value = getattr(args, dest, None)
        if value not in (None, False):
            options[dest] = value
    return options


def _workflow_kwargs(args: argparse.Namespace, kube_factory: Callable[[Path], KubeClient] | None = None,
                     cni_renderer: CNIRenderer | None = None) -> dict[str, Any]:
    """Keyword arguments of the workflow functions common to create, upgrade and delete."""
    from .workflows import Timeouts, WorkflowOptions

    # the spec file the user gave is theirs: a workflow never removes it (delete cleans the cluster folder)
    keep = [Path(args.filename)] if getattr(args, "filename", None) else []
    options = WorkflowOptions(hook_options=_hook_options(args), keep_files=keep, kube_factory=kube_factory,
                              cni_renderer=cni_renderer)
    if getattr(args, "no_timeouts", False):
        options.timeouts = Timeouts.none()
    else:
        if getattr(args, "control_plane_wait_timeout", None) is not None:
            options.timeouts.control_plane = args.control_plane_wait_timeout
        if getattr(args, "per_machine_wait_timeout", None) is not None:
            options.timeouts.per_machine = args.per_machine_wait_timeout
        if getattr(args, "external_etcd_wait_timeout", None) is not None:
            options.timeouts.external_etcd = args.external_etcd_wait_timeout
    resume = bool(getattr(args, "resume", False)) or os.environ.get("CHECKPOINT_ENABLED", "").lower() == "true"
    return {"options": options, "dry_run": bool(args.dry_run), "resume": resume and not args.dry_run}


def _finish(run: _Run, result: Any) -> None:
    """Print a dry run's plan (the workflow printed its own progress otherwise)."""
    from .workflows import Plan

    if isinstance(result, Plan):
        print(result.to_text(), file=run.console.out)
        if result.plan_dir is not None:
            run.say(f"Manifests written to {result.plan_dir}")


def _cmd_create(run: _Run) -> int:
    args = run.args
    _reject_force_cleanup(args)
    from .workflows.preflight import skippable_validations

    args.skip_validations_checked = _check_skip_validations(args.skip_validations,
                                                            skippable_validations(run.plugins, "create"))
    config = _load(run, args.filename, summary="the cluster config file provided is invalid")
    name = config.cluster.name
    kubeconfig = Path(name) / f"{name}-eks-a-cluster.kubeconfig"
    from .workflows import checkpoint_path

    # a resumed run continues one that wrote the kubeconfig already (create_cluster checks the same way)
    resuming = _workflow_kwargs(args)["resume"] and checkpoint_path(Path(name), name).exists()
    if not resuming and kubeconfig.is_file() and kubeconfig.stat().st_size > 0:
        raise CliError(f"old cluster config file exists under {name}, please use a different clusterName to proceed")
    if args.kubeconfig and not Path(args.kubeconfig).is_file():
        raise CliError(f"the management cluster kubeconfig file {args.kubeconfig} does not exist")
    spec = _build_spec(run, config)
    from .workflows import create_cluster

    result = create_cluster(spec, plugins=run.plugins, management_kubeconfig=args.kubeconfig,
                            **_workflow_kwargs(args, run.kube_factory, run.cni_renderer))
    _finish(run, result)
    return 0


def _cmd_upgrade(run: _Run) -> int:
    args = run.args
    _reject_force_cleanup(args)
    from .workflows.preflight import skippable_validations

    args.skip_validations_checked = _check_skip_validations(args.skip_validations,
                                                            skippable_validations(run.plugins, "upgrade"))
    config = _load(run, args.filename, summary="the cluster config file provided is invalid")
    spec = _build_spec(run, config)
    from .workflows import upgrade_cluster

    result = upgrade_cluster(spec, plugins=run.plugins, management_kubeconfig=args.kubeconfig or args.w_config,
                             **_workflow_kwargs(args, run.kube_factory, run.cni_renderer))
    _finish(run, result)
    return 0


def _cmd_delete(run: _Run) -> int:
    from .generate import validate_cluster_name

    args = run.args
    _reject_force_cleanup(args)
    filename = args.filename
    if not filename:
        try:
            name = validate_cluster_name(args.name)
        except SpecError:
            raise UsageError("please provide either a valid <cluster-name> or -f <config-file>") from None
        filename = f"{name}/{name}-eks-a-cluster.yaml"
        if not Path(filename).is_file():
            raise CliError(f"clusterconfig file {filename} for cluster: {name} not found, please provide the "
                           "clusterconfig path manually using -f <config-file>")
    config = _load(run, filename, summary="the cluster config file provided is invalid")
    if args.name and args.filename and config.cluster.name != args.name:
        raise UsageError(f"the cluster name {args.name} does not match the cluster {config.cluster.name} of "
                         f"{args.filename}")
    spec = _build_spec(run, config)
    from .workflows import delete_cluster

    result = delete_cluster(spec, plugins=run.plugins, management_kubeconfig=args.kubeconfig or args.w_config,
                            **_workflow_kwargs(args, run.kube_factory, run.cni_renderer))
    _finish(run, result)
    return 0


# -- main -----------------------------------------------------------------------------------------------------

_LOGGED_COMMANDS = {"validate", "create", "upgrade", "delete"}


def _open_run_log() -> _JsonLogHandler | None:
    stamp = _dt.datetime.now().strftime("%Y-%m-%dT%H_%M_%S")
    path = Path(LOG_DIR) / f"{stamp}.log"
    try:
        return _JsonLogHandler(path)
    except OSError:
        return None  # a read-only working folder must not stop the command


def _close_run_log(handler: _JsonLogHandler, keep: bool) -> Path | None:
    handler.close()
    if keep:
        return handler.path
    try:
        handler.path.unlink()
        handler.path.parent.rmdir()  # only when empty
    except OSError:
        pass
    return None


def _report(error: BaseException, console: _Console, verbosity: int) -> int:
    """Print ``error`` as one clear message; return the exit code."""
    err = console.err
    if isinstance(error, SpecErrors):
        print(f"Error: {error.summary}:", file=err)
        for e in error:
            print(f"  {format_spec_error(e)}", file=err)
        code = 1
    elif isinstance(error, SpecError):
        print(f"Error: {format_spec_error(error)}", file=err)
        code = 1
    elif isinstance(error, EksaError) and isinstance(getattr(error, "cause", None), SpecErrors):
        # a workflow stopped by validations: one line, then where each problem is (the progress showed them)
        print(f"Error: {error}", file=err)
        problems = list(error.cause)  # type: ignore[attr-defined]
        if len(problems) > 1 or any(e.kind or e.field or e.line for e in problems):
            for e in problems:
                print(f"  {format_spec_error(e)}", file=err)
        code = 1
    elif isinstance(error, CliError):
        print(f"Error: {error}", file=err)
        code = error.code
    elif isinstance(error, EksaError):
        print(f"Error: {error}", file=err)
        code = 1
    elif isinstance(error, KeyboardInterrupt):
        print("Error: interrupted", file=err)
        code = 130
    elif isinstance(error, OSError):
        print(f"Error: {error.strerror or error}{f': {error.filename}' if error.filename else ''}", file=err)
        code = 1
    else:
        print(f"Error: unexpected {type(error).__name__}: {error}", file=err)
        if verbosity < TRACEBACK_VERBOSITY:
            print(f"(run with -v {TRACEBACK_VERBOSITY} to see the traceback)", file=err)
        code = 1
    if verbosity >= TRACEBACK_VERBOSITY:
        traceback.print_exception(error, file=err)
    return code


_PLUGIN_OPTION_COMMANDS = {"create", "upgrade", "delete", "generate"}
"""Commands whose parser needs the plugins (the options and ``generate`` commands they contribute); the others
(``--help``, ``version``, ``validate``, ``providers``) parse without loading them."""


def _command_of(argv: Sequence[str]) -> str | None:
    """The command word of ``argv`` (its first argument that is not an option or an option's value)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("-v", "--verbosity"):
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def main(
    argv: Sequence[str] | None = None,
    *,
    plugins: Plugins | None = None,
    stdout: IO[str] | None = None,
    stderr: IO[str] | None = None,
    kube_factory: Callable[[Path], KubeClient] | None = None,
    cni_renderer: CNIRenderer | None = None,
) -> int:
    """Run ``eksa`` with ``argv`` (default ``sys.argv[1:]``); return the exit code.

    :param plugins: providers to use (default: the installed ones); tests pass their own.
    :param kube_factory: builds the Kubernetes client of each cluster the create, upgrade and delete workflows
        talk to, from its kubeconfig path (default: ``KubeClient(path)``; see
        :attr:`eksa_core.workflows.WorkflowOptions.kube_factory`). For programs embedding the CLI that need their
        own clients (instrumented, proxied, with other retry or clock settings); the end-to-end tests use it to
        let simulated Cluster API controllers act on what the workflows read.
    :param cni_renderer: renders the cluster's CNI for create and upgrade (default: the bundle's, Cilium's chart
        with the ``helm`` CLI; see :attr:`eksa_core.workflows.WorkflowOptions.cni_renderer`).
    """
    gc_threshold = gc.get_threshold()
    # A command builds many long-lived objects (models, plugins, release data) and then many short-lived ones:
    # fewer young-generation collections spare it repeated full passes over the long-lived ones.
    gc.set_threshold(max(gc_threshold[0], GC_THRESHOLD), *gc_threshold[1:])
    try:
        return _main(argv, plugins=plugins, stdout=stdout, stderr=stderr, kube_factory=kube_factory,
                     cni_renderer=cni_renderer)
    finally:
        gc.set_threshold(*gc_threshold)


GC_THRESHOLD = 50_000
"""Allocations between young-generation garbage collections while a command runs (Python's default is 700)."""


def _main(argv: Sequence[str] | None, *, plugins: Plugins | None, stdout: IO[str] | None,
          stderr: IO[str] | None, kube_factory: Callable[[Path], KubeClient] | None,
          cni_renderer: CNIRenderer | None = None) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    console = _Console(0, out, err)
    argv = list(sys.argv[1:] if argv is None else argv)
    loaded = plugins
    if loaded is None and _command_of(argv) in _PLUGIN_OPTION_COMMANDS:
        from .plugins import default_plugins

        loaded = default_plugins()  # these commands take options and subcommands that plugins contribute
    parser = build_parser(loaded)
    try:
        with contextlib.redirect_stdout(out):  # --help goes where the caller wants output
            args = parser.parse_args(argv)
    except UsageError as exc:
        print(f"Error: {exc}", file=err)
        return 2
    except SystemExit as exc:  # --help / --version printed by argparse
        return int(exc.code or 0)
    verbosity = int(getattr(args, "verbosity", 0) or 0)
    console.verbosity = verbosity
    func = getattr(args, "func", None)
    if func is None:
        target = getattr(args, "help_parser", None) or parser
        target.print_help(file=out)
        return 2

    eksa_log = logging.getLogger("eksa")
    saved_level, saved_propagate = eksa_log.level, eksa_log.propagate
    eksa_log.setLevel(1)
    eksa_log.propagate = False
    console_handler = _ConsoleHandler(console)
    eksa_log.addHandler(console_handler)
    run_log = _open_run_log() if args.command in _LOGGED_COMMANDS else None
    if run_log is not None:
        eksa_log.addHandler(run_log)
        run_log.write({"T": _timestamp(_dt.datetime.now().timestamp()), "V": 0,
                       "M": "eksa " + " ".join(argv)})

    def load_plugins() -> Plugins:
        nonlocal loaded
        if loaded is None:
            from .plugins import default_plugins

            loaded = default_plugins()
        return loaded

    run = _Run(args, console, load_plugins, kube_factory, cni_renderer)
    run.log = run_log
    # a dry run prints its plan (with each task's messages) instead of progress that did not happen
    progress = ConsoleProgress(console, run_log, quiet=bool(getattr(args, "dry_run", False)))
    run.progress = progress
    registered_on: Plugins | None = None
    code = 1
    try:
        if args.command in {"create", "upgrade", "delete"}:
            registered_on = run.plugins
            registered_on.register(progress, name="eksa-cli-progress")
        code = int(func(run))
    except BaseException as exc:
        if isinstance(exc, SystemExit):
            code = int(exc.code or 0)
        else:
            if run_log is not None:
                run_log.write({"T": _timestamp(_dt.datetime.now().timestamp()), "V": 0, "M": "error",
                               "error": str(exc), "traceback": "".join(traceback.format_exception(exc))})
            code = _report(exc, console, verbosity)
    finally:
        if registered_on is not None and registered_on.manager.is_registered(progress):
            registered_on.manager.unregister(progress)
        eksa_log.removeHandler(console_handler)
        eksa_log.setLevel(saved_level)
        eksa_log.propagate = saved_propagate
        if run_log is not None:
            eksa_log.removeHandler(run_log)
            kept = _close_run_log(run_log, keep=code != 0)
            if kept is not None:
                print(f"The run log is in {kept}", file=err)
    return code


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
