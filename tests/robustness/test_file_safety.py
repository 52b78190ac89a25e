"""Files that hold secrets or belong to the user, through the commands and workflows that write them."""

from __future__ import annotations

import io
import os
import stat
from pathlib import Path

import pytest

from eksa_core.cli import main
from eksa_core.plugins import Plugins

HARDWARE_CSV = Path(__file__).resolve().parents[1] / "conformance" / "data" / "tinkerbell" / "hardware" / "hardware.csv"


def baremetal_plugins() -> Plugins:
    pytest.importorskip("eksa_baremetal", reason="the bare metal provider (providers/baremetal) is not installed")
    from eksa_baremetal import plugin

    plugins = Plugins()
    plugins.register(plugin, name="eksa-provider-baremetal")
    return plugins


def eksa(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), plugins=baremetal_plugins(), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


@pytest.mark.parametrize("umask", [0o000, 0o022])
def test_generate_hardware_output_is_0600_even_over_an_existing_0644_file(tmp_path: Path, umask: int) -> None:
    out = tmp_path / "existing.yaml"
    out.write_text("the user's old hardware file\n")
    out.chmod(0o644)
    old = os.umask(umask)
    try:
        code, stdout, err = eksa("generate", "hardware", "-z", str(HARDWARE_CSV), "-o", str(out))
    finally:
        os.umask(old)
    assert code == 0, err
    text = out.read_text()
    assert "kind: Hardware" in text and "password" in text  # the BMC secret is in there
    assert mode(out) == 0o600
    backup = tmp_path / "existing.yaml.bak"
    assert backup.read_text() == "the user's old hardware file\n" and mode(backup) == 0o600
    assert f"Kept the previous {out} as {backup}" in stdout + err


def test_generate_hardware_does_not_follow_a_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file\n")
    victim.chmod(0o644)
    link = tmp_path / "hardware.yaml"
    link.symlink_to(victim)
    code, _, err = eksa("generate", "hardware", "-z", str(HARDWARE_CSV), "-o", str(link))
    assert code == 0, err
    assert victim.read_text() == "someone else's file\n" and mode(victim) == 0o644
    assert not link.is_symlink() and "kind: Hardware" in link.read_text() and mode(link) == 0o600
