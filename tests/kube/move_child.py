"""Run one move in a process of its own, killed (SIGKILL, no clean-up of any kind) right before write number
``k`` when ``k`` is given: ``python -m tests.kube.move_child SOURCE_KUBECONFIG TARGET_KUBECONFIG NAMESPACE CLUSTER
[K]``. Prints the steps it passed, one a line."""

from __future__ import annotations

import os
import signal
import sys

from eksa_core.kube import KubeClient, move
from tests.kube.real_graph import MOVE_KINDS


def main(argv: list[str]) -> int:
    source_config, target_config, namespace, cluster = argv[:4]
    kill_at = int(argv[4]) if len(argv) > 4 else None
    count = 0

    def on_step(description: str) -> None:
        nonlocal count
        count += 1
        if count == kill_at:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        print(description, flush=True)

    with KubeClient(source_config) as source, KubeClient(target_config) as target:
        move(source, target, namespace=namespace, cluster_name=cluster, kinds=MOVE_KINDS, on_step=on_step)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
