"""Limits on bytes, documents, nodes and depth: checked while parsing, before ruamel builds any data, each refused
with a message that says what was exceeded, names the limit and how to raise it."""

from __future__ import annotations

from typing import Any

import pytest

from eksa_core import yamlio
from eksa_core.errors import ErrorCode, SpecError, SpecErrors
from eksa_core.loading import load_spec_bytes
from eksa_core.yamlio import YamlLimits, load_documents, read_documents


@pytest.fixture
def no_ruamel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if ruamel is asked to build anything."""

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("ruamel was asked to load an input the limits should have refused")

    monkeypatch.setattr(yamlio, "_yaml", refuse)


_REAL_EVENT_LOADER = yamlio._EVENT_LOADER


class _CountingLoader:
    """The event loader of the scan, counting the events it hands out."""

    pulled = 0

    def __init__(self, text: str) -> None:
        self._inner = _REAL_EVENT_LOADER(text)

    def check_event(self, *kinds: Any) -> Any:
        return self._inner.check_event(*kinds)

    def get_event(self) -> Any:
        _CountingLoader.pulled += 1
        return self._inner.get_event()

    def dispose(self) -> None:
        self._inner.dispose()


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> type[_CountingLoader]:
    _CountingLoader.pulled = 0
    monkeypatch.setattr(yamlio, "_EVENT_LOADER", _CountingLoader)
    return _CountingLoader


def _refusal(text: str, **kw: Any) -> SpecError:
    with pytest.raises(SpecError) as info:
        load_documents(text, file="big.yaml", **kw)
    return info.value


def test_big_plain_file_is_refused_for_its_nodes_not_called_an_alias_bomb(
        no_ruamel: None, counting: type[_CountingLoader]) -> None:
    text = "".join(f"key{i}: v\n" for i in range(700_000))  # ~9 MB of plain keys, no alias at all
    assert len(text) < yamlio.MAX_FILE_BYTES
    err = _refusal(text)
    assert err.code == ErrorCode.LIMIT
    assert "big.yaml has more than 100000 YAML nodes" in err.message
    assert "alias" not in err.message
    assert "max_nodes limit is 100000" in err.message and "EKSA_YAML_MAX_NODES" in err.message
    assert (err.file, err.document, err.line) == ("big.yaml", 0, 50_000)
    # the scan stopped at the limit: it read about 100,000 of the file's 1,400,000 nodes
    assert 100_000 < counting.pulled < 100_010


def test_deep_nesting_is_refused_before_anything_is_built(no_ruamel: None, counting: type[_CountingLoader]) -> None:
    err = _refusal("a: " + "[" * 10_000 + "]" * 10_000 + "\n")
    assert err.code == ErrorCode.LIMIT
    assert "nests maps and lists more than 100 levels deep" in err.message
    assert "EKSA_YAML_MAX_DEPTH" in err.message
    block = "".join("  " * i + "-\n" for i in range(1_500))
    counting.pulled = 0
    err = _refusal(block)
    assert "more than 100 levels deep" in err.message and err.line == 101
    assert counting.pulled < 110  # stopped at the 101st level, not at the 1,500th


def test_many_documents_are_refused_before_any_is_parsed(monkeypatch: pytest.MonkeyPatch, no_ruamel: None) -> None:
    def no_scan(*args: Any, **kwargs: Any) -> int:
        raise AssertionError("a document was scanned")

    monkeypatch.setattr(yamlio, "_scan", no_scan)
    err = _refusal("a: 1\n---\n" * 100_000)
    assert err.code == ErrorCode.LIMIT
    assert "big.yaml has more than 1000 documents" in err.message and "EKSA_YAML_MAX_DOCUMENTS" in err.message


def test_too_many_bytes(tmp_path: Any, no_ruamel: None, monkeypatch: pytest.MonkeyPatch) -> None:
    err = _refusal("a: 1\n" * 100, limits=YamlLimits(max_bytes=100))
    assert err.code == ErrorCode.TOO_LARGE
    assert "larger than 100 bytes" in err.message and "EKSA_YAML_MAX_BYTES" in err.message
    path = tmp_path / "big.yaml"
    path.write_text("a: 1\n" * 100)
    with pytest.raises(SpecError, match="EKSA_YAML_MAX_BYTES"):
        read_documents(path, limits=YamlLimits(max_bytes=100))
    monkeypatch.setenv("EKSA_YAML_MAX_BYTES", "100")
    with pytest.raises(SpecErrors) as info:
        load_spec_bytes(b"a: 1\n" * 100, file="big.yaml", env={})
    assert [e.code for e in info.value] == [ErrorCode.TOO_LARGE]
    assert "is 500 bytes, more than the 100 bytes eksa accepts" in info.value.errors[0].message


def test_alias_bomb_is_still_called_one(no_ruamel: None) -> None:
    text = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [{', '.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefg", "bcdefgh", strict=True))
    err = _refusal(text)
    assert err.code == ErrorCode.ALIAS_LIMIT
    assert "once its aliases are expanded (possible alias bomb)" in err.message and "EKSA_YAML_MAX_NODES" in err.message


def test_the_environment_raises_and_lowers_the_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "".join(f"k{i}: v\n" for i in range(600))  # 1,201 nodes
    assert len(load_documents(text)) == 1
    monkeypatch.setenv("EKSA_YAML_MAX_NODES", "1000")
    assert "max_nodes limit is 1000" in _refusal(text).message
    monkeypatch.setenv("EKSA_YAML_MAX_NODES", "2000")
    assert len(load_documents(text)) == 1
    monkeypatch.setenv("EKSA_YAML_MAX_DEPTH", "2")
    assert "more than 2 levels deep" in _refusal("a: [[[1]]]\n").message
    monkeypatch.setenv("EKSA_YAML_MAX_DOCUMENTS", "2")
    assert "more than 2 documents" in _refusal("a: 1\n---\nb: 1\n---\nc: 1\n").message
    monkeypatch.setenv("EKSA_YAML_MAX_DOCUMENTS", "many")
    assert "EKSA_YAML_MAX_DOCUMENTS='many' is not a positive whole number" in _refusal("a: 1\n").message


def test_the_composer_enforces_the_same_limits_where_the_scan_cannot_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(yamlio, "_scan", lambda *args, **kwargs: 0)  # as if the event parser gave up at once
    text = "".join(f"k{i}: v\n" for i in range(600))
    err = _refusal(text, limits=YamlLimits(max_nodes=1000))
    assert err.code == ErrorCode.LIMIT and "more than 1000 YAML nodes" in err.message and err.line == 500
    err = _refusal("a: &a [x, x, x]\nb: [*a, *a, *a, *a]\n", limits=YamlLimits(max_nodes=12))
    assert err.code == ErrorCode.ALIAS_LIMIT
    err = _refusal("".join("  " * i + "-\n" for i in range(300)), limits=YamlLimits(max_depth=50))
    assert "more than 50 levels deep" in err.message
    err = _refusal("a: &a [x, *a]\n")
    assert "recursive YAML alias" in err.message


def test_limits_count_the_whole_file(no_ruamel: None) -> None:
    doc = "".join(f"k{i}: v\n" for i in range(300))  # 601 nodes a document
    err = _refusal("---\n".join([doc] * 3), limits=YamlLimits(max_nodes=1500))
    assert err.document == 2 and "more than 1500 YAML nodes" in err.message
