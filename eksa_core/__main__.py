"""``python -m eksa_core``: the ``eksa`` command line (see :mod:`eksa_core.cli`)."""

from __future__ import annotations

from .cli import main

if __name__ == "__main__":
    raise SystemExit(main())
