"""Every reproducer the fuzzing (and the robustness issue) found, kept as a file under ``corpus/``.

``<name>.error.yaml`` must give ``SpecErrors`` (each error located in the file); its first line
``# expect: <text>`` names a piece of the message one of the errors must carry. ``<name>.ok.yaml`` must load.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from eksa_core.errors import SpecErrors
from eksa_core.spec import ClusterConfig

from .harness import CORPUS, check

CASES = sorted(CORPUS.glob("*.yaml"))


def test_corpus_is_there() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_corpus_case(path: Path) -> None:
    data = path.read_bytes()
    result = check(data)
    if path.name.endswith(".ok.yaml"):
        assert isinstance(result, ClusterConfig), f"{path.name} should load: {result}"
        return
    assert path.name.endswith(".error.yaml"), f"{path.name}: name it <name>.ok.yaml or <name>.error.yaml"
    assert isinstance(result, SpecErrors), f"{path.name} should be refused"
    first = data.split(b"\n", 1)[0].decode()
    assert first.startswith("# expect: "), f"{path.name}: first line must be '# expect: <message part>'"
    expected = first.removeprefix("# expect: ")
    assert any(expected in str(e) for e in result), f"{expected!r} not in {[str(e) for e in result]}"
    assert all(e.document is not None or e.line is not None or e.kind for e in result), [repr(e) for e in result]
