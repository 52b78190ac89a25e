"""The curated packages commands of ``eksa`` (EKS Anywhere's names, flags and outputs):

``generate packages``, ``install package``, ``install packagecontroller``, ``list packages``, ``get packages``,
``describe packages``, ``apply package``, ``delete package``, ``upgrade packages``. Each talks to the cluster of
``--kubeconfig`` (else ``$KUBECONFIG``, else ``~/.kube/config``, as EKS Anywhere resolves it).
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["add_commands"]


def _kubeconfig(args: argparse.Namespace) -> str:
    from ..cli import CliError

    path = getattr(args, "kubeconfig", None) or os.environ.get("KUBECONFIG") or str(Path.home() / ".kube" / "config")
    if not Path(path).is_file():
        raise CliError(f"kubeconfig file {path!r} not found")
    return path


def _cluster(args: argparse.Namespace) -> str:
    from ..cli import UsageError

    if not args.cluster:
        raise UsageError('required flag(s) "cluster" not set')
    return str(args.cluster)


def _kube(args: argparse.Namespace) -> Any:
    from ..cli import CliError
    from ..kube import KubeClient

    # EKS Anywhere's flags for reading bundles from the packages registry instead of the cluster: not done here,
    # so refused rather than silently ignored
    for flag in ("registry", "kube_version", "bundles_override"):
        if getattr(args, flag, None):
            raise CliError(f"--{flag.replace('_', '-')} is not supported by eksa: package bundles are read from the "
                           "cluster's active PackageBundle (eksa-packages namespace)")
    return KubeClient(_kubeconfig(args))


def _common(parser: argparse.ArgumentParser, *, cluster: bool = True, registry: bool = False) -> None:
    parser.add_argument("--kubeconfig", help="Path to an optional kubeconfig file to use.")
    if cluster:
        parser.add_argument("--cluster", help="Name of the cluster")
    if registry:
        parser.add_argument("--kube-version", help="Kubernetes Version of the cluster to be used. Format "
                                                   "<major>.<minor>")
        parser.add_argument("--registry", help="Used to specify an alternative registry for discovery")
    parser.add_argument("--bundles-override", help="Override default Bundles manifest (not recommended)")


def add_commands(sub: Any, parsers: dict[str, Any], parser_class: type,
                 common: Callable[[argparse.ArgumentParser], None] | None = None) -> None:
    """Add the package commands: ``parsers`` holds the ``generate``, ``upgrade`` and ``delete`` sub-parser groups
    (the ``install``, ``list``, ``get``, ``describe`` and ``apply`` groups are created here)."""
    groups = dict(parsers)
    for verb, help_text in (("install", "install resources (package, packagecontroller)"),
                            ("list", "list resources (packages)"), ("get", "get resources (packages)"),
                            ("describe", "describe resources (packages)"), ("apply", "apply resources (package)")):
        p = sub.add_parser(verb, help=help_text)
        if common is not None:
            common(p)
        p.set_defaults(help_parser=p)
        groups[verb] = p.add_subparsers(dest="what", metavar="WHAT", parser_class=parser_class)

    g = groups["generate"].add_parser("packages", aliases=["package"], help="Generate package(s) configuration")
    g.add_argument("packages", nargs="*", metavar="PACKAGE")
    _common(g, registry=True)
    g.set_defaults(func=_generate)

    i = groups["install"].add_parser("package", help="Install package")
    i.add_argument("package", nargs="?", metavar="PACKAGE")
    i.add_argument("--package-name", "-n", help="Custom name of the curated package to install")
    i.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="Provide custom configurations for curated packages. Format key=value")
    i.add_argument("--package-version", help=argparse.SUPPRESS)
    _common(i, registry=True)
    i.set_defaults(func=_install)

    pc = groups["install"].add_parser("packagecontroller", aliases=["pc"], help="Install packagecontroller on the "
                                                                                 "cluster")
    pc.add_argument("-f", "--filename", help="Filename that contains EKS-A cluster configuration")
    pc.add_argument("--kubeConfig", "--kubeconfig", dest="kubeconfig", help="Management cluster kubeconfig file")
    pc.add_argument("--bundles-override", help="Override default Bundles manifest (not recommended)")
    pc.add_argument("--release-manifest", help=argparse.SUPPRESS)
    pc.set_defaults(func=_install_controller)

    ls = groups["list"].add_parser("packages", help="Lists curated packages available to install")
    _common(ls, registry=True)
    ls.set_defaults(func=_list)

    gt = groups["get"].add_parser("packages", aliases=["package"], help="Get package(s)")
    gt.add_argument("packages", nargs="*", metavar="PACKAGE")
    gt.add_argument("-o", "--output", choices=("yaml", "json"), help="Specifies the output format (valid option: "
                                                                     "json, yaml)")
    _common(gt)
    gt.set_defaults(func=_get)

    d = groups["describe"].add_parser("packages", aliases=["package"], help="Describe curated packages in the "
                                                                            "cluster")
    d.add_argument("packages", nargs="*", metavar="PACKAGE")
    _common(d)
    d.set_defaults(func=_describe)

    a = groups["apply"].add_parser("package", aliases=["packages"], help="Apply curated packages")
    a.add_argument("-f", "--filename", help="Filename that contains curated packages custom resources to apply")
    _common(a, cluster=False)
    a.set_defaults(func=_apply)

    dl = groups["delete"].add_parser("package", aliases=["packages"], help="Delete package(s)")
    dl.add_argument("packages", nargs="+", metavar="PACKAGE")
    _common(dl)
    dl.set_defaults(func=_delete)

    up = groups["upgrade"].add_parser("packages", help="Upgrade all curated packages to the latest version")
    up.add_argument("--bundle-version", help="Bundle version to use")
    _common(up)
    up.set_defaults(func=_upgrade)


def _print(run: Any, text: str) -> None:
    print(text, end="" if text.endswith("\n") else "\n", file=run.console.out)


def _generate(run: Any) -> int:
    from ..cli import UsageError
    from . import manager

    args = run.args
    if not args.packages:
        raise UsageError("The name of the package to install must be specified as an argument")
    cluster = _cluster(args)
    with _kube(args) as kube:
        packages = manager.generate_packages(manager.active_bundle(kube, cluster), args.packages, cluster)
    _print(run, manager.to_yaml(packages))
    return 0


def _install(run: Any) -> int:
    from ..cli import UsageError
    from . import manager

    args = run.args
    if not args.package:
        raise UsageError("The name of the package to install must be specified as an argument")
    cluster = _cluster(args)
    with _kube(args) as kube:
        line = manager.install_package(kube, cluster, args.package, name=args.package_name, settings=args.set,
                                       version=args.package_version)
    _print(run, line)
    return 0


def _install_controller(run: Any) -> int:
    from ..cli import CliError, _build_spec, _load
    from . import manager

    args = run.args
    if not args.filename or not Path(args.filename).is_file():
        raise CliError(f"the cluster config file {args.filename} does not exist")
    config = _load(run, args.filename, summary="the cluster config file provided is invalid")
    spec = _build_spec(run, config)
    cluster = spec.cluster
    packages = cluster.spec.packages
    if packages is not None and packages.disable:
        run.say("  Package controller disabled")
        return 0
    bundle = spec.bundles.default_versions_bundle if spec.bundles is not None else spec.versions_bundle()
    image = bundle.package_controller.package_controller.uri
    if not image:
        raise CliError("the release bundle names no package controller image (packageController.packageController)")
    mirror = cluster.spec.registry_mirror_configuration
    endpoint = f"{mirror.endpoint}:{mirror.port or 443}" if mirror is not None and mirror.endpoint else None
    from ..kube import KubeClient

    # --bundles-override here chooses the release bundle (the controller image), as for create cluster
    with KubeClient(_kubeconfig(args)) as kube:
        manager.install_controller(kube, cluster.name, image, registry_mirror=endpoint,
                                   region=os.environ.get("EKSA_AWS_REGION") or "us-west-2")
    run.say("Installing EKS-A curated packages controller on management cluster")
    return 0


def _list(run: Any) -> int:
    from . import manager

    args = run.args
    cluster = _cluster(args)
    with _kube(args) as kube:
        _print(run, manager.bundle_table(manager.active_bundle(kube, cluster)))
    return 0


def _get(run: Any) -> int:
    from . import manager

    args = run.args
    cluster = _cluster(args)
    with _kube(args) as kube:
        packages = manager.get_packages(kube, cluster, args.packages)
    if args.output == "yaml":
        _print(run, manager.to_yaml(packages))
    elif args.output == "json":
        _print(run, manager.to_json(packages))
    elif not packages:
        _print(run, f"No resources found in {manager.packages_namespace(cluster)} namespace.")
    else:
        _print(run, manager.packages_table(packages))
    return 0


def _describe(run: Any) -> int:
    from . import manager

    args = run.args
    cluster = _cluster(args)
    with _kube(args) as kube:
        _print(run, manager.describe_packages(kube, cluster, args.packages))
    return 0


def _apply(run: Any) -> int:
    import yaml

    from ..cli import CliError, UsageError
    from . import manager

    args = run.args
    if not args.filename:
        raise UsageError('required flag(s) "filename" not set')
    try:
        documents = [d for d in yaml.safe_load_all(Path(args.filename).read_text()) if d]
    except OSError as exc:
        raise CliError(f"reading {args.filename}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise CliError(f"{args.filename} is not valid YAML: {exc}") from None
    with _kube(args) as kube:
        for line in manager.apply_packages(kube, documents):
            _print(run, line)
    return 0


def _delete(run: Any) -> int:
    from . import manager

    args = run.args
    cluster = _cluster(args)
    with _kube(args) as kube:
        for line in manager.delete_packages(kube, cluster, args.packages):
            _print(run, line)
    return 0


def _upgrade(run: Any) -> int:
    from ..cli import UsageError
    from . import manager

    args = run.args
    cluster = _cluster(args)
    if not args.bundle_version:
        raise UsageError('required flag(s) "bundle-version" not set')
    with _kube(args) as kube:
        _print(run, manager.upgrade_bundle(kube, cluster, args.bundle_version))
    return 0
