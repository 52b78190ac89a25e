"""The fault-injection API server's former name still imports, with a deprecation warning naming the new one."""

from __future__ import annotations

import pytest

from eksa_core.testing import apiserver_double


def test_old_name_is_a_deprecated_alias() -> None:
    with pytest.warns(DeprecationWarning, match="use FaultInjectionAPIServer"):
        old = apiserver_double.KubeAPIServerDouble
    assert old is apiserver_double.FaultInjectionAPIServer
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        apiserver_double.Nothing  # noqa: B018
