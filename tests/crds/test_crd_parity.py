"""Parity of the generated CRDs with EKS Anywhere's own (``config/crd/bases`` of the ``github.com/aws/eks-anywhere``
Go module at the release the bundled snapshot is of): every field EKS Anywhere has is here, under the same wire
name, with the same type.

The module is read from its Go module download (like every CRD of :mod:`eksa_core.testing.crds`). Where the module
proxy does not serve it the test is skipped with the proxy's answer (in CI, ``CI=true``, it fails): that is a
missing input, not a pass.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from eksa_core.crds import generate_crds, schema_differences
from eksa_core.plugins import default_plugins
from eksa_core.testing.controlplane import ControlPlaneUnavailable
from eksa_core.testing.crds import EKSA_MODULE, EKSA_VERSION, CrdSourceError, module_dir
from eksa_core.testing.pytest_plugin import in_ci

EKSA_CRD_DIR = "config/crd/bases"


def _eksa_crds() -> dict[str, dict[str, Any]]:
    try:
        root = module_dir(EKSA_MODULE, EKSA_VERSION)
    except (CrdSourceError, ControlPlaneUnavailable) as exc:
        if in_ci():  # CI has Go and the module proxy: a missing input there is a failure, never a skip
            pytest.fail(f"EKS Anywhere's CRDs cannot be read: {exc} (CI=true)", pytrace=False)
        pytest.skip(f"EKS Anywhere's CRDs cannot be read here: {exc}")
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((root / EKSA_CRD_DIR).glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                out[doc["spec"]["names"]["kind"]] = doc
    return out


def _v1alpha1(crd: dict[str, Any]) -> dict[str, Any]:
    for version in crd["spec"]["versions"]:
        if version["name"] == "v1alpha1":
            schema: dict[str, Any] = version["schema"]["openAPIV3Schema"]
            return schema
    raise AssertionError(f"{crd['metadata']['name']} serves no v1alpha1")


def test_every_field_of_eksa_crds_is_in_the_generated_crd_of_the_same_kind() -> None:
    theirs = _eksa_crds()
    ours = {c["spec"]["names"]["kind"]: c for c in generate_crds(default_plugins())}
    compared = sorted(set(theirs) & set(ours))
    assert "Cluster" in compared, f"EKS Anywhere's module has no Cluster CRD? kinds: {sorted(theirs)}"
    problems: list[str] = []
    for kind in compared:
        if theirs[kind]["metadata"]["name"] != ours[kind]["metadata"]["name"]:
            problems.append(f"{kind}: named {theirs[kind]['metadata']['name']} there, {ours[kind]['metadata']['name']}")
        reference = _v1alpha1(theirs[kind])
        mine = _v1alpha1(ours[kind])
        for part in ("spec", "status"):
            if part in (reference.get("properties") or {}):
                problems += [
                    f"{kind} {part}.{d}"
                    for d in schema_differences(reference["properties"][part], mine["properties"].get(part, {}))
                ]
    assert not problems, "\n".join(problems)
