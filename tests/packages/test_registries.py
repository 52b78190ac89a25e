"""The package controller's registries as EKS Anywhere derives them from the controller image, the region and the
registry mirror."""

from __future__ import annotations

from eksa_core.packages.manager import registries

IMAGE = "public.ecr.aws/eks-anywhere/eks-anywhere-packages:v0.4.5-eks-a-1"


def test_public_alias_and_regional_ecr() -> None:
    assert registries(IMAGE) == ("public.ecr.aws/eks-anywhere", "783794618700.dkr.ecr.us-west-2.amazonaws.com")
    assert registries(IMAGE, region="eu-west-1") == ("public.ecr.aws/eks-anywhere",
                                                     "783794618700.dkr.ecr.eu-west-1.amazonaws.com")


def test_registry_mirror_serves_the_alias() -> None:
    assert registries(IMAGE, registry_mirror="10.0.0.5:443") == (
        "10.0.0.5:443/eks-anywhere", "783794618700.dkr.ecr.us-west-2.amazonaws.com")
