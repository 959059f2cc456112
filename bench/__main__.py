"""``python -m bench``: generate, serve, load, compare, report. See bench/README.md.

python -m bench [--sizes 1k,100k,1m] [--duration 15] [--warmup 3] [--concurrency 8]
                [--scenarios a,b,c,d,e] [--no-postgraphile] [--sqlite | --no-sqlite]
                [--regenerate] [--quick] [--client raw|httpx]
python -m bench generate --size 1k|100k|1m [--sqlite]
python -m bench profile --size 100k --scenario c [--requests 300] [--concurrency 8] [--sqlite]
python -m bench clean            drop every bench database, SQLite file and token file
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import (
    BENCH_DIR,
    REPO_DIR,
    RESULTS_DIR,
    SIZES,
    app_url,
    in_process,
    pg_dsn,
    sqlite_path,
    tokens_path,
)
from bench import generate as gen
from bench import postgraphile as pgl
from bench.load import Measurement, Server, free_port, measure
from bench.scenarios import SCENARIOS, Facts, Scenario, prepare_facts, select

SYSTEMS = ("hongfan", "baseline", "postgraphile")


def log(text: str) -> None:
    print(text, flush=True)


# -- machine facts ---------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, ValueError, IndexError):
        mem_kb = 0
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=REPO_DIR,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "os": platform.platform(),
        "commit": commit,
    }


async def postgres_version() -> str:
    import asyncpg

    from bench import PG_ADMIN_URL

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        settings = {
            r["name"]: r["setting"]
            for r in await conn.fetch(
                "SELECT name, setting FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'max_connections')"
            )
        }
        return f"{await conn.fetchval('SHOW server_version')} {settings}"
    finally:
        await conn.close()


# -- one size on one backend ------------------------------------------------------------------


def ensure_database(
    size: str, backend: str, regenerate: bool
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(the generator's facts, the generation report when it ran now)."""
    if not regenerate and gen.is_current(size, backend, report=log):
        facts = gen.load_facts(size, backend)
        assert facts is not None
        log(
            f"reusing the {size} {backend} bench database (made in {facts.get('seconds')} s; --regenerate to remake)"
        )
        return facts, None
    facts = gen.generate(size, backend, report=log)
    rows = sum(facts["counts"].values())
    return facts, {
        "seconds": facts["seconds"],
        "rows": rows,
        "rows_per_s": round(rows / facts["seconds"]),
    }


def hongfan_server(size: str, backend: str, log_path: Path) -> Server:
    port = free_port()
    env = {
        **os.environ,
        "HONGFAN_DATABASE_URL": app_url(size, backend),
        "HONGFAN_ENV": "development",
        "HONGFAN_GRAPHIQL": "0",
    }
    return Server(
        "hongfan",
        [sys.executable, "-m", "bench.serve", "--port", str(port)],
        env,
        port,
        "/readyz",
        cwd=REPO_DIR,
        log=log_path,
    )


def baseline_server(size: str, log_path: Path) -> Server:
    port = free_port()
    env = {**os.environ, "BENCH_PG_DSN": pg_dsn(size)}
    return Server(
        "baseline",
        [sys.executable, "-m", "bench.serve", "--app", "baseline", "--port", str(port)],
        env,
        port,
        "/readyz",
        cwd=REPO_DIR,
        log=log_path,
    )


def _rows_of(text: str) -> list[Any] | None:
    """The names of the listed rows in a response, to check the servers return the same rows."""
    try:
        data = json.loads(text)["data"]
        connection = next(iter(data.values()))
        out = []
        for edge in connection["edges"]:
            node = edge["node"]
            out.append(
                node.get("name") or (node.get("student") or {}).get("name") or node.get("position")
            )
        return out
    except (ValueError, KeyError, TypeError, StopIteration, AttributeError):
        return None


