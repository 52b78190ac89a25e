"""Safe multi-document YAML: splitting, errors with lines, limits, and comment-keeping round trips."""

from __future__ import annotations

from pathlib import Path

import pytest

from eksa_core.errors import ErrorCode, SpecError
from eksa_core.yamlio import (
    MAX_EXPANDED_NODES,
    dump_documents,
    load_documents,
    merge_data,
    read_text,
    safe_load,
    to_plain,
    write_text_keeping_backup,
)

SPEC = """\
# leading comment
apiVersion: v1
kind: A
metadata:
  name: a   # the name
---
# second document
kind: B
list:
- x
- y
"""


def test_documents_are_split_with_their_first_lines() -> None:
    docs = load_documents(SPEC, file="f.yaml")
    assert [to_plain(d.data)["kind"] for d in docs] == ["A", "B"]
    assert docs[0].first_line == 1
    assert docs[1].first_line == 7
    assert docs[1].line_of(["list", 1]) == 11
    assert docs[0].line_of(["metadata", "name"]) == 5


def test_unchanged_documents_dump_byte_for_byte() -> None:
    docs = load_documents(SPEC)
    assert dump_documents(docs) == SPEC


def test_changed_document_keeps_comments_and_order() -> None:
    docs = load_documents(SPEC)
    new = to_plain(docs[0].data)
    new["metadata"]["name"] = "renamed"
    new["spec"] = {"count": 3}
    docs[0].data = merge_data(docs[0].data, new)
    text = dump_documents(docs)
    assert "# leading comment" in text
    assert next(ln for ln in text.splitlines() if "renamed" in ln).endswith("# the name")
    assert text.index("metadata") < text.index("spec:")
    assert text.endswith(SPEC.split("---\n")[1])


def test_invalid_separator_is_reported_like_eksa() -> None:
    with pytest.raises(SpecError) as err:
        load_documents("a: 1\n---foo: bar\n", file="x.yaml")
    assert err.value.message == "invalid Yaml document separator: foo: bar"
    assert err.value.code == ErrorCode.DOCUMENT_SEPARATOR
    assert err.value.line == 2


def test_separator_with_comment_is_fine() -> None:
    assert len(load_documents("a: 1\n--- # next\nb: 2\n")) == 2


def test_syntax_error_names_file_and_absolute_line() -> None:
    text = "a: 1\n---\nkind: X\nspec:\n  a: 1\n b: 2\n"
    with pytest.raises(SpecError) as err:
        load_documents(text, file="bad.yaml")
    e = err.value
    assert e.code == ErrorCode.YAML_SYNTAX
    assert e.file == "bad.yaml" and e.document == 1
    assert e.line == 6
    assert "unable to parse bad.yaml" in str(e)


def test_duplicate_keys_are_refused() -> None:
    with pytest.raises(SpecError) as err:
        load_documents("a: 1\na: 2\n")
    assert err.value.code == ErrorCode.YAML_SYNTAX


def test_bare_kubernetes_version_stays_a_string_with_its_zero() -> None:
    (doc,) = load_documents("spec:\n  kubernetesVersion: 1.30\n")
    assert to_plain(doc.data) == {"spec": {"kubernetesVersion": "1.30"}}


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 8):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    with pytest.raises(SpecError) as err:
        load_documents("\n".join(lines) + "\n")
    assert err.value.code == ErrorCode.ALIAS_LIMIT
    assert str(MAX_EXPANDED_NODES) in err.value.message


def test_small_anchors_are_fine() -> None:
    (doc,) = load_documents("base: &b {x: 1}\nother: *b\n")
    assert to_plain(doc.data) == {"base": {"x": 1}, "other": {"x": 1}}


def test_recursive_alias_never_loops() -> None:
    try:
        docs = load_documents("a: &a [1, *a]\n")
    except SpecError as err:
        assert err.code in (ErrorCode.ALIAS_LIMIT, ErrorCode.YAML_SYNTAX)
    else:
        assert to_plain(docs[0].data)["a"][0] == 1  # finite data: the alias did not recurse


def test_files_over_the_limit_are_refused(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"a: 1\n" + b"#" * 200)
    with pytest.raises(SpecError) as err:
        read_text(big, limit=100)
    assert err.value.code == ErrorCode.TOO_LARGE
    assert str(big) in str(err.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="does not exist"):
        read_text(tmp_path / "nope.yaml")
    with pytest.raises(SpecError, match="is a directory"):
        read_text(tmp_path)


def test_non_utf8_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "latin.yaml"
    p.write_bytes(b"a: \xff\n")
    with pytest.raises(SpecError, match="not UTF-8"):
        read_text(p)


def test_safe_load_builds_plain_data_and_refuses_python_tags() -> None:
    assert safe_load("a: [1, 2]\n") == {"a": [1, 2]}
    data = safe_load("a: !!python/object/apply:os.system ['true']\n")
    assert not callable(data)  # the tag is kept as data, never executed


def test_write_keeps_a_backup_of_what_the_user_wrote(tmp_path: Path) -> None:
    p = tmp_path / "spec.yaml"
    p.write_text("mine: 1\n")
    backup = write_text_keeping_backup(p, "new: 2\n")
    assert backup is not None and backup.read_text() == "mine: 1\n"
    assert p.read_text() == "new: 2\n"
    assert write_text_keeping_backup(p, "new: 2\n") is None
