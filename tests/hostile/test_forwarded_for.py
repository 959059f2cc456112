"""Which address a request counts against behind a proxy (README, "The caller's address behind
a proxy"): `hongfan serve` leaves uvicorn's defaults, so `X-Forwarded-For` is believed only
from 127.0.0.1 / ::1 unless FORWARDED_ALLOW_IPS lists the proxy. Sign-in throttling and the
anonymous persisted-query quota count per that address."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from hongfan.cli import serve as serve_cli


def _served_config(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The uvicorn.Config `hongfan serve` runs with (the server itself is not started)."""
    import uvicorn

    captured: dict[str, Any] = {}

    def run(self: Any, sockets: Any = None) -> None:
        captured["config"] = self.config

    monkeypatch.setattr(uvicorn.Server, "run", run)
    sock = serve_cli.bind("127.0.0.1", 0)
    try:

        async def app(scope: Any, receive: Any, send: Any) -> None:
            captured["client"] = scope["client"]

        serve_cli.run_server(app, sock=sock, banner=lambda: None)
    finally:
        sock.close()
    config = captured["config"]
    config.load()
    captured["app"] = config.loaded_app
    return captured


def _address_seen(served: dict[str, Any], peer: str, forwarded_for: str) -> str:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/auth/login",
        "headers": [(b"x-forwarded-for", forwarded_for.encode())],
        "client": (peer, 40000),
        "scheme": "http",
    }
    asyncio.run(served["app"](scope, None, None))
    return str(served["client"][0])


def test_given_hongfan_serve_when_a_local_proxy_forwards_a_caller_then_the_callers_address_counts(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    served = _served_config(monkeypatch)
    assert _address_seen(served, "127.0.0.1", "203.0.113.7") == "203.0.113.7"
    assert _address_seen(served, "::1", "203.0.113.8") == "203.0.113.8"


def test_given_hongfan_serve_when_anyone_else_sends_x_forwarded_for_then_it_is_ignored(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    served = _served_config(monkeypatch)
    assert _address_seen(served, "198.51.100.20", "203.0.113.7") == "198.51.100.20"


def test_given_a_proxy_on_another_machine_listed_in_forwarded_allow_ips_then_its_callers_count(
    monkeypatch: pytest.MonkeyPatch,
):
    monkeypatch.setenv("FORWARDED_ALLOW_IPS", "10.0.0.5")
    served = _served_config(monkeypatch)
    assert _address_seen(served, "10.0.0.5", "203.0.113.7") == "203.0.113.7"
    assert _address_seen(served, "127.0.0.1", "203.0.113.9") == "127.0.0.1"
