"""The Tinkerbell gRPC client's transport behaviour: retries with backoff on UNAVAILABLE, deadlines, TLS, stream
cancellation. Over real gRPC on 127.0.0.1, against :class:`WorkflowServiceDouble` (a Python server built from the
same generated stubs) where tink-server cannot be made to misbehave on purpose; the round trip with the real
tink-server is in ``test_tinkerbell_real.py``."""

from __future__ import annotations

import datetime
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest
from eksa_baremetal._proto import workflow_pb2 as pb
from eksa_baremetal._proto import workflow_pb2_grpc as pb_grpc
from eksa_baremetal.tinkerbell_grpc import (
    ActionState,
    RetryPolicy,
    TinkerbellClient,
    TinkerbellDeadlineError,
    TinkerbellError,
    TinkerbellUnavailableError,
    TLSOptions,
)


class WorkflowServiceDouble(pb_grpc.WorkflowServiceServicer):
    """A WorkflowService that streams contexts until the client cancels (``endless``) and answers actions after
    ``release`` is set (to run past a deadline)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.release.set()
        self.cancelled = threading.Event()
        self.calls = 0

    def GetWorkflowContexts(self, request: Any, context: Any) -> Iterator[Any]:
        context.add_callback(self.cancelled.set)
        n = 0
        while context.is_active():
            yield pb.WorkflowContext(workflow_id=f"ns/wf-{n}", current_worker=request.worker_id,
                                     current_action="a", current_action_state=pb.STATE_RUNNING,
                                     total_number_of_actions=3)
            n += 1
            self.cancelled.wait(0.05)

    def GetWorkflowActions(self, request: Any, context: Any) -> Any:
        self.calls += 1
        self.release.wait(10)
        return pb.WorkflowActionList(action_list=[pb.WorkflowAction(task_name="t", name="a", image="img", timeout=5,
                                                                     environment=["A=1", "B=x=y"])])


def _serve(double: WorkflowServiceDouble, credentials: grpc.ServerCredentials | None = None) -> tuple[Any, str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_WorkflowServiceServicer_to_server(double, server)
    if credentials is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    return server, f"127.0.0.1:{port}"


@pytest.fixture
def served() -> Iterator[tuple[WorkflowServiceDouble, str]]:
    double = WorkflowServiceDouble()
    server, target = _serve(double)
    try:
        yield double, target
    finally:
        double.release.set()
        server.stop(None)


def _closed_port() -> str:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


def test_unavailable_is_retried_with_backoff_then_a_typed_error() -> None:
    slept: list[float] = []
    target = _closed_port()
    client = TinkerbellClient(target, timeout=2, retry=RetryPolicy(attempts=4, initial=0.01, multiplier=3,
                                                                   maximum=0.05), sleep=slept.append)
    with client, pytest.raises(TinkerbellUnavailableError) as err:
        client.workflow_actions("ns/wf")
    assert slept == [0.01, 0.03, 0.05]
    assert err.value.attempts == 4 and err.value.code == grpc.StatusCode.UNAVAILABLE
    assert err.value.method == "GetWorkflowActions" and err.value.target == target
    assert f"tink-server {target}: GetWorkflowActions failed with UNAVAILABLE after 4 attempts" in str(err.value)


def test_a_stream_is_retried_while_the_server_is_unreachable() -> None:
    slept: list[float] = []
    with TinkerbellClient(_closed_port(), timeout=2, retry=RetryPolicy(attempts=2, initial=0.01),
                          sleep=slept.append) as client, pytest.raises(TinkerbellUnavailableError) as err:
        list(client.workflow_contexts("00:11"))
    assert slept == [0.01] and err.value.method == "GetWorkflowContexts" and err.value.attempts == 2


def test_retry_reaches_a_server_that_comes_up(served: tuple[WorkflowServiceDouble, str]) -> None:
    double, _ = served
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    late: list[Any] = []

    def start_server(delay: float) -> None:  # the first wait between tries brings the server up
        if not late:
            server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
            pb_grpc.add_WorkflowServiceServicer_to_server(double, server)
            server.add_insecure_port(f"127.0.0.1:{port}")
            server.start()
            late.append(server)
        time.sleep(delay)

    client = TinkerbellClient(f"127.0.0.1:{port}", timeout=5, sleep=start_server,
                              retry=RetryPolicy(attempts=50, initial=0.05, multiplier=1.5, maximum=0.2))
    try:
        actions = client.workflow_actions("ns/wf")
    finally:
        client.close()
        for server in late:
            server.stop(None)
    assert [(a.name, a.image, a.timeout, dict(a.environment)) for a in actions] == [
        ("a", "img", 5, {"A": "1", "B": "x=y"})]


def test_every_call_has_a_deadline(served: tuple[WorkflowServiceDouble, str]) -> None:
    double, target = served
    double.release.clear()  # the server holds the answer
    with TinkerbellClient(target, timeout=0.3) as client, pytest.raises(TinkerbellDeadlineError) as err:
        client.workflow_actions("ns/wf")
    assert err.value.code_name == "DEADLINE_EXCEEDED" and double.calls == 1  # not retried


def test_cancelling_a_stream_stops_it_on_both_sides(served: tuple[WorkflowServiceDouble, str]) -> None:
    double, target = served
    with TinkerbellClient(target, timeout=30) as client:
        got = []
        with client.workflow_contexts("00:50:56:aa:bb:01") as stream:
            for context in stream:
                got.append(context)
                if len(got) == 3:
                    threading.Thread(target=stream.cancel).start()  # from another thread, mid-stream
        assert [c.workflow_id for c in got[:3]] == ["ns/wf-0", "ns/wf-1", "ns/wf-2"]
        assert got[0].current_action_state == ActionState.RUNNING and got[0].name == "wf-0"
        assert got[0].namespace == "ns" and got[0].current_worker == "00:50:56:aa:bb:01"
    assert double.cancelled.wait(5), "the server never saw the stream end"


def test_a_stream_past_its_deadline_raises(served: tuple[WorkflowServiceDouble, str]) -> None:
    _, target = served
    with TinkerbellClient(target, timeout=30) as client, pytest.raises(TinkerbellDeadlineError):
        for _ in client.workflow_contexts("00:11", timeout=0.3):
            pass


def _tls_files(tmp_path: Path) -> tuple[Path, bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test tink CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(1).not_valid_before(now - datetime.timedelta(minutes=1))
          .not_valid_after(now + datetime.timedelta(hours=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tink")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(minutes=1)).not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("tink.test")]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return ca_file, cert.public_bytes(serialization.Encoding.PEM), key_pem


def test_tls(tmp_path: Path) -> None:
    ca_file, cert, key = _tls_files(tmp_path)
    double = WorkflowServiceDouble()
    server, target = _serve(double, grpc.ssl_server_credentials([(key, cert)]))
    try:
        with TinkerbellClient(target, tls=TLSOptions(ca_file=ca_file, server_name="tink.test")) as client:
            assert [a.name for a in client.workflow_actions("ns/wf")] == ["a"]
        # a plaintext client cannot talk to a TLS server
        with TinkerbellClient(target, timeout=2, retry=RetryPolicy(attempts=1)) as plain, \
                pytest.raises(TinkerbellUnavailableError):
            plain.workflow_actions("ns/wf")
    finally:
        server.stop(None)
    with pytest.raises(TinkerbellError, match="cannot read the TLS CA bundle"):
        TinkerbellClient(target, tls=TLSOptions(ca_file=tmp_path / "missing.pem"))
    with pytest.raises(TinkerbellError, match="certificate and key must be given together"):
        TinkerbellClient(target, tls=TLSOptions(cert_file=ca_file))


def test_bad_arguments_are_typed_errors() -> None:
    with pytest.raises(TinkerbellError, match="timeout must be positive"):
        TinkerbellClient("127.0.0.1:1", timeout=0)
    with TinkerbellClient("127.0.0.1:1") as client, pytest.raises(TinkerbellError, match="workflow id"):
        client.workflow_actions("")
