"""Semantic versions the way EKS Anywhere compares them (``pkg/semver``).

``v`` prefix optional; build metadata kept. :meth:`Semver.compare` orders by major/minor/patch only (EKS
Anywhere ignores the pre-release there); :meth:`Semver.compare_build_metadata` orders build identifiers one by
one (numbers below words, a longer list above its prefix).
"""

from __future__ import annotations

import re

import attrs

__all__ = ["Semver", "SemverError"]

_SEMVER = re.compile(
    r"^v?(?P<major>0|[1-9]\d*)\.(?P<minor>0|[1-9]\d*)\.(?P<patch>0|[1-9]\d*)"
    r"(?:-(?P<prerelease>(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(?:\+(?P<build>[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$"
)


class SemverError(ValueError):
    """Not a semantic version."""


def _compare_identifier(a: str, b: str) -> int:
    a_num, b_num = a.isdigit(), b.isdigit()
    if a_num and b_num:
        return (int(a) > int(b)) - (int(a) < int(b))
    if a_num != b_num:
        return -1 if a_num else 1
    # Two different words cannot be ordered; EKS Anywhere reports them as "different" (2), which its release
    # lookup treats like "greater".
    return 0 if a == b else 2


@attrs.frozen(order=False)
class Semver:
    """A parsed semantic version."""

    major: int
    minor: int
    patch: int
    prerelease: str = ""
    build_metadata: str = ""

    @classmethod
    def parse(cls, version: str) -> Semver:
        """Parse ``version``; raise :class:`SemverError` with EKS Anywhere's wording when it is not semver."""
        match = _SEMVER.match(version)
        if not match:
            raise SemverError(f"invalid major version in semver {version}")
        return cls(int(match["major"]), int(match["minor"]), int(match["patch"]), match["prerelease"] or "",
                   match["build"] or "")

    def same_patch(self, other: Semver) -> bool:
        """Same major, minor and patch."""
        return (self.major, self.minor, self.patch) == (other.major, other.minor, other.patch)

    def same_prerelease(self, other: Semver) -> bool:
        """Same major, minor, patch and pre-release."""
        return self.same_patch(other) and self.prerelease == other.prerelease

    def compare(self, other: Semver) -> int:
        """-1, 0 or 1 comparing major, minor and patch only."""
        a, b = (self.major, self.minor, self.patch), (other.major, other.minor, other.patch)
        return (a > b) - (a < b)

    def compare_build_metadata(self, other: Semver) -> int:
        """-1/0/1 ordering build metadata identifiers one by one; 2 when two words differ (no order)."""
        mine, theirs = self.build_metadata.split("."), other.build_metadata.split(".")
        for a, b in zip(mine, theirs):
            result = _compare_identifier(a, b)
            if result:
                return result
        return (len(mine) > len(theirs)) - (len(mine) < len(theirs))

    def __str__(self) -> str:
        out = f"v{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            out += f"-{self.prerelease}"
        if self.build_metadata:
            out += f"+{self.build_metadata}"
        return out
