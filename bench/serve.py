"""Serve an app under uvicorn for the bench, with counters: ``python -m bench.serve --port N``.

``--app hongfan`` (default) starts the app the way ``hongfan serve`` does (its own
code in hongfan/cli/serve.py, so its process tuning applies; ``--plain`` builds
``hongfan.app.create_app()`` directly) from the usual ``HONGFAN_*`` environment,
without access logs, and counts, on its engine, every SQL statement
(``before_cursor_execute``), transaction begin/commit/rollback and pre-ping.
``--app baseline`` serves :mod:`bench.baseline` (``BENCH_PG_DSN``).

Either way ``GET /__bench/stats`` answers the counters, the process id and the
garbage collector's collection counts; nothing else of the app changes.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
from typing import Any

import uvicorn

STATS_PATH = "/__bench/stats"


class Counters:
    def __init__(self) -> None:
        self.values = {"statements": 0, "begins": 0, "commits": 0, "rollbacks": 0, "pings": 0}
        self.fastlane: Any = None  # graph.fastlane.FastLane: its statements bypass SQLAlchemy

    def bump(self, key: str) -> None:
        self.values[key] += 1

    def snapshot(self) -> dict[str, Any]:
        values = dict(self.values)
        if self.fastlane is not None:
            values["statements"] += self.fastlane.statements
            values["fastlane_hits"] = self.fastlane.hits
        return {
            **values,
            "pid": os.getpid(),
            "gc_collections": [s["collections"] for s in gc.get_stats()],
        }


def instrument_engine(engine: Any, counters: Counters) -> None:
    """Count what the app sends to the database through ``engine`` (an AsyncEngine)."""
    from sqlalchemy import event

    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _statement(*_args: Any) -> None:
        counters.bump("statements")

    def _on_wire(connection: Any) -> bool:
        """Whether BEGIN/COMMIT/ROLLBACK reach the database: not on an AUTOCOMMIT connection
        (SQLAlchemy still fires the events; the driver sends nothing)."""
        return bool(connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT")

    @event.listens_for(sync_engine, "begin")
    def _begin(connection: Any) -> None:
        if _on_wire(connection):
            counters.bump("begins")

    @event.listens_for(sync_engine, "commit")
    def _commit(connection: Any) -> None:
        if _on_wire(connection):
            counters.bump("commits")

    @event.listens_for(sync_engine, "rollback")
    def _rollback(connection: Any) -> None:
        if _on_wire(connection):
            counters.bump("rollbacks")

    dialect = sync_engine.dialect
    do_ping = dialect.do_ping

    def counting_ping(dbapi_connection: Any) -> Any:
        counters.bump("pings")
        return do_ping(dbapi_connection)

    dialect.do_ping = counting_ping


class WithStats:
    """ASGI wrapper: ``GET /__bench/stats`` → the counters; everything else → the app."""

    def __init__(self, app: Any, counters: Counters) -> None:
        self.app = app
        self.counters = counters

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == STATS_PATH:
            body = json.dumps(self.counters.snapshot()).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


def hongfan_app() -> tuple[Any, Counters]:
    from hongfan.app import create_app

    app = create_app()
    counters = Counters()
    for engine in app.state.db.engines:  # reads and, on PostgreSQL, writes
        instrument_engine(engine, counters)
    counters.fastlane = app.state.fastlane
    return app, counters


def build(kind: str) -> Any:
    counters: Any  # bench.baseline's or ours: both count the same things
    if kind == "baseline":
        from bench.baseline import create_app as baseline_app

        app, counters = baseline_app(os.environ["BENCH_PG_DSN"])
    else:
        app, counters = hongfan_app()
    return WithStats(app, counters)


UVICORN = {"log_level": "warning", "access_log": False, "lifespan": "on", "timeout_keep_alive": 30}


def serve_as_hongfan_serves(port: int) -> bool:
    """Start the app through ``hongfan serve``'s own code, so its process tuning (e.g. the
    collector settings in hongfan/cli/serve.py) applies; only its ``run_server`` is wrapped, to
    add the counters and serve without access logs. False when that code is missing."""
    try:
        from hongfan import cli
        from hongfan.cli import serve as serve_module
    except ImportError:
        return False
    serve = getattr(cli, "_serve", None)
    real_run = getattr(serve_module, "run_server", None)
    if serve is None or real_run is None:
        return False
    from hongfan.settings import Settings

    def run(app: Any, **kwargs: Any) -> None:
        counters = Counters()
        for engine in app.state.db.engines:  # reads and, on PostgreSQL, writes
            instrument_engine(engine, counters)
        counters.fastlane = app.state.fastlane
        real_run(WithStats(app, counters), sock=kwargs["sock"], banner=kwargs["banner"], **UVICORN)

    serve_module.run_server = run
    try:
        serve(Settings.from_env(), argparse.Namespace(host="127.0.0.1", port=port))
    finally:
        serve_module.run_server = real_run
    return True


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.serve")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--app", choices=("hongfan", "baseline"), default="hongfan")
    parser.add_argument(
        "--plain",
        action="store_true",
        help="build the app with create_app() directly instead of through `hongfan serve`",
    )
    args = parser.parse_args()
    if args.app == "hongfan" and not args.plain and serve_as_hongfan_serves(args.port):
        return
    uvicorn.run(build(args.app), host="127.0.0.1", port=args.port, **UVICORN)  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
