"""A typed client of Tinkerbell's gRPC ``WorkflowService`` (tink-server v0.12.2, the version EKS Anywhere ships).

::

    from eksa_baremetal.tinkerbell_grpc import TinkerbellClient

    with TinkerbellClient("192.168.1.10:42113", timeout=10) as tink:
        with tink.workflow_contexts("00:50:56:aa:bb:01") as stream:      # server stream
            for context in stream:
                print(context.workflow_id, context.current_action, context.current_action_state)
        for action in tink.workflow_actions("eksa-system/bm-cp-1"):
            print(action.name, action.image, action.timeout)

* Every call has a deadline (``timeout`` seconds, per call overridable); a stream's deadline covers the whole stream.
* ``tls=TLSOptions(...)`` dials with TLS (CA bundle, optional client certificate, server name override); without it
  the channel is plaintext, as tink-server serves by default.
* A call answered ``UNAVAILABLE`` (server not up yet, connection reset) is retried with exponential backoff
  (:class:`RetryPolicy`); a stream only while it has not delivered anything yet.
* Failures raise :class:`TinkerbellRPCError` (an :class:`~eksa_core.errors.EksaError`) carrying the method, the gRPC
  status code and the server's details; :class:`TinkerbellUnavailableError` and :class:`TinkerbellDeadlineError`
  name the two transient cases.
* A stream is cancelled cleanly: :meth:`WorkflowContextStream.cancel` (or leaving its ``with`` block) ends the
  call on both sides and iteration just stops.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import attrs
import grpc

from eksa_core.errors import EksaError

from ._proto import workflow_pb2 as pb
from ._proto import workflow_pb2_grpc as pb_grpc

__all__ = [
    "DEFAULT_TIMEOUT",
    "ActionState",
    "ActionStatusReport",
    "RetryPolicy",
    "TLSOptions",
    "TinkerbellClient",
    "TinkerbellDeadlineError",
    "TinkerbellError",
    "TinkerbellRPCError",
    "TinkerbellUnavailableError",
    "WorkflowAction",
    "WorkflowContext",
    "WorkflowContextStream",
]

DEFAULT_TIMEOUT = 10.0
"""Seconds each call may take unless the client or the call says otherwise."""

T = TypeVar("T")


class TinkerbellError(EksaError):
    """A Tinkerbell operation failed."""


class TinkerbellRPCError(TinkerbellError):
    """A gRPC call to tink-server failed.

    :ivar method: the RPC (``GetWorkflowActions``...). :ivar code: the :class:`grpc.StatusCode`.
    :ivar details: the server's status details (message). :ivar target: the server address.
    :ivar attempts: how many times the call was tried.
    """

    def __init__(self, method: str, code: grpc.StatusCode, details: str, target: str, attempts: int = 1) -> None:
        self.method = method
        self.code = code
        self.details = details
        self.target = target
        self.attempts = attempts
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"tink-server {target}: {method} failed with {code.name}{tries}: {details or '(no details)'}")

    @property
    def code_name(self) -> str:
        """The status code's name (``UNAVAILABLE``, ``INVALID_ARGUMENT``...)."""
        return str(self.code.name)


class TinkerbellUnavailableError(TinkerbellRPCError):
    """tink-server could not be reached (``UNAVAILABLE``), retries exhausted."""


class TinkerbellDeadlineError(TinkerbellRPCError):
    """A call ran past its deadline (``DEADLINE_EXCEEDED``)."""


def _error(method: str, exc: grpc.RpcError, target: str, attempts: int) -> TinkerbellRPCError:
    code = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN
    details = (exc.details() if hasattr(exc, "details") else None) or ""
    cls: type[TinkerbellRPCError] = TinkerbellRPCError
    if code == grpc.StatusCode.UNAVAILABLE:
        cls = TinkerbellUnavailableError
    elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
        cls = TinkerbellDeadlineError
    return cls(method, code, details, target, attempts)


# ---------------------------------------------------------------------------------------------------------------
# Typed values
# ---------------------------------------------------------------------------------------------------------------


