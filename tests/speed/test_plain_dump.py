"""dump_plain_all writes what PyYAML's safe dumper writes for the same data, byte for byte: its faster
representer and remembered tag resolution change the cost, never the text."""

from __future__ import annotations

import datetime
from typing import Any

import yaml

from eksa_core.yamlio import dump_plain_all


def reference(documents: list[Any]) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump_all(documents, Dumper=dumper, sort_keys=False)


def test_scalars_that_need_quoting_or_tags_are_written_as_pyyaml_writes_them() -> None:
    doc = {
        "strings": ["1.33", "true", "no", "null", "~", "", " x", "a: b", "#c", "0o17", "0x1F", "1e3", "- a",
                    "multi\nline", "tab\there", "ünïcödé", "*star", "&amp", "!bang", "@at", "`tick`", "'q'", '"dq"'],
        "ints": [0, -1, 2**70], "bools": [True, False], "none": None,
        "floats": [1.5, 1e20, float("inf"), float("-inf"), float("nan"), 0.0],
        "dates": [datetime.date(2026, 1, 2)], "tuple": (1, "a"), "bytes": b"\x00\x01",
        "empty": {"map": {}, "list": [], "str": ""}, 3: "int key", None: "null key", True: "bool key",
    }
    assert dump_plain_all([doc]) == reference([doc])


def test_shared_containers_become_the_same_aliases() -> None:
    shared = {"name": "x", "labels": ["a", "b"]}
    items = [1, 2]
    docs = [{"a": shared, "b": shared, "c": [items, items]}, {"again": shared}]
    assert dump_plain_all(docs) == reference(docs)
    assert "&id001" in dump_plain_all(docs)


def test_manifest_shaped_documents_and_many_documents() -> None:
    docs = [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}", "labels": {"i": str(i)}},
             "data": {"key": "value " * i, "number": i, "flag": i % 2 == 0}} for i in range(30)]
    assert dump_plain_all(docs) == reference(docs)
    assert dump_plain_all([]) == reference([])
