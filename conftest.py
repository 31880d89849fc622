"""Guard rails for every test in the repository: the product's (tests/) and the Clover
emulator's own (clover_emulator/tests/). The fixture ladder lives in tests/conftest.py."""

import socket

import pytest

_ALLOWED_HOSTS = {"127.0.0.1", "::1", "localhost", "0.0.0.0"}  # noqa: S104


@pytest.fixture(scope="session", autouse=True)
def _no_outbound_connections():
    """A test that opens a connection off this machine fails: Clover is the emulator here."""
    real_connect = socket.socket.connect

    def guarded(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            host = address[0]
            if host not in _ALLOWED_HOSTS and not str(host).startswith("127."):
                raise AssertionError(f"test tried to connect off this machine: {address!r}")
        return real_connect(sock, address)

    socket.socket.connect = guarded
    yield
    socket.socket.connect = real_connect