class ActionState(enum.Enum):
    """State of a workflow or of one action (the proto's ``State``; values are Tinkerbell's names)."""

    PENDING = "STATE_PENDING"
    RUNNING = "STATE_RUNNING"
    FAILED = "STATE_FAILED"
    TIMEOUT = "STATE_TIMEOUT"
    SUCCESS = "STATE_SUCCESS"

    @classmethod
    def from_proto(cls, value: int) -> ActionState:
        """The state of a proto enum number."""
        return cls(pb.State.Name(value))

    def to_proto(self) -> int:
        """The proto enum number."""
        return int(pb.State.Value(self.value))

    @property
    def final(self) -> bool:
        """Failed, timed out or succeeded."""
        return self in (ActionState.FAILED, ActionState.TIMEOUT, ActionState.SUCCESS)


@attrs.frozen
class WorkflowContext:
    """Where a workflow's execution stands (``proto.WorkflowContext``).

    :ivar workflow_id: ``<namespace>/<name>`` of the Workflow object. :ivar current_action_index: counted over the
        actions of every task. :ivar current_action_state: the state of the current action.
    """

    workflow_id: str
    current_worker: str
    current_task: str
    current_action: str
    current_action_index: int
    current_action_state: ActionState
    total_number_of_actions: int

    @property
    def namespace(self) -> str:
        """The Workflow object's namespace."""
        return self.workflow_id.partition("/")[0] if "/" in self.workflow_id else ""

    @property
    def name(self) -> str:
        """The Workflow object's name."""
        return self.workflow_id.rpartition("/")[2]

    @classmethod
    def from_proto(cls, msg: Any) -> WorkflowContext:
        """Convert a ``proto.WorkflowContext`` message."""
        return cls(workflow_id=msg.workflow_id, current_worker=msg.current_worker, current_task=msg.current_task,
                   current_action=msg.current_action, current_action_index=int(msg.current_action_index),
                   current_action_state=ActionState.from_proto(msg.current_action_state),
                   total_number_of_actions=int(msg.total_number_of_actions))


@attrs.frozen
class WorkflowAction:
    """One action of a workflow (``proto.WorkflowAction``): an image run on the machine.

    :ivar timeout: seconds. :ivar environment: ``KEY=value`` entries as a mapping (an entry without ``=`` maps to
        an empty value).
    """

    task_name: str
    name: str
    image: str
    timeout: int
    worker_id: str = ""
    command: tuple[str, ...] = ()
    volumes: tuple[str, ...] = ()
    environment: Mapping[str, str] = attrs.field(factory=dict)
    pid: str = ""

    @classmethod
    def from_proto(cls, msg: Any) -> WorkflowAction:
        """Convert a ``proto.WorkflowAction`` message."""
        env: dict[str, str] = {}
        for entry in msg.environment:
            key, _, value = str(entry).partition("=")
            env[key] = value
        return cls(task_name=msg.task_name, name=msg.name, image=msg.image, timeout=int(msg.timeout),
                   worker_id=msg.worker_id, command=tuple(msg.command), volumes=tuple(msg.volumes), environment=env,
                   pid=msg.pid)


@attrs.frozen
class ActionStatusReport:
    """A worker's report on one action (``proto.WorkflowActionStatus``).

    :ivar seconds: how long the action ran. :ivar created_at: when it started (Unix seconds), ``None`` for now.
    """

    workflow_id: str
    task_name: str
    action_name: str
    state: ActionState
    worker_id: str = ""
    seconds: int = 0
    message: str = ""
    created_at: float | None = None

    def to_proto(self) -> Any:
        """The ``proto.WorkflowActionStatus`` message."""
        msg = pb.WorkflowActionStatus(workflow_id=self.workflow_id, task_name=self.task_name,
                                      action_name=self.action_name, action_status=self.state.value,
                                      seconds=self.seconds, message=self.message, worker_id=self.worker_id)
        msg.created_at.FromNanoseconds(int((self.created_at if self.created_at is not None else time.time()) * 1e9))
        return msg


# ---------------------------------------------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------------------------------------------


