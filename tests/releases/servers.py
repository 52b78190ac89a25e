"""Release data served over real HTTP and HTTPS on 127.0.0.1, for the download tests.

* :func:`publish_release` lays out a release the way EKS Anywhere publishes one (``releases/eks-a/manifest.yaml``
  naming ``releases/bundles/<n>/manifest.yaml`` naming ``kubernetes-1-XX/kubernetes-1-XX-eks-N.yaml``), built from
  the release snapshot bundled with eksa, with relative references so it works under any server address.
* :class:`ReleaseServer` serves a folder with ``ETag`` / ``Last-Modified`` and answers conditional requests with
  ``304``; it records every request. Extra routes misbehave on purpose: corrupt YAML, oversized answers (with and
  without ``Content-Length``), a redirect loop, a redirect chain, an answer that stops half-way.
* :class:`SilentServer` accepts connections and never answers (a "slow" server that is slow for ever, so a test
  with a tiny read timeout is deterministic).
* :func:`make_tls_files` generates a CA and a server certificate for 127.0.0.1 with ``cryptography``.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import http.server
import socket
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from eksa_core.releases import BUNDLED_RELEASE_MANIFEST, base_of, load_bundles, load_release_manifest, resolve_location

MANIFEST_PATH = "releases/eks-a/manifest.yaml"


def _dump(data: dict[str, Any], path: Path) -> None:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(data, out)


def publish_release(root: Path, snapshot: Path = BUNDLED_RELEASE_MANIFEST) -> dict[str, list[str]]:
    """Write the release of ``snapshot`` under ``root`` as EKS Anywhere publishes it; return the paths written
    by kind (``manifest``, ``bundles``, ``eksd``), relative to ``root``."""
    manifest = load_release_manifest(snapshot)
    raw = manifest.raw
    assert raw is not None
    written: dict[str, list[str]] = {"manifest": [MANIFEST_PATH], "bundles": [], "eksd": []}
    for i, (release, raw_release) in enumerate(zip(manifest.spec.releases, raw["spec"]["releases"], strict=True)):
        bundles = load_bundles(release.bundle_manifest_url, relative_to=base_of(manifest))
        bundles_raw = bundles.raw
        assert bundles_raw is not None
        for vb, raw_vb in zip(bundles.spec.versions_bundles, bundles_raw["spec"]["versionsBundles"], strict=True):
            url = vb.eks_d.manifest_url
            if not url:
                continue
            local = resolve_location(url, relative_to=base_of(bundles))
            if not isinstance(local, Path) or not local.is_file():
                continue  # no EKS-D file beside the snapshot for this version: leave its reference alone
            target = f"kubernetes-{vb.eks_d.channel}/{local.name}"
            (root / target).parent.mkdir(parents=True, exist_ok=True)
            (root / target).write_bytes(local.read_bytes())
            raw_vb["eksD"]["manifestUrl"] = "../../../" + target  # relative to the bundles manifest
            written["eksd"].append(target)
        number = bundles.spec.number or i + 1
        bundles_path = f"releases/bundles/{number}/manifest.yaml"
        _dump(bundles_raw, root / bundles_path)
        raw_release["bundleManifestUrl"] = f"../bundles/{number}/manifest.yaml"  # relative to the manifest
        written["bundles"].append(bundles_path)
    _dump(raw, root / MANIFEST_PATH)
    return written


class Request:
    """What the server saw (``status`` is 0 until the answer starts)."""

    def __init__(self, path: str, headers: dict[str, str], status: int) -> None:
        self.path = path
        self.headers = headers
        self.status = status


class ReleaseServer:
    """A threaded HTTP(S) server on 127.0.0.1 serving ``root``, with misbehaving routes (see the module)."""

    OVERSIZE = 2 * 1024 * 1024

    def __init__(self, root: Path, *, tls: tuple[Path, Path] | None = None) -> None:
        self.root = root
        self.requests: list[Request] = []
        self.release = threading.Event()  # set at stop: the half-way answer may finish
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                # recorded before answering, its status set before the answer is sent: a client that has its
                # answer always finds the request recorded
                self.record = Request(self.path, dict(self.headers.items()), 0)  # type: ignore[attr-defined]
                server.requests.append(self.record)  # type: ignore[attr-defined]
                server._answer(self)

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: object, client_address: object) -> None:
                pass  # clients that stop reading early (size limits, timeouts) break the pipe: expected

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.scheme = "http"
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            self.scheme = "https"
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        self.running = True

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    def seen(self, path: str) -> list[Request]:
        """Requests of ``path``."""
        return [r for r in self.requests if r.path == path]

    def stop(self) -> None:
        """Stop serving and keep the port taken by a socket that does not listen: connections are refused."""
        if not self.running:
            return
        self.running = False
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=30)
        self.holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.holder.bind(("127.0.0.1", self.port))

    def close(self) -> None:
        self.stop()
        self.holder.close()

    # -- answers -------------------------------------------------------------------------------------------------

    def _send(self, h: http.server.BaseHTTPRequestHandler, status: int, body: bytes = b"",
              headers: dict[str, str] | None = None) -> int:
        h.record.status = status  # type: ignore[attr-defined]
        h.send_response(status)
        h.send_header("Connection", "close")  # no keep-alive: a stopped server answers nobody
        for key, value in (headers or {}).items():
            h.send_header(key, value)
        if "Content-Length" not in (headers or {}):
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if body:
            h.wfile.write(body)
        return status

    def _answer(self, h: http.server.BaseHTTPRequestHandler) -> int:
        path = h.path.split("?", 1)[0]
        special: dict[str, Callable[[http.server.BaseHTTPRequestHandler], int]] = {
            "/corrupt.yaml": lambda h: self._send(h, 200, b"apiVersion: anywhere.eks.amazonaws.com/v1alpha1\n"
                                                          b"kind: Release\nspec: [unclosed\n"),
            "/binary.yaml": lambda h: self._send(h, 200, b"\xff\xfe\x00garbage"),
            "/big.yaml": lambda h: self._send(h, 200, b"x" * self.OVERSIZE),
            "/big-chunked.yaml": self._chunked_big,
            "/loop-a": lambda h: self._send(h, 302, headers={"Location": "/loop-b"}),
            "/loop-b": lambda h: self._send(h, 302, headers={"Location": f"{self.url}/loop-a"}),
            "/half.yaml": self._half,
            "/to-http": lambda h: self._send(h, 301, headers={"Location": "http://127.0.0.1:1/manifest.yaml"}),
        }
        if path in special:
            return special[path](h)
        if path.startswith("/hop/"):  # /hop/N redirects to /hop/N-1 ... /hop/0 redirects to the release manifest
            n = int(path.rsplit("/", 1)[1])
            target = f"/hop/{n - 1}" if n > 0 else f"/{MANIFEST_PATH}"
            return self._send(h, 302, headers={"Location": target})
        return self._file(h, path)

    def _file(self, h: http.server.BaseHTTPRequestHandler, path: str) -> int:
        target = (self.root / path.lstrip("/")).resolve()
        if self.root.resolve() not in target.parents or not target.is_file():
            return self._send(h, 404, b"not found\n")
        body = target.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        modified = email.utils.format_datetime(
            dt.datetime.fromtimestamp(int(target.stat().st_mtime), dt.UTC), usegmt=True)
        headers = {"ETag": etag, "Last-Modified": modified, "Content-Type": "application/yaml"}
        match = h.headers.get("If-None-Match")
        if match == etag or (match is None and h.headers.get("If-Modified-Since") == modified):
            return self._send(h, 304, headers={"ETag": etag, "Content-Length": "0"})
        return self._send(h, 200, body, headers)

    def _chunked_big(self, h: http.server.BaseHTTPRequestHandler) -> int:
        h.record.status = 200  # type: ignore[attr-defined]
        h.send_response(200)
        h.send_header("Connection", "close")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        chunk = b"y" * 65536
        try:
            for _ in range(self.OVERSIZE // len(chunk) + 2):
                h.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            h.wfile.write(b"0\r\n\r\n")
        except OSError:
            pass  # the client stopped reading at its limit
        return 200

    def _half(self, h: http.server.BaseHTTPRequestHandler) -> int:
        h.record.status = 200  # type: ignore[attr-defined]
        h.send_response(200)
        h.send_header("Connection", "close")
        h.send_header("Content-Length", "1000")
        h.end_headers()
        h.wfile.write(b"apiVersion: anywhere.eks.amazonaws.com/v1alpha1\n")
        h.wfile.flush()
        self.release.wait(60)  # never sends the rest while the test runs
        return 200


class SilentServer:
    """Listens on 127.0.0.1 and never accepts nor answers: every request waits until its read timeout."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def close(self) -> None:
        self.sock.close()


def make_tls_files(folder: Path) -> tuple[Path, Path, Path]:
    """A new CA and a certificate for ``127.0.0.1`` / ``localhost`` signed by it: ``(ca.pem, cert.pem, key.pem)``."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "eksa test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=7))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False),
                         critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                                                        x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    folder.mkdir(parents=True, exist_ok=True)
    paths = (folder / "ca.pem", folder / "cert.pem", folder / "key.pem")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    paths[2].chmod(0o600)
    return paths
