"""Provider identity, entry point and ``generate clusterconfig``."""

from __future__ import annotations

import importlib.metadata

from eksa_cloudstack import plugin
from eksa_cloudstack.validation import machine_config_errors

from eksa_core.convert import unstructure
from eksa_core.models.base import ObjectMeta
from eksa_core.models.cluster import Cluster
from eksa_core.plugins import Plugins


def test_entry_point_and_registration() -> None:
    eps = [ep for ep in importlib.metadata.entry_points(group="eksa.providers") if ep.name == "cloudstack"]
    assert [ep.value for ep in eps] == ["eksa_cloudstack.plugin"]
    info = Plugins().register(plugin, name="eksa-provider-cloudstack")
    assert info is not None and info.datacenter_kind == "CloudStackDatacenterConfig"


def test_generate_cluster_config() -> None:
    cluster = Cluster(metadata=ObjectMeta(name="c"))
    docs = plugin.eksa_generate_cluster_config(name="c", cluster=cluster)
    data = [unstructure(d) for d in docs]
    assert [d["metadata"]["name"] for d in data] == ["c", "c-cp", "c", "c-etcd"]
    assert data[0]["spec"] == {"availabilityZones": [{
        "name": "az-1", "credentialsRef": "global", "zone": {"network": {}}, "domain": "domain1",
        "account": "admin", "managementApiEndpoint": ""}]}
    assert data[1]["spec"] == {"template": {}, "computeOffering": {},
                               "users": [{"name": "capc", "sshAuthorizedKeys": ["ssh-rsa AAAA..."]}]}
    spec = unstructure(cluster)["spec"]
    assert spec["controlPlaneConfiguration"]["count"] == 2
    assert spec["externalEtcdConfiguration"]["count"] == 3
    assert spec["workerNodeGroupConfigurations"] == [{"name": "md-0", "count": 2, "machineGroupRef": {
        "kind": "CloudStackMachineConfig", "name": "c"}}]
    # The placeholders are what the user must fill in.
    assert [e.field for e in machine_config_errors(docs[1])] == ["spec.template", "spec.computeOffering"]  # type: ignore[arg-type]
