"""A stand-in CNI renderer for workflow tests that are not about the CNI.

The real renderer (:class:`eksa_core.cni.HelmCiliumRenderer`) runs the ``helm`` CLI against the chart registry of
the spec's bundle; ``tests/realkube/test_cni.py`` and the ``capireal`` management move run it for real, against
the real registry and control planes. Tests of everything else pass :class:`StandInCNIRenderer` as
``WorkflowOptions.cni_renderer`` (or ``eksa_core.cli.main(cni_renderer=...)``): it renders one ConfigMap naming the
plugin, so a test can still see that the workflow installed "the CNI" on the right cluster at the right time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..cni import CILIUM_NAMESPACE, cni_plugin

if TYPE_CHECKING:
    from ..spec import Spec

__all__ = ["STAND_IN_CONFIGMAP", "StandInCNIRenderer"]

STAND_IN_CONFIGMAP = "eksa-stand-in-cni"
"""The name of the ConfigMap the stand-in renders (in ``kube-system``)."""


class StandInCNIRenderer:
    """Renders ``ConfigMap kube-system/eksa-stand-in-cni`` with the plugin and cluster name, and remembers each
    spec it rendered (:attr:`rendered`, cluster names in order). Named a stand-in: it installs no network."""

    def __init__(self) -> None:
        self.rendered: list[str] = []

    def render(self, spec: Spec) -> list[dict[str, Any]]:
        self.rendered.append(spec.name)
        return [{
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": STAND_IN_CONFIGMAP, "namespace": CILIUM_NAMESPACE},
            "data": {"plugin": str(cni_plugin(spec)), "cluster": spec.name},
        }]
