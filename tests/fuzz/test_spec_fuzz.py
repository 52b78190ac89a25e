"""Fuzzing the spec loader: any byte string given as a spec gives a spec or ``SpecErrors`` (each error located in
the file), never another exception.

Four families, 10,000 examples in all, derandomized (the same examples on every run, no example database) and
without per-example deadlines: random bytes, random YAML (tags, anchors, complex keys, directives, flow and block
styles), EKS Anywhere-shaped documents made by mutating the parsed conformance specs (values swapped for hostile
ones, keys dropped or added, documents duplicated or re-kinded), and textual mutations of the conformance spec
files. Every reproducer found lives in ``corpus/`` (see ``test_corpus.py``).

Cost, measured on the 2-core development machine: 46 s of user CPU and 4.5 s of system CPU for the 10,000
examples (one core; wall time grows with the machine's load).
"""

from __future__ import annotations

import copy
import functools
import random
from collections.abc import Callable
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .harness import check, conformance_specs

COMMON = {"derandomize": True, "deadline": None, "database": None,
          "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]}

def run(strategy: st.SearchStrategy[Any], case: Callable[[Any], None], examples: int) -> None:
    """Run ``case`` on ``examples`` derandomized examples of ``strategy`` and check that many really ran."""
    calls = 0

    @settings(max_examples=examples, **COMMON)  # type: ignore[arg-type]
    @given(strategy)
    def body(value: Any) -> None:
        nonlocal calls
        calls += 1
        case(value)

    body()
    assert calls >= examples, f"only {calls} of {examples} examples ran"


# -- 1. random bytes -----------------------------------------------------------------------------------------


def test_random_bytes() -> None:
    def case(data: bytes) -> None:
        check(data)

    run(st.binary(max_size=400), case, 3500)


# -- 2. random YAML ------------------------------------------------------------------------------------------

TAGS = ["", "", "", "!!str ", "!!int ", "!!float ", "!!bool ", "!!null ", "!!set ", "!!omap ", "!!pairs ",
        "!!binary ", "!!timestamp ", "!!map ", "!!seq ", "!!merge ", "!custom ", "!!python/name:os.system ",
        "!<tag:yaml.org,2002:int> "]
SCALARS = ["", "x", "1", "-1", "0", "1.30", "1.3", "0x1F", "0o17", "1e309", ".nan", "-.inf", "~", "null", "yes",
           "no", "on", "maybe", "true", "2001-12-14", "2001-12-14t21:59:43.10-05:00", "'quoted'", '"dq\\x41"',
           "@", "`", "|", ">", "*", "&", "!", "%", "{", "}", "[", "]", ",", "?", "- x", ": y", "'", '"',
           "1" * 4400, "a" * 300, "é✓\u2028", "<<", "=", "\t", "# c", "anywhere.eks.amazonaws.com/v1alpha1",
           "Cluster", "VSphereDatacenterConfig", "metadata", "spec", "name", "count", "kubernetesVersion"]
KEYS = ["apiVersion", "kind", "metadata", "name", "namespace", "spec", "count", "1", "true", "null", "~", "? [1]",
        "<<", "? {a: 1}", "'k'", "x" * 50, "clusterNetwork", "controlPlaneConfiguration", "datacenterRef",
        "workerNodeGroupConfigurations", "machineGroupRef", "endpoint", "host", "labels", "taints"]


def _scalar(rnd: random.Random) -> str:
    return rnd.choice(TAGS) + rnd.choice(SCALARS)


def _anchor(rnd: random.Random) -> str:
    return rnd.choice(["", "", "", "&a ", "&b ", "*a", "*b"])


def _flow(rnd: random.Random, depth: int = 0) -> str:
    if depth > 3 or rnd.random() < 0.4:
        return _scalar(rnd)
    items = [_flow(rnd, depth + 1) for _ in range(rnd.randint(0, 4))]
    if rnd.random() < 0.5:
        body = "[" + ", ".join(items) + "]"
    else:
        body = "{" + ", ".join(f"{rnd.choice(KEYS)}: {v}" for v in items) + "}"
    return rnd.choice(TAGS) + _anchor(rnd) + body


def _block(rnd: random.Random, depth: int = 0) -> str:
    """A block-style map or list, its lines indented by ``depth`` levels (indentation sometimes off by one)."""
    pad = "  " * depth + rnd.choice(["", "", "", "", " ", "\t"])
    lines: list[str] = []
    for _ in range(rnd.randint(1, 4)):
        style = rnd.randint(0, 5)
        prefix = f"{pad}- " if style == 0 else f"{pad}{rnd.choice(KEYS)}: "
        if style in (1, 2) and depth < 4:
            lines.append(prefix.rstrip() + " " + _anchor(rnd) + rnd.choice(TAGS))
            lines.append(_block(rnd, depth + 1))
        elif style == 3:
            lines.append(f"{pad}? {_flow(rnd)}\n{pad}: {_flow(rnd)}")
        elif style == 4:
            lines.append(prefix + rnd.choice(["|", ">-", "|+"]) + "\n" + pad + "  " + rnd.choice(SCALARS))
        else:
            lines.append(prefix + _anchor(rnd) + _flow(rnd))
    return "\n".join(lines)


HEADS = ["", "", "apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: Cluster\n",
         "apiVersion: anywhere.eks.amazonaws.com/v1alpha1\nkind: VSphereDatacenterConfig\n", "kind: Cluster\n",
         "%YAML 1.1\n", "%TAG ! x:\n"]


def random_yaml(rnd: random.Random) -> str:
    """A random YAML text of one to three documents, block and flow styles mixed."""
    docs = [rnd.choice(HEADS) + (_block(rnd) if rnd.random() < 0.6 else _flow(rnd))
            for _ in range(rnd.randint(1, 3))]
    separator = rnd.choice(["\n---\n", "\n--- # c\n", "\n...\n---\n", "\n---x\n"])
    return separator.join(docs) + rnd.choice(["", "\n", "\n...\n", "\n---\n"])


# Hypothesis draws a seed; the text is made from it with plain ``random`` (drawing every choice through
# Hypothesis costs several times more than loading the spec).
SEEDS = st.integers(0, 2**64 - 1)


def test_random_yaml() -> None:
    def case(seed: int) -> None:
        check(random_yaml(random.Random(seed)).encode())

    run(SEEDS, case, 3500)


# -- 3. EKS Anywhere-shaped documents: mutations of the parsed conformance specs -----------------------------

HOSTILE: list[Any] = [None, True, False, 0, -1, 2**63, -(2**63) - 1, 10**30, 1.5, float("inf"), float("nan"), "",
                      " ", "x", "1.30", "1.3", "-1", "0", "abc/def", "UPPER", "a" * 300, "${HOME}", "\u2028", "\x00",
                      "é✓", "1.2.3.4", "::1", "http://[::1", "10.0.0.0/33", "-", "default", "kube-system", [], [None],
                      [1, "x"], {}, {"a": 1}, {1: "x"}, {True: "x"}, {None: "x"}, {"": ""}, [[[[]]]],
                      {"kind": "Secret", "name": "x"}, {"name": ""}, "Cluster", "VSphereMachineConfig"]
FIELDS = ["apiVersion", "kind", "metadata", "name", "namespace", "spec", "count", "endpoint", "host", "labels",
          "taints", "kubernetesVersion", "machineGroupRef", "datacenterRef", "unknownField", "status", "cidrBlocks",
          "workerNodeGroupConfigurations", "autoscalingConfiguration", "minCount", "maxCount", "upgradeRolloutStrategy",
          "proxyConfiguration", "registryMirrorConfiguration", "identityProviderRefs", "gitOpsRef", "clusterNetwork",
          "cniConfig", "cilium", "users", "sshAuthorizedKeys", "osFamily", "template", "credentialRef", "port",
          "failureDomains", "ipPoolRef", "pools", "devices", "hardwareSelector", "eksaVersion", "bundlesRef"]


def _slots(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) pair of ``node``."""
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((node, key))
            _slots(value, out)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append((node, i))
            _slots(value, out)
    return out


def _hostile(rnd: random.Random) -> Any:
    pick = rnd.random()
    if pick < 0.6:
        return copy.deepcopy(rnd.choice(HOSTILE))
    if pick < 0.75:
        return rnd.randint(-(2**70), 2**70)
    if pick < 0.9:
        return "".join(chr(rnd.choice([rnd.randint(32, 126), rnd.randint(0, 0x2FFF)]))
                       for _ in range(rnd.randint(0, 20)))
    return [copy.deepcopy(rnd.choice(HOSTILE[:20])) for _ in range(rnd.randint(0, 3))]


@functools.cache
def parsed_specs() -> tuple[list[Any], ...]:
    """The conformance specs as plain documents (those PyYAML can read)."""
    out: list[list[Any]] = []
    for raw in conformance_specs():
        try:
            out.append([d for d in yaml.safe_load_all(raw.decode()) if d is not None])
        except yaml.YAMLError:
            continue
    return tuple(out)


def mutated_docs(rnd: random.Random) -> list[Any]:
    """A conformance spec's documents with one to four mutations."""
    docs = copy.deepcopy(rnd.choice(parsed_specs()))
    for _ in range(rnd.randint(1, 4)):
        op = rnd.randint(0, 6)
        slots = [s for d in docs for s in _slots(d, [])]
        if op <= 2 and slots:  # replace a value
            container, key = rnd.choice(slots)
            container[key] = _hostile(rnd)
        elif op == 3 and slots:  # drop a key / item
            container, key = rnd.choice(slots)
            del container[key]
        elif op == 4:  # add a field somewhere
            maps = [c for c, _k in slots if isinstance(c, dict)] or [d for d in docs if isinstance(d, dict)]
            if maps:
                rnd.choice(maps)[rnd.choice(FIELDS)] = _hostile(rnd)
        elif op == 5 and docs:  # duplicate a document (two Clusters, objects defined twice)
            docs.append(copy.deepcopy(rnd.choice(docs)))
        elif docs:  # re-kind a document or drop its apiVersion
            doc = rnd.choice(docs)
            if isinstance(doc, dict):
                choice = rnd.randint(0, 2)
                if choice == 0:
                    doc["kind"] = rnd.choice(["Cluster", "Unknown", "Secret", "VSphereMachineConfig",
                                              "TinkerbellDatacenterConfig", "FluxConfig", "OIDCConfig"])
                elif choice == 1:
                    doc.pop("apiVersion", None)
                else:
                    doc["apiVersion"] = rnd.choice(["v1", "anywhere.eks.amazonaws.com/v9", "cluster.x-k8s.io/v1beta1",
                                                    ""])
    return docs


def test_mutated_conformance_documents() -> None:
    def case(seed: int) -> None:
        docs = mutated_docs(random.Random(seed))
        text = yaml.safe_dump_all(docs, sort_keys=False, allow_unicode=True)
        check(text.encode())

    run(SEEDS, case, 1800)


# -- 4. textual mutations of the conformance spec files ------------------------------------------------------

SNIPPETS = [b"!!set ", b"!!int ", b"!!bool ", b"&x ", b"*x", b"*undefined", b"? [[1]]\n: x\n", b"<<: *x\n",
            b"\n---\n", b"\n---x\n", b"\t", b"  ", b"- ", b": ", b"{", b"[", b"]", b"}", b"'", b'"', b"#",
            b"%YAML 1.2\n",
            b"\x00", b"\xff", b"\xef\xbb\xbf", b"\r", b"\r\n", b"1" * 4400, b"kind: Cluster\n", b"apiVersion: v1\n",
            b"  name: 1\n", b"  1: x\n", b"count: -5\n", b"metadata: {name: a, 1: x, b: y}\n"]


def mutated_text(rnd: random.Random) -> bytes:
    """A conformance spec file with one to five byte-level edits."""
    data = bytearray(rnd.choice(conformance_specs()))
    for _ in range(rnd.randint(1, 5)):
        if not data:
            break
        at = rnd.randint(0, len(data))
        op = rnd.randint(0, 3)
        if op == 0:
            data[at:at] = rnd.choice(SNIPPETS)
        elif op == 1:
            data[at:at + rnd.randint(1, 40)] = b""
        elif op == 2 and at < len(data):
            data[at] = rnd.randint(0, 255)
        else:  # repeat a line
            start = data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", at)
            line = bytes(data[start:end if end >= 0 else len(data)])
            data[start:start] = line + b"\n"
    return bytes(data)


def test_mutated_conformance_text() -> None:
    def case(seed: int) -> None:
        check(mutated_text(random.Random(seed)))

    run(SEEDS, case, 1200)
