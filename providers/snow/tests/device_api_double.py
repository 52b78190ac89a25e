"""SnowDeviceAPIDouble: a tiny local HTTP server speaking the Snowball device API and the instance metadata
service, for the parts of a Snow device moto does not implement.

Device API: AWS JSON 1.1 POSTs to ``/`` with ``X-Amz-Target: SnowballDevice.DescribeDevice`` or
``SnowballDevice.DescribeDeviceSoftware``. Each request's SigV4 signature is recomputed with the secret key of the
access key it names; a bad or missing signature is a 403 ``InvalidSignatureException``. The device answering is
the one whose access key signed the request, so one server stands for many devices.

IMDS: ``PUT /latest/api/token`` then ``GET /latest/meta-data/local-ipv4`` with the token header.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs

_AUTH = re.compile(r"AWS4-HMAC-SHA256 Credential=(?P<ak>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)"
                   r"/aws4_request, SignedHeaders=(?P<signed>[^,]+), Signature=(?P<sig>[0-9a-f]+)")


@attrs.define
class DeviceState:
    """What the double says about one device."""

    secret_key: str
    device_id: str = "JID-double"
    unlock_state: str = "UNLOCKED"
    software_version: str = "102"


@attrs.define
class SnowDeviceAPIDouble:
    """The server: ``devices`` by access key id; ``admin_ip`` is what IMDS answers (``None``: 404)."""

    devices: dict[str, DeviceState] = attrs.field(factory=dict)
    admin_ip: str | None = None
    requests: list[dict[str, Any]] = attrs.field(factory=list)
    rejected: int = 0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> SnowDeviceAPIDouble:
        """Serve on an ephemeral port of 127.0.0.1 in a thread."""
        double = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, payload: Any, content_type: str = "application/x-amz-json-1.1") -> None:
                body = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_PUT(self) -> None:
                if self.path == "/latest/api/token":
                    self._send(200, "imds-token-double", "text/plain")
                else:
                    self._send(404, "", "text/plain")

            def do_GET(self) -> None:
                if self.path != "/latest/meta-data/local-ipv4" or double.admin_ip is None:
                    self._send(404, "", "text/plain")
                elif self.headers.get("X-aws-ec2-metadata-token") != "imds-token-double":
                    self._send(401, "", "text/plain")
                else:
                    self._send(200, double.admin_ip, "text/plain")

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                state = double._authenticate(self.command, self.path, dict(self.headers.items()), body)
                if state is None:
                    double.rejected += 1
                    self._send(403, {"__type": "InvalidSignatureException", "message": "signature mismatch"})
                    return
                target = self.headers.get("X-Amz-Target", "")
                double.requests.append({"target": target, "device": state.device_id})
                if target == "SnowballDevice.DescribeDevice":
                    self._send(200, {"DeviceId": state.device_id, "UnlockStatus": {"State": state.unlock_state}})
                elif target == "SnowballDevice.DescribeDeviceSoftware":
                    self._send(200, {"InstalledVersion": state.software_version, "InstallState": "NA"})
                else:
                    self._send(400, {"__type": "UnknownOperationException", "message": target})

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _authenticate(self, method: str, path: str, headers: dict[str, str], body: bytes) -> DeviceState | None:
        """The device whose secret key reproduces the request's SigV4 signature, else ``None``."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest
        from botocore.credentials import Credentials

        lower = {k.lower(): v for k, v in headers.items()}
        m = _AUTH.fullmatch(lower.get("authorization", ""))
        if m is None or m["service"] != "snowballdevice":
            return None
        state = self.devices.get(m["ak"])
        if state is None:
            return None
        signed = m["signed"].split(";")
        req = AWSRequest(method=method, url=f"http://{lower.get('host', '')}{path}", data=body,
                         headers={h: lower[h] for h in signed if h != "host" and h in lower})
        req.context["timestamp"] = lower.get("x-amz-date", "")
        signer = SigV4Auth(Credentials(m["ak"], state.secret_key), m["service"], m["region"])
        expected = signer.signature(signer.string_to_sign(req, signer.canonical_request(req)), req)
        return state if expected == m["sig"] else None
