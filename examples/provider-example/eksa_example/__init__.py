"""An example third-party eksa provider for a pretend "Example Cloud": ``ExampleDatacenterConfig`` (the cloud's
endpoint and zone) and ``ExampleMachineConfig`` (machine size, image, users), rendered into Cluster API objects
with the core's kubeadm builders. ``docs/provider-guide.md`` walks through writing it."""

__version__ = "0.1.0"