class Capture:
    """Wraps a client to keep the first response body (for the same-rows check)."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.body: str | None = None

    async def post(self, *args: Any, **kwargs: Any) -> Any:
        response = await self.client.post(*args, **kwargs)
        self.body = self.body or response.text
        return response

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        response = await self.client.get(*args, **kwargs)
        self.body = self.body or response.text
        return response


async def sample(server: Server, op: Any) -> tuple[list[Any] | None, str | None]:
    """One request outside the measurement: (row names, error)."""
    import httpx

    async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as client:
        capture = Capture(client)
        outcome = await op(capture, 0, 0)
        return _rows_of(capture.body or ""), outcome.error


async def run_system(
    name: str,
    server: Server,
    ops: dict[str, Any],
    scenarios: list[Scenario],
    args: argparse.Namespace,
    count_sql: bool,
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    await server.start()
    try:
        for scenario in scenarios:
            op = ops.get(scenario.key)
            if op is None:
                continue
            rows, error = await sample(server, op)
            log(f"    {name:<12} {scenario.key:<8} …")
            m: Measurement = await measure(
                server,
                op,
                concurrency=args.concurrency,
                duration=args.duration,
                warmup=args.warmup,
                count_sql=count_sql,
                client=args.client,
            )
            summary = m.summary()
            summary["rows"] = rows
            if error:
                summary["sample_error"] = error
            out[scenario.key] = summary
            log(
                f"    {name:<12} {scenario.key:<8} {summary['ops_per_s']:>8.1f}/s  p50 {summary['p50_ms']} ms  "
                f"p99 {summary['p99_ms']} ms  sql/op {summary.get('sql_per_op', '-')}  errors {summary['errors']}"
            )
    finally:
        await server.stop()
    return out


async def bench_one(
    size: str, backend: str, scenarios: list[Scenario], args: argparse.Namespace, logs: Path
) -> dict[str, Any]:
    generated, generation = await asyncio.to_thread(ensure_database, size, backend, args.regenerate)
    facts: Facts = await prepare_facts(size, backend, generated)
    log(f"  facts: {facts.public()}")
    result: dict[str, Any] = {
        "facts": facts.public(),
        "counts": generated["counts"],
        "generation": generation,
        "systems": {},
        "notes": {},
    }

    systems = {s.strip() for s in args.systems.split(",")}
    if "hongfan" in systems:
        hongfan_ops = {s.key: s.hongfan(facts) for s in scenarios}
        result["systems"]["hongfan"] = await run_system(
            "hongfan",
            hongfan_server(size, backend, logs / f"hongfan-{size}-{backend}.log"),
            hongfan_ops,
            scenarios,
            args,
            count_sql=True,
        )

    if backend == "postgresql":
        if "baseline" in systems:
            baseline_ops = {s.key: s.baseline(facts) for s in scenarios if s.baseline is not None}
            result["systems"]["baseline"] = await run_system(
                "raw-sql",
                baseline_server(size, logs / f"baseline-{size}.log"),
                baseline_ops,
                scenarios,
                args,
                count_sql=True,
            )
        if "postgraphile" not in systems:
            pass
        elif args.postgraphile:
            result["systems"]["postgraphile"] = await run_postgraphile(
                size, facts, scenarios, args, logs, result
            )
        else:
            result["notes"]["postgraphile"] = "skipped (--no-postgraphile)"
    else:
        result["notes"]["baseline"] = "the raw-SQL baseline and PostGraphile run on PostgreSQL only"
    result["ratios"] = ratios(result["systems"])
    return result


async def run_postgraphile(
    size: str,
    facts: Facts,
    scenarios: list[Scenario],
    args: argparse.Namespace,
    logs: Path,
    result: dict[str, Any],
) -> dict[str, Any]:
    import httpx

    try:
        node = await asyncio.to_thread(pgl.ensure_installed, log)
        server = pgl.server(size, node, logs / f"postgraphile-{size}.log")
        await server.start(timeout=180)
        try:
            async with httpx.AsyncClient(base_url=server.base_url, timeout=120) as client:
                deep = await pgl.deep_cursor(client, facts)
                walk = await pgl.walk_cursors(client, facts)
        finally:
            await server.stop()
        ops = pgl.operations(facts, deep, walk)
        return await run_system("postgraphile", server, ops, scenarios, args, count_sql=False)
    except Exception as error:  # noqa: BLE001 — never fail the whole bench for the comparison
        reason = f"{type(error).__name__}: {error}"[:500]
        log(f"    postgraphile n/a: {reason}")
        result["notes"]["postgraphile"] = f"n/a: {reason}"
        return {}


def ratios(systems: dict[str, Any]) -> dict[str, Any]:
    """Hongfan's throughput as a multiple of each baseline's, per scenario."""
    out: dict[str, Any] = {}
    hongfan = systems.get("hongfan", {})
    for key, mine in hongfan.items():
        row: dict[str, Any] = {}
        for other in ("baseline", "postgraphile"):
            theirs = systems.get(other, {}).get(key)
            if theirs and theirs.get("ops_per_s"):
                row[f"vs_{other}"] = round(mine["ops_per_s"] / theirs["ops_per_s"], 3)
                if theirs.get("rows") is not None and mine.get("rows") is not None:
                    row[f"same_rows_as_{other}"] = theirs["rows"] == mine["rows"]
        out[key] = row
    return out


# -- printing ------------------------------------------------------------------------------------


def _f(value: Any, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def table(size: str, backend: str, result: dict[str, Any], scenarios: list[Scenario]) -> str:
    systems = result["systems"]
    head = (
        f"{'scenario':<9}│{'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'SQL/req':>7} {'RT/req':>6} {'CPU ms':>7} "
        f"{'MB':>6} {'err':>4}│{'raw req/s':>9} {'p50':>6}│{'PGL req/s':>9} {'p50':>6} {'p99':>7}│"
        f"{'×raw':>6} {'×PGL':>6}"
    )
    lines = [
        f"── {size} on {backend} " + "─" * max(0, len(head) - len(size) - len(backend) - 8),
        head,
    ]
    fair = [s for s in scenarios if not s.repeated]
    repeated = [s for s in scenarios if s.repeated]
    if fair:
        lines.append(f"{'':<9}│ fair: every request unseen before (the headline)")
    lines += _rows(fair, systems, result)
    if repeated:
        lines.append(
            f"{'':<9}│ repeated request: the same request again and again (a seen statement replayed)"
        )
    lines += _rows(repeated, systems, result)
    for what, note in result.get("notes", {}).items():
        lines.append(f"  {what}: {note}")
    return "\n".join(lines)


def _rows(scenarios: list[Scenario], systems: dict[str, Any], result: dict[str, Any]) -> list[str]:
    lines = []
    for s in scenarios:
        h = systems.get("hongfan", {}).get(s.key)
        b = systems.get("baseline", {}).get(s.key) or {}
        p = systems.get("postgraphile", {}).get(s.key) or {}
        if h is None and not b and not p:
            continue
        h = h or {"ops_per_s": None, "p50_ms": None, "p99_ms": None, "errors": 0, "conflicts": 0}
        r = result.get("ratios", {}).get(s.key, {})
        errors = h["errors"] + (h["conflicts"] and 0)
        lines.append(
            f"{s.key:<9}│{_f(h['ops_per_s']):>8} {_f(h['p50_ms']):>8} {_f(h['p99_ms']):>8} {_f(h.get('sql_per_op')):>7} "
            f"{_f(h.get('round_trips_per_op')):>6} {_f(h.get('app_cpu_ms_per_op')):>7} {_f(h.get('peak_rss_mb'), 0):>6} "
            f"{errors:>4}│{_f(b.get('ops_per_s')):>9} {_f(b.get('p50_ms')):>6}│{_f(p.get('ops_per_s')):>9} "
            f"{_f(p.get('p50_ms')):>6} {_f(p.get('p99_ms')):>7}│{_f(r.get('vs_baseline'), 3):>6} {_f(r.get('vs_postgraphile'), 3):>6}"
        )
        if s.key == "e" and h.get("operations"):
            lines.append(
                f"{'':<9}│  (op = read + update; {h['conflicts']} version conflicts of {h['operations']} ops)"
            )
    return lines


def targets(all_results: dict[str, dict[str, Any]]) -> str:
    """The issue's targets, as figures (never pass/fail)."""
    lines = ["── targets (figures) ──"]
    for size, backends in all_results.items():
        for backend, result in backends.items():
            h = result["systems"].get("hongfan", {})
            r = result.get("ratios", {})
            parts = []
            walk = r.get("c_walk", {})
            for what in ("postgraphile", "baseline"):
                if walk.get(f"vs_{what}") is not None:
                    label = "PGL" if what == "postgraphile" else "raw"
                    parts.append(f"c_walk (fair) ×{label} {walk[f'vs_{what}']:.2f}")
            for key in ("a", "c_first"):
                if r.get(key, {}).get("vs_postgraphile") is not None:
                    parts.append(f"{key} (repeated) ×PGL {r[key]['vs_postgraphile']:.2f}")
            if "c_deep" in h and "c_first" in h and h["c_first"].get("p99_ms"):
                parts.append(f"deep/first p99 {h['c_deep']['p99_ms'] / h['c_first']['p99_ms']:.2f}")
            if "c_exact" in h and "c_first" in h and h["c_exact"].get("p50_ms"):
                parts.append(
                    f"contains/exact p50 {h['c_first']['p50_ms'] / h['c_exact']['p50_ms']:.2f}"
                )
            if "c_count" in h and "c_first" in h and h["c_first"].get("p50_ms"):
                parts.append(
                    f"with/without totalCount p50 {h['c_count']['p50_ms'] / h['c_first']['p50_ms']:.2f}"
                )
            sql = ", ".join(
                f"{k} {v.get('sql_per_op')}"
                for k, v in h.items()
                if v.get("sql_per_op") is not None
            )
            lines.append(f"{size:>5} {backend:<10} " + "; ".join(parts))
            lines.append(f"{'':>16} SQL statements/op: {sql}")
    return "\n".join(lines)