@attrs.frozen
class TLSOptions:
    """Dial tink-server with TLS.

    :ivar ca_file: PEM bundle of the CAs trusted for the server certificate (``None``: the system roots).
    :ivar cert_file / key_file: a client certificate and its key (both or neither).
    :ivar server_name: the name expected in the server certificate when it differs from the dialled host.
    """

    ca_file: Path | None = None
    cert_file: Path | None = None
    key_file: Path | None = None
    server_name: str | None = None

    def credentials(self) -> grpc.ChannelCredentials:
        """The channel credentials (files read now; a missing file is a :class:`TinkerbellError`)."""
        if (self.cert_file is None) != (self.key_file is None):
            raise TinkerbellError("TLS client certificate and key must be given together")

        def read(path: Path | None, what: str) -> bytes | None:
            if path is None:
                return None
            try:
                return Path(path).read_bytes()
            except OSError as exc:
                raise TinkerbellError(f"cannot read the TLS {what} {path}: {exc.strerror}") from None

        return grpc.ssl_channel_credentials(root_certificates=read(self.ca_file, "CA bundle"),
                                            private_key=read(self.key_file, "client key"),
                                            certificate_chain=read(self.cert_file, "client certificate"))


@attrs.frozen
class RetryPolicy:
    """Retries of a call answered ``UNAVAILABLE``: up to ``attempts`` tries, waiting ``initial`` seconds after the
    first failure, multiplied by ``multiplier`` each time, at most ``maximum``."""

    attempts: int = 5
    initial: float = 0.2
    multiplier: float = 2.0
    maximum: float = 5.0

    def delays(self) -> Iterator[float]:
        """The waits between tries (``attempts - 1`` of them)."""
        delay = self.initial
        for _ in range(max(self.attempts - 1, 0)):
            yield min(delay, self.maximum)
            delay *= self.multiplier


# ---------------------------------------------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------------------------------------------


class WorkflowContextStream:
    """The server stream of ``GetWorkflowContexts``: iterate for :class:`WorkflowContext` values; :meth:`cancel`
    (or leaving the ``with`` block) cancels the call, after which iteration stops without an error."""

    def __init__(self, client: TinkerbellClient, worker_id: str, timeout: float) -> None:
        self._client = client
        self._worker_id = worker_id
        self._timeout = timeout
        self._call: Any = None
        self._cancelled = threading.Event()
        self._lock = threading.Lock()

    @property
    def cancelled(self) -> bool:
        """Whether :meth:`cancel` was called."""
        return self._cancelled.is_set()

    def cancel(self) -> None:
        """Cancel the call (idempotent; safe from another thread)."""
        self._cancelled.set()
        with self._lock:
            if self._call is not None:
                self._call.cancel()

    def __enter__(self) -> WorkflowContextStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()

    def _start(self) -> Any:
        request = pb.WorkflowContextRequest(worker_id=self._worker_id)
        call = self._client._stub.GetWorkflowContexts(request, timeout=self._timeout,
                                                      metadata=self._client._metadata)
        with self._lock:
            self._call = call
            if self._cancelled.is_set():
                call.cancel()
        return call

    def __iter__(self) -> Iterator[WorkflowContext]:
        method = "GetWorkflowContexts"
        delays = self._client.retry.delays()
        attempts = 0
        received = False
        while True:
            if self._cancelled.is_set():
                return
            attempts += 1
            call = self._start()
            try:
                for message in call:
                    received = True
                    yield WorkflowContext.from_proto(message)
                return
            except grpc.RpcError as exc:
                if self._cancelled.is_set() or (exc.code() == grpc.StatusCode.CANCELLED and self._cancelled.is_set()):
                    return
                if exc.code() == grpc.StatusCode.UNAVAILABLE and not received:
                    delay = next(delays, None)
                    if delay is not None:
                        self._client._sleep(delay)
                        continue
                raise _error(method, exc, self._client.target, attempts) from None
            finally:
                if self._cancelled.is_set():
                    call.cancel()


