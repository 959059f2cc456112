"""``python -m bench.compare --size 100k --rounds 4 before=/tmp/old after=.``: one scenario,
servers from several checkouts, against one bench database, in alternating rounds.

Each ``NAME=DIR[,VAR=VALUE…]`` is a checkout whose code serves (``python -m bench.serve``
with ``DIR`` first on ``PYTHONPATH``, run in ``DIR``); the rounds alternate them, so a busy
moment on the machine falls on all of them alike. Prints each round's operations per
second, p99, app and PostgreSQL CPU per operation and statements per operation, then each
checkout's median. This is how a change is measured against the code before it (#16.6:
writes, ``--scenario e``) when the machine is too noisy for runs taken apart to compare.

An older checkout serves the database as it is, at this checkout's migration head: copy
the newer migration files (``migrations/versions``, ``migrations/frozen``) into it, and
the database's key files (``hongfan-<database>.keys.json``, ``.secret``) beside it, so it
accepts the database and reads its sealed columns::

    git worktree add /tmp/old 7244096
    cp -n migrations/versions/*.py /tmp/old/migrations/versions/
    cp -n migrations/frozen/*.py /tmp/old/migrations/frozen/
    cp hongfan-hongfan_bench_100k.* /tmp/old/
    .venv/bin/python -m bench.compare --size 100k --scenario e before=/tmp/old after=.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
from pathlib import Path
from typing import Any

from bench import app_url
from bench import generate as gen
from bench.load import Server, free_port, measure
from bench.scenarios import BY_KEY, prepare_facts


def _server(name: str, spec: str, size: str) -> Server:
    directory, *settings = spec.split(",")
    path = Path(directory).resolve()
    env = {
        **os.environ,
        "HONGFAN_DATABASE_URL": app_url(size, "postgresql"),
        "HONGFAN_ENV": "development",
        "HONGFAN_GRAPHIQL": "0",
        "PYTHONPATH": str(path),
        **dict(setting.split("=", 1) for setting in settings),
    }
    port = free_port()
    argv = [sys.executable, "-m", "bench.serve", "--port", str(port)]
    return Server(name, argv, env, port, "/readyz", cwd=path, log=Path(f"/tmp/bench-{name}.log"))


async def _compare(args: argparse.Namespace) -> dict[str, list[dict[str, Any]]]:
    generated = gen.load_facts(args.size, "postgresql")
    if generated is None:
        raise SystemExit(
            f"no {args.size} bench database: python -m bench generate --size {args.size}"
        )
    facts = await prepare_facts(args.size, "postgresql", generated)
    op = BY_KEY[args.scenario].hongfan(facts)
    systems = [spec.split("=", 1) for spec in args.checkouts]
    results: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in systems}
    for round_ in range(args.rounds):
        for name, spec in systems:
            server = _server(name, spec, args.size)
            await server.start()
            try:
                m = await measure(
                    server,
                    op,
                    concurrency=args.concurrency,
                    duration=args.duration,
                    warmup=args.warmup,
                )
            finally:
                await server.stop()
            s = m.summary()
            results[name].append(s)
            print(
                f"round {round_ + 1} {name:<10} {s['ops_per_s']:>7.1f} ops/s  p99 {s['p99_ms']} ms"
                f"  app {s['app_cpu_ms_per_op']} ms  pg {s['db_cpu_ms_per_op']} ms"
                f"  sql/op {s.get('sql_per_op')}  errors {s['errors']}  conflicts {s['conflicts']}",
                flush=True,
            )
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("checkouts", nargs="+", help="NAME=DIR[,VAR=VALUE...]")
    parser.add_argument("--size", default="100k")
    parser.add_argument("--scenario", default="e")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    results = asyncio.run(_compare(args))
    for name, rounds in results.items():
        ops = [r["ops_per_s"] for r in rounds]
        cpu = [r["app_cpu_ms_per_op"] for r in rounds]
        print(
            f"{name:<10} median {statistics.median(ops):.1f} ops/s (rounds {', '.join(f'{o:.1f}' for o in ops)});"
            f" app CPU median {statistics.median(cpu):.2f} ms per op"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