# -- commands -------------------------------------------------------------------------------------


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Hongfan benchmarks (never part of make test)"
    )
    parser.add_argument("--sizes", default="1k,100k,1m", help="comma-separated: 1k,100k,1m")
    parser.add_argument(
        "--duration", type=float, default=15.0, help="measured seconds per scenario and server"
    )
    parser.add_argument(
        "--warmup", type=float, default=3.0, help="warm-up seconds before each measurement"
    )
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument(
        "--in-process",
        default=",".join(in_process.PARTS),
        help="after each size's scenarios, in-process: dashboard, admin_pages, export, import"
        " (comma-separated; 'none' for none; the import runs once per database kind)",
    )
    parser.add_argument(
        "--import-rows", type=int, default=5000, help="students in the in-process import's CSV"
    )
    parser.add_argument("--scenarios", default="a,b,c,d,e", help="groups a..e or keys like c_deep")
    parser.add_argument("--no-postgraphile", dest="postgraphile", action="store_false")
    parser.add_argument(
        "--systems",
        default="hongfan,baseline,postgraphile",
        help="which servers to measure (comma-separated): hongfan, baseline, postgraphile",
    )
    sqlite = parser.add_mutually_exclusive_group()
    sqlite.add_argument(
        "--sqlite",
        dest="sqlite",
        action="store_true",
        default=None,
        help="also SQLite (sizes up to 100k); the default for a full run",
    )
    sqlite.add_argument("--no-sqlite", dest="sqlite", action="store_false")
    parser.add_argument(
        "--regenerate", action="store_true", help="remake the databases even when current"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: 1k only, 3 s per scenario, 1 s warm-up"
    )
    parser.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="load client: lean keep-alive HTTP/1.1 (default) or httpx.AsyncClient",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.duration, args.warmup = "1k", 3.0, 1.0
        args.import_rows = min(args.import_rows, 500)
    if args.sqlite is None:
        args.sqlite = True
    return args


