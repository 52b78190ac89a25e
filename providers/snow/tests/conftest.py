"""Shared fixtures of the Snow provider tests."""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from eksa_core.plugins import Plugins
from eksa_core.testing import conformance_dir


@pytest.fixture
def conformance() -> Path:
    path = conformance_dir(__file__)
    if path is None:
        pytest.skip("conformance fixtures not found (set EKSA_CONFORMANCE_DIR)")
    return path


@pytest.fixture
def plugins() -> Plugins:
    from eksa_snow import plugin

    p = Plugins()
    p.register(plugin, name="eksa-provider-snow")
    return p


# -- live validation: a moto server as the devices' EC2 endpoint, a double for the device API --------------------

from snow_devices import DEVICE_KEYS  # noqa: E402  (re-exported for fixtures)


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_serving(proc: Any, url: str, attempts: int = 300) -> bool:
    """Bounded wait for the server to answer (at most ``attempts`` tries, each a short connect timeout)."""
    import requests

    for _ in range(attempts):
        if proc.poll() is not None:
            return False
        try:
            requests.get(f"{url}/moto-api/", timeout=0.2)
            return True
        except requests.RequestException:
            threading.Event().wait(0.05)
    return False


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """A ``moto_server`` on 127.0.0.1 (skipped, with the reason, when moto[server] cannot run here)."""
    try:
        import flask  # noqa: F401  (moto's server needs it)
        import moto.server  # noqa: F401
    except ImportError as exc:
        pytest.skip(f"moto[server] cannot be imported ({exc}); install it with pip install -e 'providers/snow[test]'")
    command = [shutil.which("moto_server") or "", "-H", "127.0.0.1"]
    if not command[0]:
        command = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1"]
    for _ in range(3):  # a port taken between choosing and binding: try another
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([*command, "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if _wait_until_serving(proc, url):
            try:
                yield url
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    proc.kill()
            return
        proc.kill()
        proc.wait()
    pytest.skip("moto_server did not start on 127.0.0.1")


@pytest.fixture
def moto(moto_server: str) -> str:
    """The moto server, reset to an empty state for this test."""
    import requests

    requests.post(f"{moto_server}/moto-api/reset", timeout=10).raise_for_status()
    return moto_server


@pytest.fixture
def device_api() -> Iterator[Any]:
    """SnowDeviceAPIDouble knowing both devices (unlocked, software 102, no admin instance)."""
    from device_api_double import DeviceState, SnowDeviceAPIDouble

    double = SnowDeviceAPIDouble(devices={
        ak: DeviceState(secret_key=sk, device_id=f"JID-{ip}") for ip, (ak, sk, _region) in DEVICE_KEYS.items()
    }).start()
    try:
        yield double
    finally:
        double.stop()


@pytest.fixture
def snow_env(tmp_path: Path) -> dict[str, str]:
    """``EKSA_AWS_CREDENTIALS_FILE`` / ``EKSA_AWS_CA_BUNDLES_FILE`` naming files of both devices."""
    creds = tmp_path / "credentials"
    creds.write_text("".join(f"[{ip}]\naws_access_key_id = {ak}\naws_secret_access_key = {sk}\nregion = {region}\n\n"
                             for ip, (ak, sk, region) in DEVICE_KEYS.items()))
    ca = tmp_path / "ca-bundles"
    ca.write_text("-----BEGIN CERTIFICATE-----\nMIIBdouble\n-----END CERTIFICATE-----\n")
    return {"EKSA_AWS_CREDENTIALS_FILE": str(creds), "EKSA_AWS_CA_BUNDLES_FILE": str(ca)}


@pytest.fixture
def snow_settings(moto: str, device_api: Any) -> Any:
    """SnowSettings pointing EC2 at moto, the device API and IMDS at the double (regions from the profiles)."""
    from eksa_snow.live import SnowSettings

    return SnowSettings(ec2_endpoint=moto, device_endpoint=device_api.url, imds_endpoint=device_api.url,
                        verify=False, timeout=10.0)


@pytest.fixture
def ec2(moto: str) -> Callable[[str], Any]:
    """``ip -> boto3 EC2 client`` of a device, straight to moto (to arrange and inspect its state)."""
    import boto3

    def client(ip: str) -> Any:
        ak, sk, region = DEVICE_KEYS[ip]
        return boto3.client("ec2", endpoint_url=moto, region_name=region, aws_access_key_id=ak,
                            aws_secret_access_key=sk)

    return client
