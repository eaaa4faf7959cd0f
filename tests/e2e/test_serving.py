"""`streamlit run app.py` as `make run` starts it (no address flag, the repository's
`.streamlit/config.toml`) answers on localhost and on no other interface of the machine."""

from __future__ import annotations

import socket
import urllib.parse
from pathlib import Path

import pytest

from .conftest import REPO, serve

pytestmark = pytest.mark.e2e


def _outward_address() -> str | None:
    """This machine's address on the interface that reaches other hosts (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the route
        except OSError:
            return None
        address = str(sock.getsockname()[0])
    return None if address.startswith("127.") or address == "0.0.0.0" else address


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=3):
            return True
    except OSError:
        return False


def test_the_app_listens_on_localhost_only_by_default(empty_db: Path) -> None:
    outward = _outward_address()
    if outward is None:
        pytest.skip("this machine has no interface besides loopback")
    env = {"ALIGNMENT_DB": str(empty_db), "ALIGNMENT_NO_DEMO": "1"}
    with serve(REPO / "app.py", env, address=None) as url:
        port = urllib.parse.urlsplit(url).port
        assert port is not None
        assert _answers("127.0.0.1", port)
        assert not _answers(outward, port)
