"""``hongfan serve``: the API and the admin UI under uvicorn, one process.

The port is bound before anything is printed: a port in use is one line and exit status
1, and the banner appears only once the server accepts connections.
"""

from __future__ import annotations

import argparse
import errno
import gc
import socket
from collections.abc import Callable
from typing import Any

from hongfan.cli.common import CommandError, say
from hongfan.settings import Settings, describe_database


def _port(text: str) -> int:
    port = int(text)
    if not 0 < port < 65536:
        raise ValueError(text)
    return port


_port.__name__ = "port"  # argparse names the type in its error: "invalid port value: 'abc'"


def register(commands: Any) -> None:
    serve_ = commands.add_parser("serve", help="serve the API and the admin UI")
    serve_.add_argument(
        "--host", help="address to listen on (default: HONGFAN_HOST, else 127.0.0.1)"
    )
    serve_.add_argument("--port", type=_port, help="port (default: HONGFAN_PORT, else 8000)")
    serve_.set_defaults(handler=serve, names_database=True)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port``; CommandError when that is impossible."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise CommandError("cli.port_in_use", host=host, port=port) from error
        raise CommandError(
            "cli.cannot_listen", host=host, port=port, reason=error.strerror or str(error)
        ) from error
    sock.set_inheritable(True)
    return sock


def run_server(
    app: Any, *, sock: socket.socket, banner: Callable[[], None], **options: Any
) -> None:
    """Serve ``app`` on the bound socket ``sock``; call ``banner`` once it accepts connections.

    ``options`` go to ``uvicorn.Config`` (default ``log_level="info"``); bench/serve.py
    replaces this function to wrap the app and quieten the logs.
    """
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if not self.should_exit:
                banner()

    host, port = sock.getsockname()[:2]
    options.setdefault("log_level", "info")
    Server(uvicorn.Config(app, host=host, port=port, **options)).run(sockets=[sock])


def serve(settings: Settings, args: argparse.Namespace) -> int:
    from hongfan.app import create_app

    host = getattr(args, "host", None) or settings.host
    port = getattr(args, "port", None) or settings.port
    sock = bind(host, port)
    base = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    lines = [
        say(args, "cli.serving", base=base),
        say(args, "cli.serving_admin", base=base),
        say(args, "cli.serving_graphql", base=base),
        say(args, "cli.serving_health", base=base),
        say(args, "cli.serving_database", database=describe_database(settings.database_url)),
        say(args, "cli.serving_sign_in"),
    ]

    def banner() -> None:
        print("\n".join(lines), flush=True)

    try:
        app = create_app(settings)
        # The schema, models and app are built and live for the process: move them out of the
        # collector's sight, and collect young objects less often — per-request garbage is
        # short-lived, and full collections over the whole heap were a large share of request time.
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
        # SIGTERM: stop accepting, let the requests in flight finish for at most this long,
        # then the app's shutdown stops background jobs (hongfan.app lifespan)
        run_server(
            app, sock=sock, banner=banner, timeout_graceful_shutdown=settings.shutdown_seconds
        )
    finally:
        sock.close()
    return 0
