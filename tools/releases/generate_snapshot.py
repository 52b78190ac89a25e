"""Regenerate eksa's bundled release snapshot (``eksa_core/data/releases/``).

The snapshot mirrors a current EKS Anywhere release for offline use (dry runs, tests, the fallback when the
network is unreachable). It is built from three inputs:

* the *shape* of EKS Anywhere's Bundles manifest: a Bundles file produced by EKS Anywhere's release tooling
  (``release/cli/pkg/operations/testdata/main-bundle-release.yaml`` of aws/eks-anywhere), given with
  ``--shape``. Only its structure and component versions are used: its digests, artifact URLs, registry and build
  suffixes are development placeholders and are dropped or rewritten to the public registries' naming;
* ``--component-versions``: the GIT_TAG of every project EKS Anywhere's build tooling pins; the generator checks
  that the versions it writes are these;
* ``eksd-releases.yaml`` beside this script: the EKS Distro release used for each Kubernetes minor version and
  its images (facts taken from EKS Distro's release notes).

Usage::

    python tools/releases/generate_snapshot.py --shape main-bundle-release.yaml \\
        --component-versions component-versions.yaml [--out eksa_core/data/releases]

Nothing is downloaded. Anything whose real value is not known (digests, artifact URLs, archive checksums, git
commits) is left out rather than made up.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
DEFAULT_OUT = REPO / "eksa_core" / "data" / "releases"

EKSA_VERSION = "v0.26.1"
"""The EKS Anywhere release the snapshot mirrors (its release notes list Kubernetes 1.30 to 1.36)."""
EKSA_RELEASE_DATE = "2026-08-13"
BUNDLE_NUMBER = 1
"""The snapshot's own bundle number (the published number of the mirrored release is not recorded here)."""

EKSA_REGISTRY = "public.ecr.aws/eks-anywhere"
EKSD_REGISTRY = "public.ecr.aws/eks-distro"
PLACEHOLDER_REGISTRY = "public.ecr.aws/release-container-registry"
PLACEHOLDER_BUILD = "-eks-a-v0.0.0-dev-build.1"
PLACEHOLDER_EKSA_VERSION = "v0.26.0"
"""The development version the shape's EKS Anywhere images carry."""

# Markers of placeholder values in the shape: a string containing one of them is dropped.
_PLACEHOLDERS = ("release-bucket", "<placeholder>", "0123456789abcdef", "v0.0.0-dev", "1970-01-01")
_FAKE_BUILD_METADATA = re.compile(r"\+abcdef1$")

# Versions of the shape checked against the build tooling's pins (bundle path -> project).
_PINNED = {
    ("clusterAPI", "version"): "kubernetes-sigs/cluster-api",
    ("bootstrap", "version"): "kubernetes-sigs/cluster-api",
    ("controlPlane", "version"): "kubernetes-sigs/cluster-api",
    ("docker", "version"): "kubernetes-sigs/cluster-api",
    ("vSphere", "version"): "kubernetes-sigs/cluster-api-provider-vsphere",
    ("nutanix", "version"): "nutanix-cloud-native/cluster-api-provider-nutanix",
    ("tinkerbell", "version"): "tinkerbell/cluster-api-provider-tinkerbell",
    ("snow", "version"): "aws/cluster-api-provider-aws-snow",
    ("certManager", "version"): "cert-manager/cert-manager",
    ("etcdadmBootstrap", "version"): "aws/etcdadm-bootstrap-provider",
    ("etcdadmController", "version"): "aws/etcdadm-controller",
    ("flux", "version"): "fluxcd/flux2",
    ("cilium", "version"): "cilium/cilium",
    ("kindnetd", "version"): "kubernetes-sigs/kind",
    ("packageController", "version"): "aws/eks-anywhere-packages",
}

# EKS Distro image names in the release notes -> (component, asset name) in an EKS-D Release manifest.
_EKSD_ASSETS = {
    "kube-apiserver": ("kubernetes", "kube-apiserver-image"),
    "kube-controller-manager": ("kubernetes", "kube-controller-manager-image"),
    "kube-scheduler": ("kubernetes", "kube-scheduler-image"),
    "kube-proxy": ("kubernetes", "kube-proxy-image"),
    "pause": ("kubernetes", "pause-image"),
    "go-runner": ("kubernetes", "go-runner-image"),
    "kube-proxy-base": ("kubernetes", "kube-proxy-base-image"),
    "etcd": ("etcd", "etcd-image"),
    "coredns": ("coredns", "coredns-image"),
    "aws-iam-authenticator": ("aws-iam-authenticator", "aws-iam-authenticator-image"),
}


