"""A bounded load client, and the server processes it drives.

``run_load`` keeps a fixed number of workers busy for a fixed time over one
keep-alive HTTP/1.1 pool (httpx.AsyncClient) on loopback, then stops by itself:
a warm-up phase that is thrown away, then the measured phase. Each worker
waits for its in-flight operation before a phase ends, so the server-side
counters read between phases belong to exactly the operations counted.

``Server`` starts a process (the app under uvicorn, the raw-SQL baseline, or
PostGraphile), waits until it answers, reports its CPU time and peak memory
(``VmHWM``, reset per scenario through ``/proc/<pid>/clear_refs``), and stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import signal
import socket
import statistics
import subprocess
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- outcomes ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one operation (one request, or a read-then-write pair) came to."""

    ok: bool
    status: int
    requests: int = 1
    conflict: bool = False
    error: str | None = None


# -- a lean HTTP/1.1 keep-alive client ----------------------------------------------------------


class RawResponse:
    """The little of httpx.Response the scenarios use."""

    __slots__ = ("status_code", "content")

    def __init__(self, status_code: int, content: bytes) -> None:
        self.status_code = status_code
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.content)


class RawClient:
    """One keep-alive HTTP/1.1 connection on loopback, one request at a time.

    httpx spends about a millisecond of client CPU per request, which would make
    the client, not the server, the limit at more than a few hundred requests a
    second; this costs a tenth of that. Content-Length and chunked bodies.
    """

    def __init__(self, base_url: str) -> None:
        url = httpx.URL(base_url)
        self.host = url.host
        self.port = url.port or 80
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.host_header = f"{self.host}:{self.port}".encode()

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.host, self.port, limit=2**22
            )
            sock = self.writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.reader, self.writer

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError, ConnectionError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(
        self, method: str, target: str, body: bytes = b"", headers: dict[str, str] | None = None
    ) -> RawResponse:
        try:
            return await self._request(method, target, body, headers)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            await self.close()  # the server closed an idle connection: one retry on a new one
            return await self._request(method, target, body, headers)

    async def _request(
        self, method: str, target: str, body: bytes, headers: dict[str, str] | None
    ) -> RawResponse:
        reader, writer = await self._connect()
        lines = [f"{method} {target} HTTP/1.1".encode(), b"Host: " + self.host_header]
        for key, value in (headers or {}).items():
            lines.append(f"{key}: {value}".encode())
        lines.append(b"Content-Length: " + str(len(body)).encode())
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split(b" ", 2)[1])
        length = None
        chunked = close = False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            field, _, content = line.partition(b":")
            field = field.strip().lower()
            if field == b"content-length":
                length = int(content)
            elif field == b"transfer-encoding" and b"chunked" in content.lower():
                chunked = True
            elif field == b"connection" and b"close" in content.lower():
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await reader.readline()
                    break
                parts.append(await reader.readexactly(size))
                await reader.readline()
            content = b"".join(parts)
        elif length is not None:
            content = await reader.readexactly(length)
        else:
            content = await reader.read()
            close = True
        if close:
            await self.close()
        return RawResponse(status, content)

    async def post(
        self,
        path: str,
        *,
        content: bytes | None = None,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> RawResponse:
        body = content if content is not None else _json_bytes(json)
        merged = {"content-type": "application/json", **(headers or {})}
        return await self.request("POST", path, body, merged)

    async def get(self, url: Any, headers: dict[str, str] | None = None) -> RawResponse:
        return await self.request("GET", str(url), b"", headers)


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


Client = (
    Any  # RawClient or httpx.AsyncClient: both have .post/.get answering .status_code/.text/.json()
)
Operation = Callable[[Client, int, int], Awaitable[Outcome]]


def graphql_outcome(response: Any, requests: int = 1) -> Outcome:
    """ok when HTTP 200 and no GraphQL ``errors``; the first error's message otherwise."""
    if response.status_code != 200:
        return Outcome(
            False,
            response.status_code,
            requests,
            error=f"HTTP {response.status_code}: {response.text[:200]}",
        )
    try:
        body = response.json()
    except ValueError:
        return Outcome(False, response.status_code, requests, error="not JSON")
    if body.get("errors"):
        return Outcome(False, 200, requests, error=str(body["errors"][0].get("message"))[:200])
    return Outcome(True, 200, requests)


# -- the load ---------------------------------------------------------------------------


@dataclass
class LoadResult:
    concurrency: int
    duration_s: float = 0.0
    operations: int = 0
    requests: int = 0
    ok: int = 0
    conflicts: int = 0
    errors: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)
    client_cpu_s: float = 0.0

    def percentile(self, q: float) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
        return ordered[index]

    def summary(self) -> dict[str, Any]:
        p50, p99 = self.percentile(50), self.percentile(99)
        return {
            "concurrency": self.concurrency,
            "duration_s": round(self.duration_s, 2),
            "operations": self.operations,
            "requests": self.requests,
            "ops_per_s": round(self.operations / self.duration_s, 1) if self.duration_s else 0.0,
            "p50_ms": round(p50 * 1000, 2) if p50 is not None else None,
            "p99_ms": round(p99 * 1000, 2) if p99 is not None else None,
            "mean_ms": round(statistics.fmean(self.latencies) * 1000, 2)
            if self.latencies
            else None,
            "ok": self.ok,
            "conflicts": self.conflicts,
            "errors": self.errors,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "error_samples": self.error_samples,
            "client_cpu_share": round(self.client_cpu_s / self.duration_s, 2)
            if self.duration_s
            else None,
        }


