"""``python -m bench profile --size 100k --scenario c``: where a scenario's time goes.

Builds the app in this process (``hongfan.app.create_app``), drives it through
``httpx.ASGITransport`` — no sockets, no uvicorn — with the scenario's own
requests (``--concurrency`` at once, ``--requests`` in all after a warm-up) under
pyinstrument (installed into the running venv on demand; not a project
dependency), and writes ``bench/results/profile-<size>-<scenario>.{txt,html}``
plus the functions with the most self time.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

from bench import RESULTS_DIR, SIZES, app_url
from bench import generate as gen
from bench.scenarios import BY_KEY, SCENARIOS, prepare_facts


def ensure_pyinstrument() -> Any:
    try:
        return importlib.import_module("pyinstrument")
    except ImportError:
        print("installing pyinstrument into this venv (pip; not a project dependency)", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "pyinstrument",
            ],
            check=True,
        )
        importlib.invalidate_caches()
        return importlib.import_module("pyinstrument")


def _own_time(frame: Any) -> float:
    """Time in the frame itself: its total less its children's (synthetic [self] frames included)."""
    return max(0.0, float(frame.time) - sum(float(c.time) for c in frame.children))


def _walk(session: Any) -> list[tuple[Any, Any]]:
    """Every (frame, the real function it belongs to) — a [self] frame belongs to its parent."""
    out: list[tuple[Any, Any]] = []

    def walk(frame: Any, parent: Any) -> None:
        if frame is None:
            return
        owner = parent if frame.function == "[self]" and parent is not None else frame
        out.append((frame, owner))
        for child in frame.children:
            walk(child, frame)

    walk(session.root_frame(), None)
    return out


def self_times(session: Any) -> list[tuple[float, str]]:
    """Self time per function over the whole profile, largest first."""
    totals: dict[str, float] = defaultdict(float)
    for frame, owner in _walk(session):
        totals[f"{owner.function}  {owner.file_path_short}:{owner.line_no}"] += _own_time(frame)
    return sorted(((t, k) for k, t in totals.items() if t > 0), reverse=True)


def _package(path: str | None) -> str:
    if not path:
        return "(no file: built-ins called from Python)"
    path = path.replace("\\", "/")
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    parts = path.split("/")
    for name in ("hongfan", "graph", "models", "bench", "admin_ui"):
        if name in parts:
            return f"[app] {name}"
    if "lib/python" in path:
        rest = path.split("lib/python", 1)[1].split("/", 2)
        return "[stdlib] " + (rest[1] if len(rest) > 1 else path)
    return path


def by_package(session: Any) -> list[tuple[float, str]]:
    """Self time grouped by package (graphql, strawberry, sqlalchemy, the app's own …)."""
    totals: dict[str, float] = defaultdict(float)
    for frame, owner in _walk(session):
        totals[_package(owner.file_path)] += _own_time(frame)
    return sorted(((t, k) for k, t in totals.items() if t > 0), reverse=True)


async def _profile(size: str, backend: str, key: str, requests: int, concurrency: int) -> int:
    import httpx

    pyinstrument = ensure_pyinstrument()
    if not await asyncio.to_thread(gen.is_current, size, backend):
        await asyncio.to_thread(gen.generate, size, backend)
    generated = gen.load_facts(size, backend)
    assert generated is not None
    facts = await prepare_facts(size, backend, generated)
    os.environ["HONGFAN_DATABASE_URL"] = app_url(size, backend)
    os.environ.setdefault("HONGFAN_GRAPHIQL", "0")
    from bench.serve import Counters, instrument_engine
    from hongfan.app import create_app

    app = create_app()
    counters = Counters()
    instrument_engine(app.state.db.engine, counters)
    op = BY_KEY[key].hongfan(facts)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://bench", timeout=300
    ) as client:

        async def batch(n: int) -> list[Any]:
            queue = list(range(n))
            outcomes: list[Any] = []

            async def worker(w: int) -> None:
                while queue:
                    i = queue.pop()
                    outcomes.append(await op(client, w, i))

            await asyncio.gather(*(worker(w) for w in range(concurrency)))
            return outcomes

        await batch(max(concurrency, requests // 10))  # warm-up: caches, pools, lazy imports
        before = dict(counters.values)
        profiler = pyinstrument.Profiler(interval=0.0005, async_mode="disabled")
        started = time.perf_counter()
        profiler.start()
        outcomes = await batch(requests)
        profiler.stop()
        elapsed = time.perf_counter() - started
    await app.state.db.dispose()

    errors = [o.error for o in outcomes if not o.ok]
    statements = counters.values["statements"] - before["statements"]
    RESULTS_DIR.mkdir(exist_ok=True)
    stem = RESULTS_DIR / f"profile-{size}-{backend}-{key}"
    text = profiler.output_text(unicode=True, color=False, show_all=False)
    session = profiler.last_session
    top = self_times(session)[:30]
    packages = by_package(session)[:20]
    total = sum(t for t, _ in self_times(session)) or 1.0
    summary = [
        f"profile of scenario {key} ({BY_KEY[key].title}) at {size} on {backend}",
        f"{requests} requests, {concurrency} at once, in-process (httpx.ASGITransport): {elapsed:.2f} s wall, "
        f"{elapsed * 1000 / requests:.1f} ms per request, {requests / elapsed:.1f} req/s; "
        f"{statements / requests:.1f} SQL statements per request; {len(errors)} errors {errors[:2]}",
        "",
        "self time by package:",
        *[f"  {t / total * 100:5.1f} %  {t:7.3f} s  {k}" for t, k in packages],
        "",
        "functions with the most self time:",
        *[f"  {t / total * 100:5.1f} %  {t:7.3f} s  {k}" for t, k in top],
        "",
        "call tree:",
    ]
    stem.with_suffix(".txt").write_text("\n".join(summary) + "\n" + text)
    stem.with_suffix(".html").write_text(profiler.output_html())
    print("\n".join(summary[:-2]))
    print(f"written: {stem}.txt (call tree) and {stem}.html")
    return 1 if errors else 0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench profile", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--size", choices=list(SIZES), default="100k")
    parser.add_argument(
        "--scenario",
        default="c",
        help=f"a group (a..e; c means c_first) or a key: {[s.key for s in SCENARIOS]}",
    )
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args(argv)
    key = {"c": "c_first"}.get(args.scenario, args.scenario)
    if key not in BY_KEY:
        parser.error(f"unknown scenario {args.scenario}")
    return asyncio.run(
        _profile(
            args.size,
            "sqlite" if args.sqlite else "postgresql",
            key,
            args.requests,
            args.concurrency,
        )
    )
