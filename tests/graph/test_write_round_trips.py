"""A version-checked update costs PostgreSQL two round trips with its audit entry (#16.6):
the record's read and the UPDATE that also inserts the audit entry — one statement, atomic by
itself, so no BEGIN or COMMIT around it — with no pre-ping before it and no ``SET LOCAL`` for
the write deadline. Counted, not timed: what the app sends is the contract; how fast that is
belongs to the bench (scenario ``e``)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from strawberry import relay

from hongfan import accounts
from hongfan.accounts import AUTH
from hongfan.app import create_app
from hongfan.db import Database
from hongfan.principal import SYSTEM, Role
from models import ServiceSite
from models.audit import AuditEntry
from tests import factories

pytestmark = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)

VERSION = "query($id: ID!) { node(id: $id) { ... on ServiceSite { version } } }"
UPDATE = (
    "mutation($input: UpdateServiceSiteInput!) { updateServiceSite(input: $input) "
    "{ serviceSite { address version } errors { field code message } } }"
)


@contextmanager
def round_trips(database: Database) -> Iterator[Counter[str]]:
    """What the app sends to the database meanwhile: statements, BEGIN/COMMIT/ROLLBACK (on a
    connection in a transaction) and pre-pings, per engine ("read" or "write")."""
    sent: Counter[str] = Counter()
    listeners: list[tuple[Any, str, Any]] = []
    pings: list[tuple[Any, Any]] = []
    for engine in database.engines:
        name = "write" if engine is database.write_engine else "read"

        def on_wire(connection: Any) -> bool:
            return bool(connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT")

        def statement(*_args: Any, name: str = name) -> None:
            sent[f"{name}:statement"] += 1

        def begin(connection: Any, name: str = name) -> None:
            sent[f"{name}:begin"] += on_wire(connection)

        def commit(connection: Any, name: str = name) -> None:
            sent[f"{name}:commit"] += on_wire(connection)

        def rollback(connection: Any, name: str = name) -> None:
            sent[f"{name}:rollback"] += on_wire(connection)

        for event, listener in (
            ("before_cursor_execute", statement),
            ("begin", begin),
            ("commit", commit),
            ("rollback", rollback),
        ):
            sa.event.listen(engine.sync_engine, event, listener)
            listeners.append((engine.sync_engine, event, listener))
        dialect = engine.sync_engine.dialect
        original = dialect.do_ping

        def ping(dbapi_connection: Any, name: str = name, original: Any = original) -> Any:
            sent[f"{name}:ping"] += 1
            return original(dbapi_connection)

        dialect.do_ping = ping
        pings.append((dialect, original))
    try:
        yield sent
    finally:
        for target, event, listener in listeners:
            sa.event.remove(target, event, listener)
        for dialect, original in pings:
            dialect.do_ping = original


async def _world(database: Database) -> tuple[str, int, str]:
    """A district's service site (its global id and key) and an org admin's API token."""
    async with database.transaction(SYSTEM) as session:
        city = await factories.organisation(session, "厦门市")
        district = await factories.organisation(session, "湖里区", city)
        site = await factories.site(session, district, "湖里区向日葵小屋")
    async with database.transaction(AUTH) as session:
        admin, _ = await accounts.create_user(
            session, SYSTEM, "root@example.cn", Role.SUPERADMIN, password="correct horse battery"
        )
        user, _ = await accounts.create_user(
            session,
            SYSTEM,
            "huli@example.cn",
            Role.ORG_ADMIN,
            organisation_id=district.id,
            password="correct horse battery",
        )
        superadmin = await accounts.principal_for(session, admin)
        _, token = await accounts.issue_token(session, superadmin, user.id)  # type: ignore[arg-type]
    assert site.id is not None
    return str(relay.GlobalID("ServiceSite", str(site.id))), site.id, token


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(database.settings, database)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://hongfan.test", timeout=60
    ) as http:
        yield http


async def _post(
    http: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert not body.get("errors"), body
    return dict(body["data"])


async def _audit_entries(database: Database, pk: int) -> list[AuditEntry]:
    async with database.session(SYSTEM) as session:
        statement = sa.select(AuditEntry).where(
            AuditEntry.entity == "ServiceSite",  # type: ignore[arg-type]
            AuditEntry.record_id == pk,  # type: ignore[arg-type]
            AuditEntry.action == "update",  # type: ignore[arg-type]
        )
        return list((await session.execute(statement)).scalars())


async def test_given_an_org_admin_updates_a_site_with_the_version_read_then_the_write_is_two_round_trips_with_its_audit_entry(
    database: Database, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    lookups: list[str] = []
    read_token = accounts.lookup_live_token

    async def counted(connection: Any, plaintext: str, **kwargs: Any) -> Any:
        lookups.append(plaintext)  # one fetchrow on the driver pool, which resets nothing
        return await read_token(connection, plaintext, **kwargs)

    monkeypatch.setattr(accounts, "lookup_live_token", counted)
    gid, pk, token = await _world(database)
    version = (await _post(client, token, VERSION, {"id": gid}))["node"]["version"]
    # (a first update warms what is made once per process: not part of the contract)
    await _post(client, token, UPDATE, {"input": {"id": gid, "version": version, "address": "一"}})

    with round_trips(database) as sent:
        data = await _post(
            client,
            token,
            UPDATE,
            {"input": {"id": gid, "version": version + 1, "address": "厦门市湖里区示例路1号"}},
        )

    payload = data["updateServiceSite"]
    assert payload["errors"] == []
    assert payload["serviceSite"] == {"address": "厦门市湖里区示例路1号", "version": version + 2}
    # The write: the record's read, then UPDATE + audit entry in one statement (its own
    # commit): no BEGIN and no COMMIT round trips
    write = {k.split(":")[1]: v for k, v in sent.items() if k.startswith("write:") and v}
    assert write == {"statement": 2}, sent
    # and the credential: read again for this request (a revoked token is refused at once),
    # by one plain statement on the driver pool — nothing through the ORM's engines, no
    # pre-ping anywhere
    read = {k.split(":")[1]: v for k, v in sent.items() if k.startswith("read:") and v}
    assert read == {}, sent
    assert lookups[-1] == token and len(lookups) == 3
    entries = await _audit_entries(database, pk)
    assert len(entries) == 2 and entries[-1].actor.startswith("user:")


async def test_given_a_stale_version_then_the_update_is_refused_in_chinese_and_nothing_is_written(
    database: Database, client: httpx.AsyncClient
) -> None:
    gid, pk, token = await _world(database)
    version = (await _post(client, token, VERSION, {"id": gid}))["node"]["version"]
    first = {"input": {"id": gid, "version": version, "address": "第一次"}}
    assert (await _post(client, token, UPDATE, first))["updateServiceSite"]["errors"] == []

    stale = {"input": {"id": gid, "version": version, "address": "第二次"}}
    payload = (await _post(client, token, UPDATE, stale))["updateServiceSite"]

    assert payload["serviceSite"] is None
    [error] = payload["errors"]
    assert (error["field"], error["code"]) == ("version", "conflict.version")
    assert "版本" in error["message"] or "修改" in error["message"], error["message"]
    async with database.session(SYSTEM) as session:
        site = await session.get(ServiceSite, pk)
        assert site is not None and site.address == "第一次"
    assert len(await _audit_entries(database, pk)) == 1


async def _alive(connection: Any, pids: list[int]) -> bool:
    listed = ",".join(str(int(pid)) for pid in pids)
    await connection.exec_driver_sql("SELECT pg_stat_clear_snapshot()")  # a fresh look
    rows = await connection.exec_driver_sql(
        f"SELECT count(*) FROM pg_stat_activity WHERE pid IN ({listed})"
    )
    return bool(rows.scalar())


async def test_given_postgres_dropped_every_connection_then_the_next_update_succeeds_without_a_pre_ping(
    database: Database, client: httpx.AsyncClient
) -> None:
    gid, pk, token = await _world(database)
    version = (await _post(client, token, VERSION, {"id": gid}))["node"]["version"]
    warm = {"input": {"id": gid, "version": version, "address": "重启前"}}
    assert (await _post(client, token, UPDATE, warm))["updateServiceSite"]["errors"] == []

    # Given the server ended every connection of the app (as a restart does): the test
    # database's backends, listed first and then ended one by one by their pid
    async with database.write_engine.connect() as other:
        listed = await other.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [int(row[0]) for row in listed]
        assert pids
        for pid in pids:
            await other.exec_driver_sql(f"SELECT pg_terminate_backend({pid})")
        give_up = time.monotonic() + 30
        while await _alive(other, pids):  # a backend ends a moment after it is told to
            assert time.monotonic() < give_up, pids
            await asyncio.sleep(0.05)

    # When the admin updates the site again, then it is written: no 503, nothing lost
    with round_trips(database) as sent:
        again = {"input": {"id": gid, "version": version + 1, "address": "重启后"}}
        payload = (await _post(client, token, UPDATE, again))["updateServiceSite"]
    assert payload["errors"] == [] and payload["serviceSite"]["address"] == "重启后"
    assert not any(k.endswith(":ping") for k, v in sent.items() if v), sent
    async with database.session(SYSTEM) as session:
        site = await session.get(ServiceSite, pk)
        assert site is not None and site.address == "重启后" and site.version == version + 2


async def test_given_a_write_meets_a_connection_that_died_unseen_then_it_runs_once_more_and_is_written_once(
    database: Database,
) -> None:
    gid, pk, _token = await _world(database)
    attempts = 0

    async def action(session: Any) -> Any:
        nonlocal attempts
        attempts += 1
        if attempts == 1:  # what SQLAlchemy raises when the server is gone mid-statement
            raise sa.exc.OperationalError(
                "SELECT …",
                {},
                ConnectionResetError("connection was closed"),
                connection_invalidated=True,
            )
        from hongfan import crud

        return await crud.update(session, ServiceSite, pk, 1, {"address": "只写一次"})

    record = await database.write(SYSTEM, action)

    assert attempts == 2 and record.version == 2
    async with database.session(SYSTEM) as session:
        site = await session.get(ServiceSite, pk)
        assert site is not None and site.address == "只写一次" and site.version == 2
    assert len(await _audit_entries(database, pk)) == 1


async def test_given_a_one_statement_write_whose_connection_dies_before_its_write_then_it_runs_once_more_and_is_written_once(
    database: Database,
) -> None:
    """Given an update that runs without a transaction (one statement writes),
    when its connection turns out dead before that statement was sent (at the record's read),
    then it runs once more and the site is written once, with one audit entry."""
    _gid, pk, _token = await _world(database)
    attempts = 0

    async def action(session: Any) -> Any:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise sa.exc.OperationalError(
                "SELECT …",
                {},
                ConnectionResetError("connection was closed"),
                connection_invalidated=True,
            )
        from hongfan import crud

        return await crud.update(session, ServiceSite, pk, 1, {"address": "只写一次"})

    record = await database.write(SYSTEM, action, one_statement=True)

    assert attempts == 2 and record.version == 2
    async with database.session(SYSTEM) as session:
        site = await session.get(ServiceSite, pk)
        assert site is not None and site.address == "只写一次" and site.version == 2
    assert len(await _audit_entries(database, pk)) == 1


async def test_given_a_one_statement_write_whose_connection_dies_once_its_write_was_sent_then_it_is_not_run_again(
    database: Database,
) -> None:
    """Given an update that runs without a transaction, whose UPDATE is its commit,
    when the connection fails once that statement was sent (it may have been written),
    then the failure is answered (a 503 upstream), and the update is not run a second time."""
    _gid, pk, _token = await _world(database)
    attempts = 0

    async def action(session: Any) -> Any:
        nonlocal attempts
        attempts += 1
        from hongfan import crud

        record = await crud.update(session, ServiceSite, pk, 1, {"address": "写了一次"})
        raise sa.exc.OperationalError(  # as if the answer to the UPDATE never came
            "UPDATE …",
            {},
            ConnectionResetError("connection was closed"),
            connection_invalidated=True,
        )
        return record  # pragma: no cover

    with pytest.raises(sa.exc.OperationalError):
        await database.write(SYSTEM, action, one_statement=True)

    assert attempts == 1
    async with database.session(SYSTEM) as session:
        site = await session.get(ServiceSite, pk)
        assert site is not None and site.address == "写了一次" and site.version == 2
    assert len(await _audit_entries(database, pk)) == 1
