"""Many clusters in one process: what GitOps pipelines and fleet tooling script.

:func:`generate_manifests` takes spec files (or folders of them), and for each cluster loads, defaults and
validates its spec, joins it with the release data and plans its creation (control plane, workers, every task
of ``create cluster``, touching nothing), writing one folder per cluster under ``output_dir``::

    <output_dir>/<cluster>/<cluster>-eks-a-cluster.yaml     the spec, defaulted (comments of the file kept)
    <output_dir>/<cluster>/plan.yaml                        the ordered tasks of the create (Plan.to_dict())
    <output_dir>/<cluster>/generated/plan/*.yaml            the Cluster API manifests it would apply
                                                            (Secrets redacted)

A bad file never stops the batch: each file gets a :class:`ManifestsResult` carrying either what was written or
the error (a :class:`~eksa_core.errors.SpecErrors` with every located problem, a
:class:`~eksa_core.errors.ReleaseError`...), and :attr:`BatchResult.failed` lists the files that failed. Release
data is read once for the whole batch (see :mod:`eksa_core.releases.cache`), and plugins are loaded once.

Example::

    from eksa_core.batch import generate_manifests

    result = generate_manifests(["clusters/"], "out", release_manifest="release.yaml")
    for r in result.failed:
        print(r.file, r.error)
    raise SystemExit(0 if result.ok else 1)

``eksa generate manifests -o OUT FILE_OR_FOLDER...`` is the command line form.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from .errors import EksaError

if TYPE_CHECKING:
    from .plugins import Plugins
    from .releases.loading import Fetcher
    from .releases.models import Bundles, Release

__all__ = ["SPEC_SUFFIXES", "BatchResult", "ManifestsResult", "generate_manifests", "spec_files"]

SPEC_SUFFIXES = (".yaml", ".yml")
"""Files of a folder given to :func:`generate_manifests` that are read as specs."""

PathLike = str | os.PathLike[str]


@attrs.frozen
class ManifestsResult:
    """What one spec file gave.

    :ivar file: the spec file. :ivar cluster: its cluster's name (``None`` when the file could not be read).
    :ivar folder: the cluster's output folder. :ivar written: every file written there.
    :ivar error: why the file failed (``None`` when it did not); an :class:`~eksa_core.errors.EksaError` for any
        problem with the input, with the file named.
    """

    file: Path
    cluster: str | None = None
    folder: Path | None = None
    written: tuple[Path, ...] = ()
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@attrs.frozen
class BatchResult:
    """Every file's :class:`ManifestsResult`, in the order the files were given."""

    results: tuple[ManifestsResult, ...]

    @property
    def ok(self) -> bool:
        """True when every file gave its manifests."""
        return all(r.ok for r in self.results)

    @property
    def generated(self) -> tuple[ManifestsResult, ...]:
        return tuple(r for r in self.results if r.ok)

    @property
    def failed(self) -> tuple[ManifestsResult, ...]:
        return tuple(r for r in self.results if not r.ok)


def spec_files(paths: Iterable[PathLike]) -> Iterator[Path]:
    """The spec files of ``paths``: files as given, folders as their ``*.yaml``/``*.yml`` files (sorted, not
    recursive). A path that does not exist is yielded too (its result says so)."""
    for item in paths:
        path = Path(item)
        if path.is_dir():
            yield from sorted(p for p in path.iterdir() if p.suffix in SPEC_SUFFIXES and p.is_file())
        else:
            yield path


def generate_manifests(
    paths: Iterable[PathLike],
    output_dir: PathLike,
    *,
    plugins: Plugins | None = None,
    release_manifest: Release | PathLike | None = None,
    bundles_override: Bundles | PathLike | None = None,
    fetcher: Fetcher | None = None,
    management_kubeconfig: PathLike | None = None,
    env: dict[str, str] | None = None,
    on_result: Callable[[ManifestsResult], None] | None = None,
) -> BatchResult:
    """Plan the creation of every cluster of ``paths`` (spec files or folders of them) into ``output_dir``.

    :param plugins: loaded plugins (default: the installed ones, loaded once).
    :param release_manifest: / :param bundles_override: / :param fetcher: the release data, as
        :func:`eksa_core.releases.build_spec` takes them (default: the bundled release manifest).
    :param management_kubeconfig: kubeconfig of the management cluster of workload clusters; only named in the
        plans, never read (default: ``<management>/<management>-eks-a-cluster.kubeconfig``, where ``eksa create``
        writes it).
    :param env: environment for defaults and validation (default ``os.environ``).
    :param on_result: called with each file's result as soon as it is known (progress output).
    :return: a :class:`BatchResult`; this function raises only for a bad ``output_dir``.
    """
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    if plugins is None:
        from .plugins import default_plugins

        plugins = default_plugins()
    if release_manifest is None and bundles_override is None:
        from .releases.build import BUNDLED_RELEASE_MANIFEST

        release_manifest = BUNDLED_RELEASE_MANIFEST
    seen: dict[str, Path] = {}
    results: list[ManifestsResult] = []
    for file in spec_files(paths):
        result = _one(file, out, seen, plugins=plugins, release_manifest=release_manifest,
                      bundles_override=bundles_override, fetcher=fetcher,
                      management_kubeconfig=management_kubeconfig, env=env)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return BatchResult(tuple(results))


def _one(file: Path, out: Path, seen: dict[str, Path], *, plugins: Plugins, release_manifest: Any,
         bundles_override: Any, fetcher: Fetcher | None, management_kubeconfig: PathLike | None,
         env: dict[str, str] | None) -> ManifestsResult:
    from .loading import load_spec_file
    from .releases.build import build_spec
    from .workflows import plan_create

    cluster: str | None = None
    folder: Path | None = None
    try:
        if not file.is_file():
            raise EksaError(f"the cluster config file {file} does not exist")
        config = load_spec_file(file, plugins=plugins, env=env)
        cluster = config.cluster.name
        if cluster in seen:
            raise EksaError(f"cluster {cluster} is also defined in {seen[cluster]}; cluster names must be unique")
        seen[cluster] = file
        spec = build_spec(config, release_manifest=release_manifest, bundles_override=bundles_override,
                          fetcher=fetcher, plugins=plugins)
        kubeconfig = management_kubeconfig
        if kubeconfig is None and not spec.cluster.is_self_managed():
            management = spec.cluster.management_cluster_name
            kubeconfig = Path(management) / f"{management}-eks-a-cluster.kubeconfig"
        folder = out / cluster
        if folder.exists():
            shutil.rmtree(folder)  # a regenerated cluster gets only what this run writes
        plan = plan_create(spec, plugins=plugins, workdir=out, management_kubeconfig=kubeconfig)
        folder.mkdir(parents=True, exist_ok=True)
        spec_file = folder / f"{cluster}-eks-a-cluster.yaml"
        spec_file.write_text(spec.config.dump(), encoding="utf-8")
        plan_file = folder / "plan.yaml"
        from .yamlio import dump_plain_all

        plan_file.write_text(dump_plain_all([plan.to_dict()]), encoding="utf-8")
        written = (spec_file, plan_file, *plan.manifest_files())
        return ManifestsResult(file, cluster, folder, tuple(dict.fromkeys(written)))
    except (EksaError, OSError) as exc:
        return ManifestsResult(file, cluster, folder, (), exc)
    except Exception as exc:  # a bug must not stop the other clusters; the result says what happened
        return ManifestsResult(file, cluster, folder, (), EksaError(f"unexpected {type(exc).__name__}: {exc}"))
