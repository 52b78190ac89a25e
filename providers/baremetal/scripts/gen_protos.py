"""Generate the Python stubs of Tinkerbell's gRPC API from ``providers/baremetal/proto/*.proto``.

Usage::

    python providers/baremetal/scripts/gen_protos.py            # regenerate eksa_baremetal/_proto/
    python providers/baremetal/scripts/gen_protos.py --out DIR  # generate into DIR instead (the staleness test)

The stubs are committed: the provider needs no compiler at install time. They are made with grpcio-tools (the
provider's ``dev`` extra pins its version, so the output is reproducible) and differ from protoc's raw output only
in one respect: ``workflow_pb2_grpc.py`` imports its messages relative to the package (``from . import ...``), as a
module inside ``eksa_baremetal._proto`` must. ``tests/test_proto_stubs.py`` regenerates into a temporary folder and
fails when the committed files differ.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

PROVIDER = Path(__file__).resolve().parent.parent
PROTO_DIR = PROVIDER / "proto"
OUT_DIR = PROVIDER / "eksa_baremetal" / "_proto"

INIT = '''"""Generated gRPC stubs of Tinkerbell's workflow API (tink v0.12.2). Do not edit: regenerate with
``python providers/baremetal/scripts/gen_protos.py`` (sources in ``providers/baremetal/proto/``)."""
'''


def protos() -> list[Path]:
    """The ``.proto`` sources, sorted."""
    return sorted(PROTO_DIR.glob("*.proto"))


def generate(out: Path) -> list[Path]:
    """Generate the stubs of every source into ``out`` (created when missing); return the files written."""
    try:
        import grpc_tools
        from grpc_tools import protoc
    except ImportError:
        raise SystemExit("grpcio-tools is not installed: pip install -e 'providers/baremetal[dev]'") from None
    out.mkdir(parents=True, exist_ok=True)
    include = Path(grpc_tools.__file__).parent / "_proto"  # google/protobuf/*.proto shipped with grpcio-tools
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp)
        args = ["grpc_tools.protoc", f"-I{PROTO_DIR}", f"-I{include}", f"--python_out={raw}",
                f"--pyi_out={raw}", f"--grpc_python_out={raw}", *[str(p) for p in protos()]]
        code = protoc.main(args)
        if code != 0:
            raise SystemExit(f"grpc_tools.protoc failed with exit code {code}")
        written = []
        for path in sorted(raw.iterdir()):
            text = path.read_text()
            if path.name.endswith("_pb2_grpc.py"):
                # protoc writes `import workflow_pb2 as workflow__pb2`; inside a package it must be relative
                text = re.sub(r"^import (\w+_pb2) as ", r"from . import \1 as ", text, flags=re.MULTILINE)
            target = out / path.name
            target.write_text(text)
            written.append(target)
    init = out / "__init__.py"
    init.write_text(INIT)
    written.append(init)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"output folder (default {OUT_DIR})")
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
