"""eksa-provider-testprovider: a provider for eksa's own tests (not for real infrastructure).

It brings ``TestDatacenterConfig`` and ``TestMachineConfig``, renders real-looking Cluster API objects (``Cluster``,
``TestCluster``, ``TestMachineTemplate``, ``KubeadmControlPlane``, ``KubeadmConfigTemplate``, ``MachineDeployment``,
a credentials ``Secret``) and records every hook call in :data:`eksa_testprovider.recorder.CALLS`.
"""

from __future__ import annotations

__version__ = "0.1.0"
