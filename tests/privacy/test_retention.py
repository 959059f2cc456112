"""Retention (#12.8): `hongfan retention run` lists, then anonymises, students kept past
HONGFAN_RETENTION_YEARS after their expected graduation year."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses

import pytest
import sqlalchemy as sa

from hongfan.cli.retention import run_retention
from hongfan.db import Database
from hongfan.principal import SYSTEM
from models import ScholarshipStudent
from tests import factories


async def test_given_a_retention_period_when_it_runs_dry_then_it_lists_and_then_it_anonymises_only_those_past_it(
    database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    async with database.transaction(SYSTEM) as session:
        city = await factories.organisation(session, "厦门市")
        old = await factories.student(
            session, city, "早年毕业", enrolment_year=2006, graduation_year=2010
        )
        recent = await factories.student(session, city, "近年毕业")
    settings = dataclasses.replace(database.settings, retention_years=5)
    await asyncio.to_thread(run_retention, settings, argparse.Namespace(dry_run=True, lang="zh"))
    listed = capsys.readouterr().out
    assert (
        f"学生 #{old.id}（预计毕业 2010 年）" in listed
        and f"#{recent.id}" not in listed
        and "共 1 名" in listed
    )
    assert old.id_number not in listed
    async with database.session(SYSTEM) as session:
        assert (
            await session.execute(
                sa.select(ScholarshipStudent.name).where(ScholarshipStudent.id == old.id)
            )
        ).scalar_one() == "早年毕业"
    await asyncio.to_thread(run_retention, settings, argparse.Namespace(dry_run=False, lang="zh"))
    assert "已匿名化 1 名" in capsys.readouterr().out
    async with database.session(SYSTEM) as session:
        rows = dict(
            (await session.execute(sa.select(ScholarshipStudent.id, ScholarshipStudent.name))).all()
        )
    assert rows == {old.id: "（已匿名化）", recent.id: "近年毕业"}
