"""Fixtures of the Kubernetes layer's tests (defined in :mod:`tests.kube.fixtures`, reusable elsewhere)."""

from __future__ import annotations

from .fixtures import fault_env, kube, kube_api_server, kube_env

__all__ = ["fault_env", "kube", "kube_api_server", "kube_env"]
