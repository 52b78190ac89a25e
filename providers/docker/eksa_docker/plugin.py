"""The Docker provider plugin (entry point ``docker`` of group ``eksa.providers``).

Docker (Cluster API provider CAPD) runs every node of a cluster as a container on the local Docker engine. It
is meant for local development and testing only. This module only gathers the hook implementations so pluggy
finds them on one object:

* :mod:`.provider` – identity (``eksa_provider``) and ``eksa generate clusterconfig`` documents;
* :mod:`.validate` – static rules and the Docker engine checks run before create;
* :mod:`.machines` – removal of the cluster's leftover node containers after delete;
* :mod:`.templates` – CAPD manifests (control plane, workers, infrastructure bundle, bootstrap options).
"""

from __future__ import annotations

from .provider import eksa_generate_cluster_config, eksa_provider

__all__ = ["eksa_generate_cluster_config", "eksa_provider"]
