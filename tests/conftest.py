"""Shared test set-up: the network is blocked, only loopback addresses can be contacted."""

from __future__ import annotations

import ipaddress
import socket
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings

# Two busy cores in CI make per-example deadlines flaky; the example counts stay as written.
hypothesis_settings.register_profile("policytrack", deadline=None, print_blob=True)
hypothesis_settings.load_profile("policytrack")

REPO = Path(__file__).resolve().parent.parent
REAL_FIXTURES = (REPO.parent / "shared" / "fixtures" / "real").resolve()


def _is_loopback(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX paths
        return True
    host = address[0] if isinstance(address, tuple) and address else None
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


class NetworkBlocked(RuntimeError):
    pass


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _guarded_connect(self: socket.socket, address: object):
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests may only contact loopback addresses, not {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object):
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests may only contact loopback addresses, not {address!r}")
    return _real_connect_ex(self, address)


# Installed at import, before any test module opens a connection; xdist workers import this too.
socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]


@pytest.fixture(scope="session")
def real_fixtures() -> Path:
    """The real recorded responses in ../shared/fixtures/real (see its SOURCES.md)."""
    if not REAL_FIXTURES.is_dir():
        pytest.fail(f"real fixtures missing: {REAL_FIXTURES} (shared/ must sit beside the checkout)")
    return REAL_FIXTURES