class SnapshotError(Exception):
    """An input does not have the expected content."""


def _strip_version(value: str) -> str:
    return _FAKE_BUILD_METADATA.sub("", value)


def _rewrite_string(key: str, value: str, section: str) -> str | None:
    """The snapshot's value of a string of the shape, or ``None`` to leave the field out."""
    if key in ("imageDigest", "sha256", "sha512", "gitCommit"):
        return None  # digests and commits of the shape are placeholders; the real ones are not known here
    if key == "version":
        if section == "eksa":
            return EKSA_VERSION
        value = _strip_version(value)
    if value.startswith(PLACEHOLDER_REGISTRY + "/"):
        value = EKSA_REGISTRY + value[len(PLACEHOLDER_REGISTRY):]
        if section == "eksa":
            value = value.replace(f":{PLACEHOLDER_EKSA_VERSION}-", f":{EKSA_VERSION}-")
        value = value.replace(PLACEHOLDER_BUILD, f"-eks-a-{BUNDLE_NUMBER}")
    if any(marker in value for marker in _PLACEHOLDERS):
        return None
    return value


def _rewrite(node: Any, section: str, key: str = "") -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in node.items():
            new = _rewrite(v, section or k, k)
            if new is None or new == {}:
                if isinstance(v, dict) and v == {}:
                    out[k] = {}  # empty in the shape too (e.g. ami.bottlerocket): keep the key
                continue
            out[k] = new
        return out
    if isinstance(node, list):
        items = [_rewrite(v, section, key) for v in node]
        return [i for i in items if i is not None]
    if isinstance(node, str):
        return _rewrite_string(key, node, section)
    return node


def _eksd_manifest_name(branch: str, number: int) -> str:
    return f"kubernetes-{branch}-eks-{number}"


def versions_bundle(shape_vb: dict[str, Any], eksd: dict[str, Any]) -> dict[str, Any]:
    """One versions bundle of the snapshot from the shape's bundle of the same Kubernetes version."""
    vb: dict[str, Any] = {}
    for section, value in shape_vb.items():
        vb[section] = _rewrite(value, section, section)
    branch, number = eksd["branch"], eksd["number"]
    name = _eksd_manifest_name(branch, number)
    eksd_section = vb["eksD"]
    if eksd_section.get("channel") != branch or eksd_section.get("kubeVersion") != eksd["kubeVersion"]:
        raise SnapshotError(f"the shape's eksD of {vb['kubeVersion']} is {eksd_section.get('name')}, "
                            f"eksd-releases.yaml says {name}")
    eksd_section["name"] = name
    # the snapshot's EKS-D manifests sit beside the bundles (EKS Anywhere's embed:///config/ for air-gapped use)
    eksd_section["manifestUrl"] = f"embed:///config/{name}.yaml"
    vb["endOfStandardSupport"] = eksd["endOfStandardSupport"]
    return vb


def check_pins(vb: dict[str, Any], pins: dict[str, str]) -> None:
    """Every version of :data:`_PINNED` must be the build tooling's pinned version."""
    for (section, field), project in _PINNED.items():
        got = str(vb.get(section, {}).get(field, ""))
        want = str(pins[project])
        if got.lstrip("v") != want.lstrip("v"):
            raise SnapshotError(f"{section}.{field} of {vb['kubeVersion']} is {got}; {project} is pinned at {want}")


def eksd_release(eksd: dict[str, Any]) -> dict[str, Any]:
    """An EKS-D Release manifest with the components and images eksa reads (nothing made up)."""
    branch, number = eksd["branch"], eksd["number"]
    components: dict[str, dict[str, Any]] = {}
    for image in eksd["images"]:
        component, asset = _EKSD_ASSETS[image["name"]]
        if not image["uri"].startswith(EKSD_REGISTRY + "/"):
            raise SnapshotError(f"{image['uri']} is not in {EKSD_REGISTRY}")
        entry = components.setdefault(component, {"name": component, "assets": []})
        if image["name"] == component or (component == "kubernetes" and image["name"] == "kube-apiserver"):
            entry["gitTag"] = image["version"]
        entry["assets"].append({
            "name": asset,
            "type": "Image",
            "os": "linux",
            "arch": ["amd64", "arm64"],
            "description": f"{image['name']} container image",
            "image": {"uri": image["uri"]},
        })
    if components["kubernetes"].get("gitTag") != eksd["kubeVersion"]:
        raise SnapshotError(f"EKS-D {branch}-{number}: kube-apiserver is not {eksd['kubeVersion']}")
    return {
        "apiVersion": "distro.eks.amazonaws.com/v1alpha1",
        "kind": "Release",
        "metadata": {"name": _eksd_manifest_name(branch, number)},
        "spec": {"channel": branch, "number": number},
        "status": {"components": [components[k] for k in sorted(components)]},
    }


