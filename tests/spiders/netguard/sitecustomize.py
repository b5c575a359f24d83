"""Put on PYTHONPATH of child processes started by the spider tests (crawls run in a child
process): the same guard as tests/conftest.py, so a crawl under test can only reach loopback."""

import ipaddress
import socket

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _loopback(address):
    if isinstance(address, (str, bytes)):
        return True
    host = address[0] if isinstance(address, tuple) and address else None
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except (TypeError, ValueError):
        return False


def _connect(self, address):
    if not _loopback(address):
        raise OSError(f"tests may only contact loopback addresses, not {address!r}")
    return _real_connect(self, address)


def _connect_ex(self, address):
    if not _loopback(address):
        raise OSError(f"tests may only contact loopback addresses, not {address!r}")
    return _real_connect_ex(self, address)


socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex
