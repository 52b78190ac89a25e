"""Shared helpers of the core tests (imported explicitly; not a conftest)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from eksa_core.defaults import set_cluster_api_defaults, set_defaults
from eksa_core.errors import SpecError
from eksa_core.models.cluster import Cluster
from eksa_core.plugins import Plugins
from eksa_core.spec import ClusterConfig, parse_cluster_config
from eksa_core.validation import validate, validate_cluster

from .fakelab import make_plugins
from .specs import cluster_doc, fakelab_docs, to_yaml

Mutator = Callable[[dict[str, Any]], None]


def parse(docs: list[dict[str, Any]], plugins: Plugins | None = None, file: str = "spec.yaml") -> ClusterConfig:
    plugins = plugins or make_plugins()[0]
    return parse_cluster_config(to_yaml(docs), file=file, registry=plugins.registry)


def full_problems(docs: list[dict[str, Any]], *, env: Mapping[str, str] | None = None,
                  plugins: Plugins | None = None) -> list[SpecError]:
    """Parse, CLI defaults, validate (FakeLab provider)."""
    plugins = plugins or make_plugins()[0]
    config = parse(docs, plugins)
    set_defaults(config, plugins=plugins, env=env or {})
    return validate(config, plugins=plugins, env=env or {})


def cluster_problems(mutate: Mutator | None = None, *, dc_kind: str = "FakeLabDatacenterConfig",
                     env: Mapping[str, str] | None = None) -> list[SpecError]:
    """Cluster rules only, on a Cluster with API defaults, for any datacenter kind."""
    doc = cluster_doc(dc_kind=dc_kind)
    if mutate is not None:
        mutate(doc["spec"])
    config = parse_cluster_config(to_yaml([doc]), file="c.yaml", registry=make_plugins()[0].registry)
    cluster = config.cluster
    assert isinstance(cluster, Cluster)
    set_cluster_api_defaults(cluster, env=env or {})
    return [config.locate(e, cluster) for e in validate_cluster(cluster, env=env or {})]


def errors_of(found: list[SpecError]) -> list[str]:
    return [e.message for e in found if not e.warning]


def warnings_of(found: list[SpecError]) -> list[str]:
    return [e.message for e in found if e.warning]


__all__ = ["cluster_doc", "cluster_problems", "errors_of", "fakelab_docs", "full_problems", "parse", "to_yaml",
           "warnings_of"]