def release_manifest() -> dict[str, Any]:
    return {
        "apiVersion": "anywhere.eks.amazonaws.com/v1alpha1",
        "kind": "Release",
        "metadata": {"name": "release-snapshot"},
        "spec": {
            "latestVersion": EKSA_VERSION,
            "releases": [{
                "version": EKSA_VERSION,
                "number": BUNDLE_NUMBER,
                "date": EKSA_RELEASE_DATE,
                "gitTag": EKSA_VERSION,
                "bundleManifestUrl": "embed:///config/bundles.yaml",
            }],
        },
    }


def bundles(shape: dict[str, Any], eksd_releases: list[dict[str, Any]], pins: dict[str, str]) -> dict[str, Any]:
    by_minor = {r["branch"].replace("-", "."): r for r in eksd_releases}
    vbs = []
    for shape_vb in shape["spec"]["versionsBundles"]:
        minor = str(shape_vb["kubeVersion"])
        if minor not in by_minor:
            raise SnapshotError(f"no EKS-D release in eksd-releases.yaml for Kubernetes {minor}")
        vb = versions_bundle(shape_vb, by_minor[minor])
        check_pins(vb, pins)
        vbs.append(vb)
    missing = sorted(set(by_minor) - {str(v["kubeVersion"]) for v in vbs})
    if missing:
        raise SnapshotError(f"the shape has no versions bundle for {', '.join(missing)}")
    return {
        "apiVersion": "anywhere.eks.amazonaws.com/v1alpha1",
        "kind": "Bundles",
        "metadata": {"name": f"bundles-{BUNDLE_NUMBER}"},
        "spec": {
            "number": BUNDLE_NUMBER,
            "cliMinVersion": EKSA_VERSION,
            "cliMaxVersion": EKSA_VERSION,
            "versionsBundles": vbs,
        },
    }


def _dump(data: dict[str, Any], path: Path, header: str) -> None:
    text = yaml.safe_dump(data, sort_keys=True, width=120, default_flow_style=False)
    path.write_text(header + text, encoding="utf-8")


def _check_clean(out: Path) -> None:
    for path in sorted(out.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        for marker in (*_PLACEHOLDERS, PLACEHOLDER_REGISTRY, "abcdef1"):
            if marker in text:
                raise SnapshotError(f"{path.name} still contains the placeholder {marker!r}")


def generate(shape_path: Path, pins_path: Path, out: Path) -> list[Path]:
    """Write the snapshot into ``out`` (replacing its YAML files); returns the files written."""
    shape = yaml.safe_load(shape_path.read_text(encoding="utf-8"))
    pins = yaml.safe_load(pins_path.read_text(encoding="utf-8"))
    eksd_releases = yaml.safe_load((HERE / "eksd-releases.yaml").read_text(encoding="utf-8"))["releases"]
    if shape.get("kind") != "Bundles":
        raise SnapshotError(f"{shape_path} is not a Bundles manifest")
    header = (f"# eksa's bundled release snapshot (EKS Anywhere {EKSA_VERSION}); generated by "
              "tools/releases/generate_snapshot.py, see README.md\n")
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.yaml"):
        old.unlink()
    written = [out / "releases.yaml", out / "bundles.yaml"]
    _dump(release_manifest(), written[0], header)
    _dump(bundles(shape, eksd_releases, pins), written[1], header)
    for release in eksd_releases:
        path = out / f"{_eksd_manifest_name(release['branch'], release['number'])}.yaml"
        _dump(eksd_release(release), path, header)
        written.append(path)
    _check_clean(out)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shape", type=Path, required=True, help="an EKS Anywhere Bundles manifest (shape only)")
    parser.add_argument("--component-versions", type=Path, required=True,
                        help="project -> GIT_TAG pins of EKS Anywhere's build tooling")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        for path in generate(args.shape, args.component_versions, args.out):
            print(path)
    except (OSError, SnapshotError, yaml.YAMLError, KeyError) as exc:
        print(f"generate_snapshot: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
