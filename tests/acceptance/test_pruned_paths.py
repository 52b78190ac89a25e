"""The comparison behind manifest acceptance: which sent fields a server's answer no longer has."""

from __future__ import annotations

from eksa_core.testing.acceptance import AcceptanceReport, describe, pruned_paths


def test_every_missing_field_is_named_by_its_path() -> None:
    sent = {"spec": {"certSANs": ["a"], "kept": 1, "nested": {"gone": True, "here": "x"},
                     "list": [{"name": "a", "extra": 1}, {"name": "b"}], "labels": {"example.com/role": "x"}}}
    returned = {"spec": {"kept": 1, "nested": {"here": "x"}, "list": [{"name": "a"}],
                         "labels": {}}, "status": {}}
    assert pruned_paths(sent, returned) == [
        "spec.certSANs", "spec.nested.gone", "spec.list[0].extra", "spec.list[1]", "spec.labels[example.com/role]"]


def test_nothing_is_pruned_when_the_server_keeps_everything_and_adds_its_own() -> None:
    sent = {"metadata": {"name": "a"}, "spec": {"x": [1, 2], "y": {}, "z": None}}
    returned = {"metadata": {"name": "a", "uid": "u"}, "spec": {"x": [1, 2], "y": {}, "default": 3}}
    assert pruned_paths(sent, returned) == []


def test_a_scalar_replaced_by_another_shape_counts_as_pruned() -> None:
    assert pruned_paths({"spec": {"a": {"b": 1}}}, {"spec": {"a": "flat"}}) == ["spec.a"]


def test_report_lists_each_problem() -> None:
    report = AcceptanceReport(checked=2, rejected=[("v1 Secret ns/a", "invalid")],
                              pruned=[("x/v1 K b", "spec.q")])
    assert not report.ok
    assert report.problems() == ["rejected: v1 Secret ns/a: invalid", "pruned: x/v1 K b: spec.q"]
    assert describe({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "a", "namespace": "n"}}) == \
        "v1 Secret n/a"
