"""Generated gRPC stubs of Tinkerbell's workflow API (tink v0.12.2). Do not edit: regenerate with
``python providers/baremetal/scripts/gen_protos.py`` (sources in ``providers/baremetal/proto/``)."""
