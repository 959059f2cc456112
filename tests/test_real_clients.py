"""The JavaScript clients the frontend guide recommends work against a live server (#14):
Apollo Client and urql, as npm installs them (pinned versions below), list the published
service sites, page forward and back, and show a mutation's field error.

The node packages are installed once into a directory under the system temp dir named by
the pinned versions, and reused by later runs. Without node or npm, or when the npm registry
cannot be reached, the test skips with the reason; whatever the clients do wrong fails it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from hongfan import accounts
from hongfan.accounts import AUTH
from hongfan.db import Database, create_engine
from hongfan.principal import SYSTEM
from models import User
from tests.e2e.conftest import LiveServer, live_server, run_async

__all__ = ["live_server"]  # the e2e fixture: a uvicorn server on a copy of the demo network

PINNED = {
    "@apollo/client": "4.3.8",
    "@urql/core": "6.0.3",
    "graphql": "16.11.0",
    "rxjs": "7.8.2",  # @apollo/client 4's peer dependency
}
SCRIPT = Path(__file__).resolve().parent / "clients" / "real_clients.mjs"


def installed_clients() -> Path:
    """A directory with the pinned packages in node_modules, installed on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are needed to run the JavaScript clients")
    key = hashlib.sha256(json.dumps(PINNED, sort_keys=True).encode()).hexdigest()[:16]
    home = Path(tempfile.gettempdir()) / f"hongfan-js-clients-{key}"
    if (home / "installed").is_file():
        return home
    staging = Path(tempfile.mkdtemp(prefix="hongfan-js-clients-", dir=home.parent))
    (staging / "package.json").write_text('{"private": true}', encoding="utf-8")
    specs = [f"{name}@{version}" for name, version in PINNED.items()]
    try:
        done = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--save-exact", *specs],
            cwd=staging,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        shutil.rmtree(staging, ignore_errors=True)
        pytest.skip("npm install of the JavaScript clients took over 5 minutes (network?)")
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        pytest.skip(f"npm install of the JavaScript clients failed: {done.stderr[-500:]}")
    (staging / "installed").write_text(" ".join(specs), encoding="utf-8")
    try:
        staging.rename(home)
    except OSError:  # another run installed it meanwhile: use that one
        shutil.rmtree(staging, ignore_errors=True)
    return home


def admin_token(server: LiveServer) -> str:
    async def issue() -> str:
        database = Database(server.settings, create_engine(server.settings))
        try:
            async with database.transaction(AUTH) as session:
                admin = sa.select(User).where(User.email == "admin@demo.hongfan")  # type: ignore[arg-type]
                found = await session.execute(admin)
                user = found.scalar_one()
                _, token = await accounts.issue_token(session, SYSTEM, int(user.id or 0))
            return token
        finally:
            await database.dispose()

    return run_async(issue)


@pytest.fixture(scope="module")
def clients_home() -> Path:
    return installed_clients()


@pytest.fixture(scope="module")
def clients_ran(clients_home: Path, live_server: LiveServer) -> dict[str, Any]:
    """What the node script printed; the clients are installed before a server is started."""
    home = clients_home
    script = home / f"real_clients-{os.getpid()}.mjs"
    shutil.copyfile(SCRIPT, script)
    try:
        ran = subprocess.run(
            ["node", str(script), f"{live_server.url}/graphql", admin_token(live_server)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        script.unlink(missing_ok=True)
    assert ran.returncode == 0, ran.stderr[-3000:]
    result: dict[str, Any] = json.loads(ran.stdout)
    return result


def names(connection: dict[str, Any]) -> list[str]:
    return [edge["node"]["name"] for edge in connection["edges"]]


@pytest.mark.parametrize("client", ["urql", "apollo"])
def test_a_website_built_on_the_client_lists_published_sites_and_pages_both_ways(
    clients_ran: dict[str, Any], client: str
):
    """Given the demo network, when a public page uses the client to list the published
    service sites five at a time, then it gets the first five by name, the next five after
    the first page's end cursor, and the first five again before the second page's start."""
    result = clients_ran[client]
    first, following, previous = result["first"], result["next"], result["previous"]
    assert len(first["edges"]) == 5 and first["pageInfo"]["hasNextPage"] is True
    assert first["totalCount"] > 5
    expected = min(5, first["totalCount"] - 5)
    assert len(following["edges"]) == expected
    assert not set(names(first)) & set(names(following))
    assert names(previous) == names(first)
    assert previous["pageInfo"]["hasPreviousPage"] is False
    assert all(name for name in names(first) + names(following))
    if client == "apollo":  # relayStylePagination appended the second page in the cache
        assert names(result["mergedForward"]) == names(first) + names(following)


def test_both_clients_see_the_same_sites(clients_ran: dict[str, Any]):
    """Given the same server, when urql and Apollo ask for the same pages, then they list
    the same sites in the same order."""
    for page in ("first", "next", "previous"):
        assert names(clients_ran["urql"][page]) == names(clients_ran["apollo"][page])


@pytest.mark.parametrize("client", ["urql", "apollo"])
def test_a_refused_mutation_shows_its_field_error(clients_ran: dict[str, Any], client: str):
    """Given an admin token, when the client creates a service site with an empty name, then
    the payload has no site and one field error on `name` with a code and a message."""
    payload = clients_ran[client]["mutation"]
    assert payload["serviceSite"] is None
    assert [error["field"] for error in payload["errors"]] == ["name"]
    assert payload["errors"][0]["code"] and payload["errors"][0]["message"]


def test_urql_reads_by_get_and_writes_by_post_and_every_answer_is_ok(
    clients_ran: dict[str, Any],
):
    """Given urql's defaults, when it lists and writes, then its queries went by GET (which a
    CDN may cache), its mutation by POST, and the server answered every request with 200."""
    requests = clients_ran["requests"]
    assert requests and all(request["status"] == 200 for request in requests), requests
    urql = [request["method"] for request in requests if request["client"] == "urql"]
    assert urql == ["GET", "GET", "GET", "POST"]
    assert all("errors" not in (request["body"] or {}) for request in requests), requests