class TinkerbellClient:
    """Client of tink-server's ``WorkflowService`` (see the module docstring).

    :param target: ``host:port`` of tink-server (EKS Anywhere: ``<tinkerbellIP>:42113``).
    :param timeout: the deadline of each call, in seconds (default :data:`DEFAULT_TIMEOUT`).
    :param tls: dial with TLS; ``None`` for plaintext.
    :param retry: the :class:`RetryPolicy` for ``UNAVAILABLE``.
    :param channel: an existing channel (the client then does not close it).
    :param sleep: how to wait between retries (tests pass their own).
    :param metadata: extra request metadata sent with every call.
    """

    def __init__(self, target: str, *, timeout: float = DEFAULT_TIMEOUT, tls: TLSOptions | None = None,
                 retry: RetryPolicy | None = None, channel: grpc.Channel | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 metadata: Sequence[tuple[str, str]] = ()) -> None:
        if timeout <= 0:
            raise TinkerbellError(f"the tink-server call timeout must be positive, got {timeout}")
        self.target = target
        self.timeout = float(timeout)
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._metadata = tuple(metadata) or None
        self._owns_channel = channel is None
        if channel is None:
            # reconnect as eagerly as the retry policy retries (gRPC's own default waits 1s, then longer)
            options: list[tuple[str, Any]] = [
                ("grpc.initial_reconnect_backoff_ms", max(int(self.retry.initial * 1000), 10)),
                ("grpc.min_reconnect_backoff_ms", max(int(self.retry.initial * 1000), 10)),
                ("grpc.max_reconnect_backoff_ms", max(int(self.retry.maximum * 1000), 10)),
            ]
            if tls is None:
                channel = grpc.insecure_channel(target, options=options)
            else:
                if tls.server_name:
                    options.append(("grpc.ssl_target_name_override", tls.server_name))
                channel = grpc.secure_channel(target, tls.credentials(), options=options)
        self._channel = channel
        self._stub = pb_grpc.WorkflowServiceStub(channel)

    def __enter__(self) -> TinkerbellClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the channel (when the client made it); open streams are cancelled."""
        if self._owns_channel:
            self._channel.close()

    def _unary(self, method: str, request: Any, timeout: float | None) -> Any:
        call = getattr(self._stub, method)
        delays = self.retry.delays()
        attempts = 0
        while True:
            attempts += 1
            try:
                return call(request, timeout=timeout or self.timeout, metadata=self._metadata)
            except grpc.RpcError as exc:
                if exc.code() == grpc.StatusCode.UNAVAILABLE:
                    delay = next(delays, None)
                    if delay is not None:
                        self._sleep(delay)
                        continue
                raise _error(method, exc, self.target, attempts) from None

    def workflow_contexts(self, worker_id: str, *, timeout: float | None = None) -> WorkflowContextStream:
        """``GetWorkflowContexts``: the workflows pending on or running on ``worker_id`` (a server stream; tink-server
        sends the current list and ends the stream). ``timeout`` bounds the whole stream."""
        if not worker_id:
            raise TinkerbellError("a worker id is required to read its workflow contexts")
        return WorkflowContextStream(self, worker_id, timeout or self.timeout)

    def workflow_actions(self, workflow_id: str, *, timeout: float | None = None) -> list[WorkflowAction]:
        """``GetWorkflowActions``: every action of the workflow ``<namespace>/<name>``, in order."""
        if not workflow_id:
            raise TinkerbellError("a workflow id (<namespace>/<name>) is required to read its actions")
        reply = self._unary("GetWorkflowActions", pb.WorkflowActionsRequest(workflow_id=workflow_id), timeout)
        return [WorkflowAction.from_proto(a) for a in reply.action_list]

    def report_action_status(self, report: ActionStatusReport, *, timeout: float | None = None) -> None:
        """``ReportActionStatus``: tell tink-server how an action went (what a worker does)."""
        self._unary("ReportActionStatus", report.to_proto(), timeout)

    def wait_ready(self, timeout: float) -> None:
        """Wait until the channel is connected (raises :class:`TinkerbellUnavailableError` after ``timeout``)."""
        try:
            grpc.channel_ready_future(self._channel).result(timeout=timeout)
        except grpc.FutureTimeoutError:
            raise TinkerbellUnavailableError("connect", grpc.StatusCode.UNAVAILABLE,
                                             f"not reachable within {timeout:g}s", self.target) from None