async def run(args: argparse.Namespace) -> int:
    sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        log(f"unknown sizes {unknown}; choose from {list(SIZES)}")
        return 2
    scenarios = select([s.strip() for s in args.scenarios.split(",") if s.strip()])
    if not scenarios:
        log(
            f"no scenarios match {args.scenarios!r}; groups a..e or keys {[s.key for s in SCENARIOS]}"
        )
        return 2
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    RESULTS_DIR.mkdir(exist_ok=True)
    logs = BENCH_DIR / ".logs"
    logs.mkdir(exist_ok=True)
    info = machine()
    info["postgresql"] = await postgres_version()
    log(f"machine: {info}")
    run_doc: dict[str, Any] = {
        "started": stamp,
        "machine": info,
        "settings": {
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "concurrency": args.concurrency,
            "client": args.client,
            "scenarios": [s.key for s in scenarios],
            "page": 50,
        },
        "scenarios": {s.key: s.title for s in scenarios},
        "sizes": {},
    }
    tables: list[str] = []
    parts = tuple(p.strip() for p in args.in_process.split(",") if p.strip() in in_process.PARTS)
    imported: set[str] = set()
    for size in sizes:
        backends = ["postgresql"] + (["sqlite"] if args.sqlite and SIZES[size] <= 100_000 else [])
        run_doc["sizes"][size] = {}
        for backend in backends:
            log(f"== {size} on {backend} ==")
            started = time.perf_counter()
            result = await bench_one(size, backend, scenarios, args, logs)
            result["seconds"] = round(time.perf_counter() - started, 1)
            run_doc["sizes"][size][backend] = result
            text = table(size, backend, result, scenarios)
            wanted = tuple(p for p in parts if p != "import" or backend not in imported)
            if wanted:
                log(f"  in-process: {', '.join(wanted)}")
                result["in_process"] = await in_process.measure(
                    size, backend, parts=wanted, import_row_count=args.import_rows
                )
                if "import" in wanted:
                    imported.add(backend)
                text += "\n" + in_process.table(size, backend, result["in_process"])
            tables.append(text)
            log(text)
        per_size = {**run_doc, "sizes": {size: run_doc["sizes"][size]}}
        (RESULTS_DIR / f"{stamp}-{size}.json").write_text(
            json.dumps(per_size, ensure_ascii=False, indent=1)
        )
    (RESULTS_DIR / "latest.json").write_text(json.dumps(run_doc, ensure_ascii=False, indent=1))
    log("")
    log(
        f"Hongfan bench {stamp} · {info['cpu']} · {info['cores']} cores · {info['memory_gb']} GB · "
        f"PostgreSQL {info['postgresql'].split()[0]} · Python {info['python']} · {info['commit']}"
    )
    log(
        f"{args.concurrency} concurrent, {args.duration:g} s per scenario after {args.warmup:g} s warm-up; "
        "CPU ms = app process CPU per request; MB = its peak RSS; RT = round trips incl. BEGIN/COMMIT/ping"
    )
    for text in tables:
        log(text)
    log(targets(run_doc["sizes"]))
    log(f"results: {RESULTS_DIR / 'latest.json'}")
    return 0


def clean() -> int:
    for size in SIZES:
        asyncio.run(gen.drop_pg_database(size))
        for backend in ("postgresql", "sqlite"):
            tokens_path(size, backend).unlink(missing_ok=True)
        path = sqlite_path(size)
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    log("dropped every bench database")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "generate":
        gen.main(argv[1:])
        return 0
    if argv and argv[0] == "profile":
        from bench.profile import main as profile_main

        return profile_main(argv[1:])
    if argv and argv[0] == "clean":
        return clean()
    return asyncio.run(run(parse(argv)))


if __name__ == "__main__":
    sys.exit(main())
