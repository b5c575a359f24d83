import socket

import pytest


def test_public_address_is_refused():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(RuntimeError, match="only contact loopback"):
            s.connect(("93.184.215.14", 80))
        with pytest.raises(RuntimeError, match="only contact loopback"):
            s.connect_ex(("10.0.0.1", 80))
    finally:
        s.close()


def test_loopback_is_allowed():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.socket()
    try:
        client.connect(server.getsockname())
        conn, _ = server.accept()
        conn.close()
    finally:
        client.close()
        server.close()
