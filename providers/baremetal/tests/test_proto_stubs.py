"""The committed gRPC stubs are what ``scripts/gen_protos.py`` makes from the committed ``.proto`` (regenerated into
a temporary folder and compared byte for byte), and the proto keeps Tinkerbell's published names and numbers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

PROVIDER = Path(__file__).resolve().parent.parent
COMMITTED = PROVIDER / "eksa_baremetal" / "_proto"


def _gen_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("gen_protos", PROVIDER / "scripts" / "gen_protos.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_protos"] = module
    spec.loader.exec_module(module)
    return module


def test_committed_stubs_are_current(tmp_path: Path) -> None:
    gen = _gen_module()
    written = gen.generate(tmp_path)
    names = sorted(p.name for p in written)
    committed = sorted(p.name for p in COMMITTED.iterdir() if p.is_file())
    assert committed == names, "eksa_baremetal/_proto holds other files than the generator writes"
    stale = [n for n in names if (tmp_path / n).read_bytes() != (COMMITTED / n).read_bytes()]
    assert not stale, (f"stale generated stubs {stale}: run `python providers/baremetal/scripts/gen_protos.py` "
                       "and commit the result")


def test_wire_names_and_numbers_are_tinkerbells() -> None:
    from eksa_baremetal._proto import workflow_pb2

    file = workflow_pb2.DESCRIPTOR
    assert file.package == "proto"
    service = file.services_by_name["WorkflowService"]
    methods = {m.name: (m.input_type.name, m.output_type.name, m.server_streaming) for m in service.methods}
    assert methods == {
        "GetWorkflowContexts": ("WorkflowContextRequest", "WorkflowContext", True),
        "GetWorkflowActions": ("WorkflowActionsRequest", "WorkflowActionList", False),
        "ReportActionStatus": ("WorkflowActionStatus", "Empty", False),
    }
    fields = {m.name: {f.name: f.number for f in m.fields} for m in file.message_types_by_name.values()}
    assert fields["WorkflowContext"] == {"workflow_id": 1, "current_worker": 2, "current_task": 3,
                                         "current_action": 4, "current_action_index": 5,
                                         "current_action_state": 6, "total_number_of_actions": 7}
    assert fields["WorkflowAction"] == {"task_name": 1, "name": 2, "image": 3, "timeout": 4, "command": 5,
                                        "on_timeout": 6, "on_failure": 7, "worker_id": 8, "volumes": 9,
                                        "environment": 10, "pid": 11}
    assert fields["WorkflowActionStatus"] == {"workflow_id": 1, "task_name": 2, "action_name": 3,
                                              "action_status": 4, "seconds": 5, "message": 6, "created_at": 7,
                                              "worker_id": 8}
    assert fields["WorkflowActionList"] == {"action_list": 1}
    assert fields["WorkflowContextRequest"] == {"worker_id": 1}
    assert fields["WorkflowActionsRequest"] == {"workflow_id": 1}
    state = file.enum_types_by_name["State"]
    assert {v.name: v.number for v in state.values} == {"STATE_PENDING": 0, "STATE_RUNNING": 1, "STATE_FAILED": 2,
                                                         "STATE_TIMEOUT": 3, "STATE_SUCCESS": 4}


def _shape(file_proto: object) -> dict[str, object]:
    """Package, messages (field name -> number, type, label), enums and service methods of a FileDescriptorProto."""
    fp: object = file_proto
    messages = {m.name: {f.name: (f.number, f.type, f.label, f.type_name) for f in m.field}  # type: ignore[attr-defined]
                for m in fp.message_type}  # type: ignore[attr-defined]
    enums = {e.name: {v.name: v.number for v in e.value} for e in fp.enum_type}  # type: ignore[attr-defined]
    services = {s.name: {m.name: (m.input_type, m.output_type, m.server_streaming, m.client_streaming)
                         for m in s.method} for s in fp.service}  # type: ignore[attr-defined]
    return {"package": fp.package, "messages": messages, "enums": enums, "services": services}  # type: ignore[attr-defined]


def test_proto_matches_the_published_tink_api(tmp_path: Path) -> None:
    """Our .proto and tink v0.12.2's internal/proto/workflow.proto (read from the Go module download) describe the
    same wire API. Needs the go command (the real-component tests need it too)."""
    import json
    import os
    import shutil
    import subprocess

    import pytest
    from google.protobuf import descriptor_pb2
    from grpc_tools import protoc

    go = shutil.which("go")
    if go is None:
        if os.environ.get("CI") == "true":
            pytest.fail("the go command is needed to read tink's published proto")
        pytest.skip("the go command is not installed: tink's published proto cannot be downloaded")
    out = subprocess.run([go, "mod", "download", "-json", "github.com/tinkerbell/tink@v0.12.2"], check=True,
                         capture_output=True, text=True, env={**os.environ, "GOTOOLCHAIN": "local"}, cwd=tmp_path)
    published = Path(json.loads(out.stdout)["Dir"]) / "internal" / "proto"
    include = Path(protoc.__file__).parent / "_proto"
    shapes = []
    for folder in (published, PROVIDER / "proto"):
        target = tmp_path / f"{folder.parent.name}.pb"
        assert protoc.main(["protoc", f"-I{folder}", f"-I{include}", f"--descriptor_set_out={target}",
                            str(folder / "workflow.proto")]) == 0
        files = descriptor_pb2.FileDescriptorSet.FromString(target.read_bytes())
        shapes.append(_shape(files.file[0]))
    assert shapes[0] == shapes[1]