def _cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def _phase(
    clients: Sequence[Client], op: Operation, concurrency: int, seconds: float, record: bool
) -> LoadResult:
    result = LoadResult(concurrency)
    deadline = time.perf_counter() + seconds

    async def worker(index: int) -> None:
        client = clients[index % len(clients)]
        n = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                outcome = await op(client, index, n)
            except (
                TimeoutError,
                httpx.HTTPError,
                OSError,
                asyncio.IncompleteReadError,
                ValueError,
            ) as error:
                outcome = Outcome(False, 0, error=f"{type(error).__name__}: {error}"[:200])
            elapsed = time.perf_counter() - started
            n += 1
            if not record:
                continue
            result.operations += 1
            result.requests += outcome.requests
            result.latencies.append(elapsed)
            result.statuses[outcome.status] += 1
            if outcome.conflict:
                result.conflicts += 1
            if outcome.ok:
                result.ok += 1
            else:
                result.errors += 1
                if (
                    outcome.error
                    and len(result.error_samples) < 5
                    and outcome.error not in result.error_samples
                ):
                    result.error_samples.append(outcome.error)

    cpu0 = _cpu_self()
    started = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    result.duration_s = time.perf_counter() - started
    result.client_cpu_s = _cpu_self() - cpu0
    return result


async def run_load(
    base_url: str,
    op: Operation,
    *,
    concurrency: int = 8,
    duration: float = 15.0,
    warmup: float = 3.0,
    between: Callable[[], Awaitable[None]] | None = None,
    client: str = "raw",
) -> LoadResult:
    """Warm up, call ``between`` (e.g. read the server's counters), then measure.

    ``client="raw"``: one :class:`RawClient` connection per worker; ``"httpx"``: one shared
    httpx.AsyncClient pool of ``concurrency`` keep-alive connections.
    """
    if client == "httpx":
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        async with httpx.AsyncClient(
            base_url=base_url, limits=limits, timeout=httpx.Timeout(60.0)
        ) as pool:
            if warmup > 0:
                await _phase([pool], op, concurrency, warmup, record=False)
            if between is not None:
                await between()
            return await _phase([pool], op, concurrency, duration, record=True)
    raw = [RawClient(base_url) for _ in range(concurrency)]
    try:
        if warmup > 0:
            await _phase(raw, op, concurrency, warmup, record=False)
        if between is not None:
            await between()
        return await _phase(raw, op, concurrency, duration, record=True)
    finally:
        for connection in raw:
            await connection.close()


# -- server processes ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def proc_cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (and its waited-for children)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + cutime + cstime) / CLK_TCK


def proc_status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def reset_peak_rss(pid: int) -> bool:
    """Reset VmHWM to the current RSS (Linux ≥ 4.0); False when not allowed."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in text.split()]


def postgres_cpu_s() -> float:
    """CPU seconds of every live postgres process on this machine (backends of all databases)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() not in {"postgres", "postgres:"}:
                continue
            total += proc_cpu_s(int(entry.name))
        except (OSError, ValueError, IndexError):
            continue
    return total


