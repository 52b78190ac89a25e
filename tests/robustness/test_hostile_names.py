"""Hostile cluster names are refused before any path or object is made of them: by the CLI's name argument and
in a spec's ``metadata.name``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from eksa_core.cli import main
from eksa_core.errors import SpecError, SpecErrors
from eksa_core.generate import validate_cluster_name
from eksa_core.loading import load_spec_text

from .test_plan_secrets import SPEC, docker_plugins

HOSTILE = ["../escape", "a/b", "..", ".", "/abs", "a b", "$(touch pwned)", "`id`", "a;rm", "name\nnext", "-flag",
           "1starts-with-digit", "x" * 36, "é-unicode", "a\x00b", "UPPER_under", "a.b", "~home", ""]


@pytest.mark.parametrize("name", HOSTILE)
def test_the_name_argument_is_refused(name: str) -> None:
    with pytest.raises(SpecError):
        validate_cluster_name(name)


@pytest.mark.parametrize("name", [n for n in HOSTILE if n and "\x00" not in n and "\n" not in n])
def test_a_spec_naming_its_cluster_so_is_refused(name: str) -> None:
    text = SPEC.replace("  name: dev\nspec:\n  kubernetesVersion", f"  name: {name!r}\nspec:\n  kubernetesVersion", 1)
    with pytest.raises(SpecErrors) as info:
        load_spec_text(text, file="hostile.yaml", plugins=docker_plugins(), env={})
    assert any(e.field == "metadata.name" or "name" in e.message for e in info.value), str(info.value)


@pytest.mark.parametrize("name", ["../escape", "a/b", "$(touch pwned)"])
def test_the_cli_makes_nothing_of_a_hostile_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    workdir = tmp_path / "inner"
    workdir.mkdir()
    monkeypatch.chdir(workdir)
    spec = workdir / "hostile.yaml"
    spec.write_text(SPEC.replace("  name: dev\nspec:\n  kubernetesVersion", f"  name: {name!r}\nspec:\n"
                                 "  kubernetesVersion", 1))
    for argv in (["generate", "clusterconfig", name, "-p", "docker"], ["create", "cluster", "-f", str(spec),
                                                                      "--dry-run"],
                 ["delete", "cluster", name, "--dry-run"]):
        out, err = io.StringIO(), io.StringIO()
        assert main(argv, plugins=docker_plugins(), stdout=out, stderr=err) != 0, argv
        assert "Traceback" not in err.getvalue()
    made = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if "eksa-cli-logs" not in p.parts)
    assert made == ["inner", "inner/hostile.yaml"]  # no cluster folder, nothing outside the working folder
