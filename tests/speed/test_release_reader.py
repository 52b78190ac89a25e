"""structure_lenient reads release models without cattrs' generated code: the same objects, zero values and
errors (messages and wire paths) as the lenient cattrs converter, on the bundled release data and on bad input."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from eksa_core.errors import SpecErrors
from eksa_core.releases import eksd, models
from eksa_core.releases._convert import structure_lenient, structure_with_converter
from eksa_core.releases.build import BUNDLED_RELEASE_MANIFEST
from eksa_core.releases.loading import _parse

FOLDER = Path(BUNDLED_RELEASE_MANIFEST).parent
FILES = [("bundles.yaml", models.Bundles), ("releases.yaml", models.Release),
         *((p.name, eksd.EksdRelease) for p in sorted(FOLDER.glob("kubernetes-*.yaml")))]


def _data(name: str) -> Any:
    return _parse((FOLDER / name).read_text(), name)


def _outcome(data: Any, cls: Any, read: Any) -> Any:
    try:
        return "ok", read(data, cls, path="")
    except SpecErrors as exc:
        return "errors", [(e.message, e.field, e.code) for e in exc]


@pytest.mark.parametrize(("name", "cls"), FILES, ids=[f for f, _ in FILES])
def test_the_bundled_release_data_reads_as_with_the_converter(name: str, cls: Any) -> None:
    data = _data(name)
    ours = structure_lenient(data, cls)
    assert ours == structure_with_converter(data, cls)
    assert ours != cls()  # something was read


def _edit(data: Any, path: list[Any], value: Any) -> Any:
    data = copy.deepcopy(data)
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


BUNDLES_EDITS = [
    (["spec", "number"], "seven"),                                        # int field given a string
    (["spec", "number"], True),                                           # a bool is not an int
    (["spec", "number"], None),                                           # null reads as 0
    (["spec", "versionsBundles"], {"a": 1}),                              # list field given a map
    (["spec", "versionsBundles"], None),                                  # null reads as []
    (["spec", "versionsBundles", 0], None),                               # null element reads as the zero bundle
    (["spec", "versionsBundles", 0, "kubeVersion"], 1.5),                 # string field given a number
    (["spec", "versionsBundles", 1, "kubeVersion"], ["x"]),
    (["spec", "versionsBundles", 0, "eksD"], "not a map"),                # nested class given a string
    (["spec", "versionsBundles", 0, "unknownField"], {"kept": "ignored"}),  # unknown fields are ignored
    (["metadata"], 3),
]


@pytest.mark.parametrize(("path", "value"), BUNDLES_EDITS, ids=[".".join(map(str, p)) + f"={v!r}"
                                                                 for p, v in BUNDLES_EDITS])
def test_bad_bundles_give_the_converters_errors(path: list[Any], value: Any) -> None:
    data = _edit(_data("bundles.yaml"), path, value)
    ours = _outcome(data, models.Bundles, structure_lenient)
    assert ours == _outcome(data, models.Bundles, structure_with_converter)


def test_several_problems_are_all_reported_in_order() -> None:
    data = _edit(_data("bundles.yaml"), ["spec", "number"], "x")
    data = _edit(data, ["spec", "versionsBundles", 2, "kubeVersion"], 7)
    data = _edit(data, ["spec", "versionsBundles", 0, "eksD", "name"], [1])
    kind, errors = _outcome(data, models.Bundles, structure_lenient)
    assert kind == "errors" and len(errors) == 3
    assert errors == _outcome(data, models.Bundles, structure_with_converter)[1]


@pytest.mark.parametrize("document", [None, [], "text", 5])
def test_a_document_that_is_not_a_mapping(document: Any) -> None:
    assert _outcome(document, eksd.EksdRelease, structure_lenient) == _outcome(document, eksd.EksdRelease,
                                                                               structure_with_converter)