class Server:
    """A server process on loopback: started, waited for, measured, stopped."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        env: dict[str, str],
        port: int,
        ready_path: str,
        cwd: Path | None = None,
        log: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.env = env
        self.port = port
        self.ready_path = ready_path
        self.cwd = cwd
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self._log_file: Any = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def measured_pids(self) -> list[int]:
        """The server's own process, and its children (e.g. a Node wrapper's real server)."""
        return [self.pid, *children(self.pid)]

    async def start(self, timeout: float = 90.0) -> None:
        output: Any = subprocess.DEVNULL
        if self.log is not None:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            self._log_file = self.log.open("wb")
            output = self._log_file
        self.process = subprocess.Popen(  # noqa: S603 — our own argv
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.base_url, timeout=5.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.name} exited with {self.process.returncode}{self._tail()}"
                    )
                with contextlib.suppress(httpx.HTTPError):
                    response = await client.get(self.ready_path)
                    if response.status_code < 500:
                        return
                await asyncio.sleep(0.2)
        await self.stop()
        raise RuntimeError(
            f"{self.name} did not answer {self.ready_path} within {timeout:.0f} s{self._tail()}"
        )

    def _tail(self) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return "\n" + self.log.read_text(errors="replace")[-2000:]

    def cpu_s(self) -> float:
        total = 0.0
        for pid in self.measured_pids():
            with contextlib.suppress(OSError, ValueError, IndexError):
                total += proc_cpu_s(pid)
        return total

    def reset_peak(self) -> None:
        for pid in self.measured_pids():
            reset_peak_rss(pid)

    def peak_kb(self) -> int | None:
        values = [proc_status_kb(pid, "VmHWM") for pid in self.measured_pids()]
        known = [v for v in values if v is not None]
        return sum(known) if known else None

    async def stats(self) -> dict[str, Any] | None:
        async with httpx.AsyncClient(base_url=self.base_url, timeout=10.0) as client:
            try:
                response = await client.get("/__bench/stats")
            except httpx.HTTPError:
                return None
            if response.status_code != 200:
                return None
            try:
                data: dict[str, Any] = response.json()
            except json.JSONDecodeError:
                return None
            return data

    async def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            for _ in range(50):
                if self.process.poll() is not None:
                    break
                await asyncio.sleep(0.1)
            if self.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None
        self.process = None


@dataclass
class Measurement:
    """One scenario on one server: the load result and the server-side figures."""

    load: LoadResult
    server_cpu_s: float
    postgres_cpu_s: float
    peak_rss_kb: int | None
    counters: dict[str, int] | None

    def summary(self) -> dict[str, Any]:
        out = self.load.summary()
        ops = max(1, self.load.operations)
        out["app_cpu_ms_per_op"] = round(self.server_cpu_s * 1000 / ops, 2)
        out["db_cpu_ms_per_op"] = round(self.postgres_cpu_s * 1000 / ops, 2)
        out["peak_rss_mb"] = round(self.peak_rss_kb / 1024, 1) if self.peak_rss_kb else None
        if self.counters is not None:
            out["sql_per_op"] = round(self.counters["statements"] / ops, 2)
            round_trips = sum(
                self.counters[k] for k in ("statements", "begins", "commits", "rollbacks", "pings")
            )
            out["round_trips_per_op"] = round(round_trips / ops, 2)
            out["gc_collections"] = self.counters.get("gc")
        return out


async def measure(
    server: Server,
    op: Operation,
    *,
    concurrency: int,
    duration: float,
    warmup: float,
    count_sql: bool = True,
    client: str = "raw",
) -> Measurement:
    """Run ``op`` against ``server``; CPU, SQL counters and peak memory cover the measured phase only."""
    marks: dict[str, Any] = {}

    async def between() -> None:
        server.reset_peak()
        marks["stats"] = await server.stats() if count_sql else None
        marks["cpu"] = server.cpu_s()
        marks["pg"] = postgres_cpu_s()

    load = await run_load(
        server.base_url,
        op,
        concurrency=concurrency,
        duration=duration,
        warmup=warmup,
        between=between,
        client=client,
    )
    cpu = server.cpu_s() - marks["cpu"]
    pg = postgres_cpu_s() - marks["pg"]
    peak = server.peak_kb()
    counters = None
    if count_sql and marks["stats"] is not None:
        after = await server.stats()
        if after is not None:
            before = marks["stats"]
            counters = {
                k: int(after[k]) - int(before[k])
                for k in ("statements", "begins", "commits", "rollbacks", "pings")
            }
            counters["gc"] = [
                a - b
                for a, b in zip(after["gc_collections"], before["gc_collections"], strict=True)
            ]  # type: ignore[assignment]
    return Measurement(load, cpu, pg, peak, counters)
