"""Property tests: generated valid specs survive a dump/parse round trip and load cleanly; random mutations of
valid specs only ever raise SpecErrors (never another exception)."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eksa_core.convert import unstructure
from eksa_core.errors import SpecErrors
from eksa_core.loading import load_spec_text
from eksa_core.spec import parse_cluster_config

from .fakelab import make_plugins
from .specs import fakelab_docs, spec, to_yaml

PLUGINS, _ = make_plugins()

names = st.from_regex(r"[a-z][a-z0-9-]{1,20}[a-z0-9]", fullmatch=True)
label_values = st.from_regex(r"([a-z0-9]([a-z0-9._-]{0,10}[a-z0-9])?)?", fullmatch=True)


@st.composite
def valid_docs(draw: st.DrawFn) -> list[dict[str, Any]]:
    name = draw(names)
    docs = fakelab_docs(name)
    s = spec(docs)
    s["kubernetesVersion"] = draw(st.sampled_from(["1.28", "1.29", "1.30", "1.31"]))
    s["controlPlaneConfiguration"]["count"] = draw(st.sampled_from([1, 3, 5]))
    groups = []
    for i in range(draw(st.integers(1, 3))):
        group: dict[str, Any] = {"name": f"md-{i}", "count": draw(st.integers(0, 10)),
                                 "machineGroupRef": {"kind": "FakeLabMachineConfig", "name": name}}
        if draw(st.booleans()):
            group["labels"] = draw(st.dictionaries(st.from_regex(r"[a-z]{1,8}", fullmatch=True), label_values,
                                                   max_size=3))
        groups.append(group)
    s["workerNodeGroupConfigurations"] = groups
    pod_prefix = draw(st.integers(8, 22))
    s["clusterNetwork"]["pods"]["cidrBlocks"] = [f"10.{draw(st.integers(0, 255))}.0.0/{pod_prefix}"
                                                 if pod_prefix >= 16 else f"10.0.0.0/{pod_prefix}"]
    if draw(st.booleans()):
        s["proxyConfiguration"] = {"httpProxy": f"http://{draw(names)}.example:3128",
                                   "httpsProxy": f"{draw(st.integers(1, 254))}.0.0.1:3128",
                                   "noProxy": ["localhost"]}
    if draw(st.booleans()):
        s["registryMirrorConfiguration"] = {"endpoint": f"{draw(names)}.local"}
    if draw(st.booleans()):
        s["eksaVersion"] = f"v0.{draw(st.integers(18, 22))}.{draw(st.integers(0, 9))}"
    return docs


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_docs())
def test_generated_valid_specs_round_trip_and_load(docs: list[dict[str, Any]]) -> None:
    text = to_yaml(docs)
    config = parse_cluster_config(text, registry=PLUGINS.registry)
    again = parse_cluster_config(config.dump(), registry=PLUGINS.registry)
    assert [unstructure(o) for o in again.objects] == [unstructure(o) for o in config.objects]
    loaded = load_spec_text(text, plugins=PLUGINS, env={})
    reloaded = parse_cluster_config(loaded.dump(), registry=PLUGINS.registry)
    assert [unstructure(o) for o in reloaded.objects] == [unstructure(o) for o in loaded.objects]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _paths(value, (*prefix, i))
    return out


junk = st.one_of(st.none(), st.booleans(), st.integers(-5, 70000), st.text(max_size=12), st.just(""),
                 st.lists(st.one_of(st.none(), st.text(max_size=5), st.integers()), max_size=3),
                 st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.text(max_size=5)), max_size=2),
                 st.sampled_from(["0.0.0.1234:1", "http://", "1.2.3.4/99", "-1", "100%", "10m", "InPlace",
                                  "kindnetd", "OIDCConfig", "1.21", "::", "[", "unix://"]))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_docs(), st.data())
def test_mutations_only_raise_spec_errors(docs: list[dict[str, Any]], data: st.DataObject) -> None:
    docs = copy.deepcopy(docs)
    for _ in range(data.draw(st.integers(1, 4))):
        index = data.draw(st.integers(0, len(docs) - 1))
        paths = [p for p in _paths(docs[index]) if p]
        path = data.draw(st.sampled_from(paths))
        parent: Any = docs[index]
        for part in path[:-1]:
            parent = parent[part]
        action = data.draw(st.sampled_from(["set", "delete"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = data.draw(junk)
    try:
        config = load_spec_text(to_yaml(docs), plugins=PLUGINS, env={})
    except SpecErrors as errors:
        assert all(e.message for e in errors)
    else:
        assert config.has_cluster()
