"""The Snow devices the tests pretend to have (shared by the conftest fixtures and the tests)."""

from __future__ import annotations

DEVICE_1 = "192.168.1.10"
DEVICE_2 = "192.168.1.11"
DEVICE_KEYS = {
    DEVICE_1: ("AKIDDEVICE1EXAMPLE", "device-1-secret-key-not-real", "us-east-1"),
    DEVICE_2: ("AKIDDEVICE2EXAMPLE", "device-2-secret-key-not-real", "us-west-2"),
}
"""Two devices; each profile has its own real AWS region so moto keeps a separate EC2 state per device."""
