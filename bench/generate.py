"""Generate a bench database: ``python -m bench.generate --size 1k|100k|1m [--sqlite]``.

A fresh database per size (PostgreSQL ``hongfan_bench_<size>``, or a SQLite file
under ``bench/.data/`` up to 100k), its schema made by the migrations
(``hongfan.migrate.upgrade``) so every index they declare exists, then filled
by bulk inserts — asyncpg ``copy_records_to_table`` on PostgreSQL, ``executemany``
on SQLite — bypassing ``hongfan.crud`` but keeping its invariants:

* organisation tree city → 6 districts → streets → communities with correct
  materialised paths (``/1/7/12/``); every scoped row carries organisation_id,
  and grants, internships and course sessions copy it from their parent;
* valid, unique ID numbers (``make_national_id``: region code of the student's
  district, birth dates 1995–2006, sequence 0–999 with the gender's parity) and
  credit codes (``make_credit_code``); mobiles of the right shape;
* ``version`` 1, timestamps, ``created_by``/``updated_by`` null (the system); start ≤ end
  dates; graduation after enrolment; the ID number's gender digit matches.

To be fast on PostgreSQL the non-constraint indexes and the foreign keys are
dropped before the load and recreated (and validated) afterwards, exactly as
the migrations defined them (``pg_get_indexdef``/``pg_get_constraintdef``);
then sequences are moved past the ids used and everything is ANALYZEd.

Finally the bench accounts are created through ``hongfan.accounts`` (as a
system principal) — a superadmin, the org admin of 湖里区, the partner of the
company with most interns — with an API token each, written with the facts the
scenarios need to ``bench/.tokens-<size>[-sqlite].json`` (gitignored).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench import DATA_DIR, PG_ADMIN_URL, SIZES, app_url, pg_dsn, sqlite_path, tokens_path
from models.tallies import rebuild as rebuild_tallies
from models.validators import CREDIT_CODE_CHARSET, make_credit_code, make_national_id

GENERATOR_VERSION = (
    4  # 2: pinyin sort keys; 3: authorship as user ids (null: the system); 4: sealed columns
)
SEED = 20241129
AUTHOR = None  # authorship is a user id; the generator writes as the system
NOW = datetime(2024, 11, 1, 8, 0, 0, 123456, tzinfo=UTC)
CHUNK = 50_000

# Region codes of the six Xiamen districts (as in hongfan/demo.py).
DISTRICTS: tuple[tuple[str, str], ...] = (
    ("思明区", "350203"),
    ("湖里区", "350206"),
    ("集美区", "350211"),
    ("海沧区", "350205"),
    ("同安区", "350212"),
    ("翔安区", "350213"),
)
ADMIN_DISTRICT = "湖里区"  # the org admin's subtree (scenario c) and the frontend's district (b)
PARTNER_DISTRICT = "同安区"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟"
    "谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# Given-name characters; SEARCH_TERM is one of them, so `name contains 华` is a real search.
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红玲芬燕彬鹏辉宇浩凯健俊帆建国文斌博宁欣怡晨雪琳晶颖佳慧鑫婷雅思梦涵子轩睿泽晓东海波婕蕾翔瑞琪"
SEARCH_TERM = "华"
PLACE_WORDS = (
    "东风 和平 人民 建设 解放 新华 长安 光明 幸福 团结 友谊 胜利 红星 前进 朝阳 育才 文化 振兴 兴业 安康 "
    "富民 美仁 金鸡 银湖 翠峰 莲坂 梧村 筼筜 鼓浪 湖滨 滨海 海岸 嘉禾 集源 侨英 杏滨 灌南 后溪 马銮 东孚 "
    "祥露 大同 洪塘 汀溪 莲花 新民 西柯 五显 大嶝 内厝 新圩 民安 舫山 澳头 后村 石浔 古庄 赤土 刘五店 琼头"
).split()
UNIVERSITIES = (
    "厦门大学",
    "集美大学",
    "厦门理工学院",
    "厦门医学院",
    "厦门城市职业学院",
    "厦门东海职业技术学院",
    "福建师范大学",
    "福州大学",
    "华侨大学",
    "闽南师范大学",
    "福建农林大学",
    "厦门华厦学院",
)
MAJORS = (
    "护理学",
    "临床医学",
    "会计学",
    "计算机科学与技术",
    "软件工程",
    "机械设计制造及其自动化",
    "电子信息工程",
    "学前教育",
    "汉语言文学",
    "英语",
    "国际经济与贸易",
    "土木工程",
    "物流管理",
    "食品科学与工程",
    "市场营销",
    "数字媒体技术",
    "药学",
    "航海技术",
)
INDUSTRIES = (
    "食品加工",
    "纺织服装",
    "装备制造",
    "电子信息",
    "物流运输",
    "光电",
    "新材料",
    "医疗器械",
    "软件和信息服务",
    "文化传媒",
)
POSITIONS = (
    "品控助理",
    "行政助理",
    "设计助理",
    "测试工程师助理",
    "仓储管理助理",
    "研发助理",
    "软件开发见习生",
    "客服专员",
    "财务助理",
    "质检员",
)
EVALUATIONS = (
    "见习期间工作认真负责，能按时完成分配的任务，表现良好。",
    "学习能力强，能主动请教，团队协作良好，欢迎毕业后加入。",
    "专业基础扎实，沟通顺畅，已达到岗位见习要求。",
)
FUNDING = ("金秋助学专项", "幸福工程", "企业捐赠")
AMOUNTS_FEN = (100000, 150000, 200000, 250000, 300000, 400000, 500000, 250050)
SITE_KINDS = (
    ("sunflower_hut", "向日葵亲子小屋"),
    ("warm_heart_home", "暖心家园"),
    ("family_health_centre", "家庭健康服务中心"),
    ("youth_health_base", "青春健康教育基地"),
    ("volunteer_station", "金色阳光志愿服务驿站"),
)
RECOGNITIONS = ("none", "none", "none", "district", "city", "provincial", "national")
COURSE_CATEGORIES = (
    ("instructor_training", "家庭健康指导员培训"),
    ("youth_peer_education", "青春健康同伴教育"),
    ("parenting", "父母课堂"),
    ("skills", "幸福学堂技能班"),
    ("health_lecture", "健康讲座"),
)
ENROLMENT_STATUSES = ("enrolled", "attended", "qualified", "dropped")
OUTCOMES_GRADUATED = (
    "stayed_in_xiamen",
    "returned_to_xiamen",
    "elsewhere",
    "further_study",
    "unknown",
)
BIRTH_START = date(1995, 1, 1)
BIRTH_DAYS = (date(2006, 12, 31) - BIRTH_START).days + 1  # 4383, coprime with BIRTH_STRIDE
BIRTH_STRIDE = 7919

COMMON = ("id", "created_at", "updated_at", "created_by", "updated_by", "version", "deleted_at")
COLUMNS: dict[str, tuple[str, ...]] = {
    "organisation": (
        *COMMON,
        "name",
        "kind",
        "level",
        "parent_id",
        "path",
        "address",
        "contact_name",
        "contact_phone",
        "published",
    ),
    "service_site": (
        *COMMON,
        "name",
        "kind",
        "organisation_id",
        "address",
        "opened_on",
        "recognition",
        "published",
    ),
    "company": (
        *COMMON,
        "name",
        "credit_code",
        "organisation_id",
        "industry",
        "plaque_date",
        "address",
        "contact_name",
        "contact_phone",
        "intern_capacity",
        "published",
    ),
    "course": (
        *COMMON,
        "title",
        "category",
        "organisation_id",
        "site_id",
        "start_date",
        "end_date",
        "capacity",
        "description",
        "published",
    ),
    "course_session": (
        *COMMON,
        "course_id",
        "organisation_id",
        "session_date",
        "topic",
        "venue",
        "lecturer",
    ),
    "scholarship_student": (
        *COMMON,
        "name",
        "gender",
        "id_number",
        "phone",
        "family_category",
        "organisation_id",
        "university",
        "major",
        "enrolment_year",
        "graduation_year",
        "employment_outcome",
    ),
    "scholarship_grant": (
        *COMMON,
        "student_id",
        "organisation_id",
        "year",
        "amount",
        "funding_source",
    ),
    "internship": (
        *COMMON,
        "student_id",
        "company_id",
        "organisation_id",
        "position",
        "start_date",
        "end_date",
        "status",
        "evaluation",
    ),
    "enrolment": (
        *COMMON,
        "course_id",
        "organisation_id",
        "name",
        "phone",
        "status",
        "score",
        "certificate_number",
    ),
}
# The pinyin sort key and search text beside names (models.pinyin): the load bypasses the
# column defaults that fill them, so they are computed here, per row.
PINYIN: dict[str, tuple[str, str]] = {
    "organisation": ("name", "text"),
    "service_site": ("name", "text"),
    "company": ("name", "text"),
    "course": ("title", "text"),
    "scholarship_student": ("name", "person"),
    "enrolment": ("name", "person"),
}


RING: Any = None  # the keyring sealed columns are written with (set by generate)


def _seal(column: str, value: str) -> str:
    from models.sealed import seal

    return seal(column, value, RING)


def with_pinyin(
    table: str, columns: tuple[str, ...], chunk: list[tuple[Any, ...]]
) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    """``columns`` and ``chunk`` with the table's derived pinyin columns added."""
    from models.pinyin import search_text, sort_key

    if table not in PINYIN:
        return columns, chunk
    source, kind = PINYIN[table]
    at = columns.index(source)
    rows = [(*row, sort_key(row[at], kind), search_text(row[at], kind)) for row in chunk]  # type: ignore[arg-type]
    return (*columns, f"{source}_pinyin", f"{source}_pinyin_search"), rows


# Load order (parents first); with foreign keys dropped during the load it matters only on SQLite.
TABLES = tuple(COLUMNS)
HEAD = (NOW, NOW, AUTHOR, AUTHOR, 1, None)


@dataclass
class Shape:
    """How many of everything, proportional to the number of students."""

    students: int
    streets_per_district: int
    communities_per_street: int
    companies: int
    courses: int
    sites_per_community: float = 1.5

    @classmethod
    def for_students(cls, n: int) -> Shape:
        communities = max(24, round(n / 150))
        streets = max(2, round(communities / 60))  # ~10 communities per street
        per_street = max(2, round(communities / (6 * streets)))
        return cls(
            students=n,
            streets_per_district=streets,
            communities_per_street=per_street,
            companies=max(10, n // 200),
            courses=max(10, n // 100),
        )


@dataclass
class Network:
    """Ids the later tables refer to."""

    district_ids: dict[str, int] = field(default_factory=dict)
    district_paths: dict[str, str] = field(default_factory=dict)
    communities: list[tuple[int, int]] = field(
        default_factory=list
    )  # (community id, district index)
    community_names: dict[int, str] = field(default_factory=dict)
    streets: list[int] = field(default_factory=list)
    site_ids: list[int] = field(default_factory=list)
    company_ids: list[int] = field(default_factory=list)
    partner_company_id: int = 0
    course_orgs: list[int] = field(default_factory=list)  # organisation_id per course id - 1


class Rows:
    """Deterministic row generators; every row is a tuple in COLUMNS order."""

    def __init__(self, shape: Shape, seed: int = SEED) -> None:
        self.shape = shape
        self.rng = random.Random(seed)
        self.net = Network()
        self.phone_seq = 0
        self.id_counters: dict[tuple[int, str], int] = {}
        self.ids = {"scholarship_grant": 0, "internship": 0, "course_session": 0, "enrolment": 0}

    # -- small helpers --

    def name(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) if rng.random() < 0.35 else rng.choice(GIVEN) + rng.choice(GIVEN)
        return rng.choice(SURNAMES) + given

    def mobile(self, prefix: str = "139") -> str:
        self.phone_seq += 1
        return f"{prefix}{self.phone_seq % 100_000_000:08d}"

    def place(self, n: int) -> str:
        words = PLACE_WORDS
        word = words[n % len(words)]
        return word if n < len(words) else f"{word}{n // len(words) + 1}"

    def day(self, start: date, span_days: int) -> date:
        return start + timedelta(days=self.rng.randrange(span_days))

    def national_id(self, district: int, gender: str) -> tuple[str, int]:
        """A unique valid ID number: (region, birth, order code) never repeats per gender."""
        key = (district, gender)
        c = self.id_counters.get(key, 0)
        self.id_counters[key] = c + 1
        birth = BIRTH_START + timedelta(days=(c * BIRTH_STRIDE) % BIRTH_DAYS)
        k = c // BIRTH_DAYS
        if k >= 500:
            raise ValueError("out of unique ID numbers for a district and gender")
        sequence = 2 * k + (1 if gender == "male" else 0)
        return make_national_id(DISTRICTS[district][1], birth, sequence, gender), birth.year

    # -- organisations --

    def organisations(self) -> list[tuple[Any, ...]]:
        rng, shape, net = self.rng, self.shape, self.net
        rows: list[tuple[Any, ...]] = []
        next_id = 1

        def add(name: str, level: str, parent: int | None, parent_path: str) -> tuple[int, str]:
            nonlocal next_id
            oid = next_id
            next_id += 1
            path = f"{parent_path}{oid}/"
            rows.append(
                (
                    oid,
                    *HEAD,
                    name,
                    "association",
                    level,
                    parent,
                    path,
                    f"厦门市{name}示例路{oid}号",
                    self.name(),
                    self.mobile("137"),
                    True,
                )
            )
            return oid, path

        root, root_path = add("厦门市", "city", None, "/")
        street_no = 0
        for d, (district, _region) in enumerate(DISTRICTS):
            did, dpath = add(district, "district", root, root_path)
            net.district_ids[district] = did
            net.district_paths[district] = dpath
            short = district[:-1]
            for _s in range(shape.streets_per_district):
                sid, spath = add(f"{short}{self.place(street_no)}街道", "street", did, dpath)
                street_no += 1
                net.streets.append(sid)
                for c in range(shape.communities_per_street):
                    cname = f"{self.place(c + street_no)}社区"
                    cid, _ = add(cname, "community", sid, spath)
                    net.communities.append((cid, d))
                    net.community_names[cid] = cname
        rng.shuffle(net.communities)
        return rows

    def service_sites(self) -> list[tuple[Any, ...]]:
        rng, net = self.rng, self.net
        rows = []
        sid = 0
        for cid, _d in sorted(self.net.communities):
            count = 1 + (rng.random() < self.shape.sites_per_community - 1)
            for k in range(count):
                sid += 1
                kind, label = SITE_KINDS[(cid + k) % len(SITE_KINDS)]
                rows.append(
                    (
                        sid,
                        *HEAD,
                        f"{net.community_names[cid]}{label}",
                        kind,
                        cid,
                        f"示例路{sid}号",
                        self.day(date(2015, 1, 1), 3650),
                        rng.choice(RECOGNITIONS),
                        rng.random() < 0.85,
                    )
                )
                net.site_ids.append(sid)
        return rows

    def companies(self) -> list[tuple[Any, ...]]:
        rng, shape, net = self.rng, self.shape, self.net
        rows = []
        for i in range(1, shape.companies + 1):
            d = (
                4 if i == 1 else rng.randrange(len(DISTRICTS))
            )  # company 1 (the partner's) is in 同安区
            district, region = DISTRICTS[d]
            body, n = "", i
            for _ in range(9):
                body = CREDIT_CODE_CHARSET[n % 31] + body
                n //= 31
            code = make_credit_code("91" + region + body)
            industry = INDUSTRIES[i % len(INDUSTRIES)]
            rows.append(
                (
                    i,
                    *HEAD,
                    f"厦门{self.place(i)}{industry}有限公司{i}",
                    code,
                    net.district_ids[district],
                    industry,
                    self.day(date(2022, 9, 1), 600),
                    f"厦门市{district}示例工业园{i}号",
                    self.name(),
                    self.mobile("137"),
                    rng.randint(3, 50),
                    True,
                )
            )
            net.company_ids.append(i)
        net.partner_company_id = 1
        return rows

    def courses(self) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
        rng, shape, net = self.rng, self.shape, self.net
        courses, sessions = [], []
        orgs = list(net.district_ids.values()) + net.streets
        for i in range(1, shape.courses + 1):
            category, label = COURSE_CATEGORIES[i % len(COURSE_CATEGORIES)]
            org = rng.choice(orgs)
            start = self.day(date(2019, 1, 1), 2000)
            end = start + timedelta(days=rng.randint(0, 60))
            site = rng.choice(net.site_ids) if rng.random() < 0.5 else None
            courses.append(
                (
                    i,
                    *HEAD,
                    f"{label}第{i}期",
                    category,
                    org,
                    site,
                    start,
                    end,
                    rng.randint(20, 200),
                    f"{label}：示例课程简介。",
                    rng.random() < 0.8,
                )
            )
            net.course_orgs.append(org)
            for k in range(3):
                self.ids["course_session"] += 1
                sessions.append(
                    (
                        self.ids["course_session"],
                        *HEAD,
                        i,
                        org,
                        start + timedelta(days=k * (end - start).days // 3),
                        f"第{k + 1}讲",
                        "示例活动室",
                        self.name(),
                    )
                )
        yield "course", courses
        yield "course_session", sessions

    # -- the big tables, in chunks --

    def students(self, start: int, stop: int) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
        """Students ``start``..``stop``-1 (1-based ids) with their grants and internships."""
        rng, net = self.rng, self.net
        communities = net.communities
        companies = net.company_ids
        students, grants, internships = [], [], []
        for sid in range(start, stop):
            cid, d = rng.choice(communities)
            gender = "male" if rng.random() < 0.5 else "female"
            id_number, birth_year = self.national_id(d, gender)
            enrolment = min(2024, birth_year + 18 + (rng.random() < 0.3))
            graduation = enrolment + 4
            outcome = "studying" if graduation > 2024 else rng.choice(OUTCOMES_GRADUATED)
            category = "registered_poor" if rng.random() < 0.6 else "only_child_low_income"
            students.append(
                (
                    sid,
                    *HEAD,
                    self.name(),
                    gender,
                    _seal("id_number", id_number),
                    _seal("phone", self.mobile("139")),
                    _seal("family_category", category),
                    cid,
                    rng.choice(UNIVERSITIES),
                    rng.choice(MAJORS),
                    enrolment,
                    graduation,
                    outcome,
                )
            )
            years = range(enrolment, min(enrolment + 4, 2025))
            for year in rng.sample(years, min(len(years), rng.choice((1, 2, 2, 3)))):
                self.ids["scholarship_grant"] += 1
                grants.append(
                    (
                        self.ids["scholarship_grant"],
                        *HEAD,
                        sid,
                        cid,
                        year,
                        rng.choice(AMOUNTS_FEN),
                        rng.choice(FUNDING),
                    )
                )
            if rng.random() < 0.2:
                self.ids["internship"] += 1
                company = net.partner_company_id if rng.random() < 0.05 else rng.choice(companies)
                begin = self.day(date(2019, 7, 1), 2000)
                status = rng.choice(
                    ("recommended", "accepted", "ongoing", "completed", "completed", "withdrawn")
                )
                dated = status != "recommended"
                internships.append(
                    (
                        self.ids["internship"],
                        *HEAD,
                        sid,
                        company,
                        cid,
                        rng.choice(POSITIONS),
                        begin if dated else None,
                        begin + timedelta(days=rng.randint(30, 120)) if dated else None,
                        status,
                        rng.choice(EVALUATIONS) if status == "completed" else None,
                    )
                )
        yield "scholarship_student", students
        yield "scholarship_grant", grants
        yield "internship", internships

    def enrolments(self, count: int) -> list[tuple[Any, ...]]:
        rng, net = self.rng, self.net
        rows = []
        courses = len(net.course_orgs)
        for _ in range(count):
            self.ids["enrolment"] += 1
            eid = self.ids["enrolment"]
            status = ENROLMENT_STATUSES[rng.randrange(4)]
            qualified = status == "qualified"
            rows.append(
                (
                    eid,
                    *HEAD,
                    rng.randrange(courses) + 1,
                    rng.choice(net.communities)[0],
                    self.name(),
                    _seal("phone", self.mobile("138")),
                    status,
                    rng.randint(60, 100) if qualified or status == "attended" else None,
                    f"JK{eid:010d}" if qualified else None,
                )
            )
        return rows

    def all_chunks(self) -> Iterator[tuple[str, list[tuple[Any, ...]]]]:
        yield "organisation", self.organisations()
        yield "service_site", self.service_sites()
        yield "company", self.companies()
        yield from self.courses()
        n = self.shape.students
        for start in range(1, n + 1, CHUNK):
            yield from self.students(start, min(n + 1, start + CHUNK))
        left = 2 * n
        while left > 0:
            take = min(CHUNK * 2, left)
            yield "enrolment", self.enrolments(take)
            left -= take


# -- PostgreSQL --------------------------------------------------------------------------


async def _pg_connect(dsn: str) -> Any:
    import asyncpg

    return await asyncpg.connect(dsn)


async def recreate_pg_database(size: str) -> None:
    admin = await _pg_connect(PG_ADMIN_URL)
    try:
        name = f"hongfan_bench_{size}"
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


async def drop_pg_database(size: str) -> None:
    admin = await _pg_connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "hongfan_bench_{size}" WITH (FORCE)')
    finally:
        await admin.close()


async def pg_database_exists(size: str) -> bool:
    admin = await _pg_connect(PG_ADMIN_URL)
    try:
        return bool(
            await admin.fetchval(
                "SELECT 1 FROM pg_database WHERE datname = $1", f"hongfan_bench_{size}"
            )
        )
    finally:
        await admin.close()


async def _pg_deferred_ddl(conn: Any) -> tuple[list[str], list[str], list[str]]:
    """Drop what slows a bulk load; return (index DDL, FK DDL, trigger-enable DDL) to put it back."""
    tables = list(TABLES)
    indexes = await conn.fetch(
        """SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS ddl
           FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid
           WHERE t.relname = ANY($1::text[]) AND t.relnamespace = 'public'::regnamespace
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)""",
        tables,
    )
    fks = await conn.fetch(
        """SELECT c.conrelid::regclass::text AS tbl, c.conname AS name, pg_get_constraintdef(c.oid) AS ddl
           FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
           WHERE c.contype = 'f' AND t.relnamespace = 'public'::regnamespace
             AND (t.relname = ANY($1::text[]) OR c.confrelid IN (SELECT oid FROM pg_class WHERE relname = ANY($1::text[])))""",
        tables,
    )
    for fk in fks:
        await conn.execute(f'ALTER TABLE {fk["tbl"]} DROP CONSTRAINT "{fk["name"]}"')
    for index in indexes:
        await conn.execute(f"DROP INDEX {index['name']}")
    return (
        [r["ddl"] for r in indexes],
        [f'ALTER TABLE {fk["tbl"]} ADD CONSTRAINT "{fk["name"]}" {fk["ddl"]}' for fk in fks],
        [],
    )


async def load_pg(size: str, rows: Rows, report: Callable[[str], None]) -> dict[str, int]:
    dsn = pg_dsn(size)
    conn = await _pg_connect(dsn)
    counts: dict[str, int] = {}
    try:
        await conn.execute("SET synchronous_commit = off")
        # The tally triggers (models.tallies) would fire per copied row: off for the load,
        # the tallies recomputed from the rows afterwards.
        await conn.execute("SET session_replication_role = replica")
        index_ddl, fk_ddl, _ = await _pg_deferred_ddl(conn)
        live_columns = {
            t: {
                r["column_name"]
                for r in await conn.fetch(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1",
                    t,
                )
            }
            for t in TABLES
        }
        started = time.perf_counter()
        for table, chunk in rows.all_chunks():
            columns, chunk = with_pinyin(table, COLUMNS[table], chunk)
            missing = set(columns) - live_columns[table]
            if missing:
                raise RuntimeError(
                    f"{table} lacks columns {sorted(missing)}: the generator needs updating"
                )
            if chunk:
                await conn.copy_records_to_table(table, records=chunk, columns=list(columns))
            counts[table] = counts.get(table, 0) + len(chunk)
        total = sum(counts.values())
        load_s = time.perf_counter() - started
        report(f"  loaded {total:,} rows in {load_s:.1f} s ({total / load_s:,.0f} rows/s)")

        t0 = time.perf_counter()
        pool_dsn = dsn

        async def build(ddl: str) -> None:
            c = await _pg_connect(pool_dsn)
            try:
                await c.execute("SET maintenance_work_mem = '512MB'")
                await c.execute(ddl)
            finally:
                await c.close()

        # Two index builds at a time: one per core.
        gate = asyncio.Semaphore(2)

        async def gated(ddl: str) -> None:
            async with gate:
                await build(ddl)

        await asyncio.gather(*(gated(d) for d in sorted(index_ddl, key=len)))
        report(f"  rebuilt {len(index_ddl)} indexes in {time.perf_counter() - t0:.1f} s")
        t0 = time.perf_counter()
        await conn.execute("SET maintenance_work_mem = '512MB'")
        for ddl in fk_ddl:
            await conn.execute(ddl)  # validates every row
        report(
            f"  re-added and validated {len(fk_ddl)} foreign keys in {time.perf_counter() - t0:.1f} s"
        )
        await conn.execute("SET session_replication_role = origin")
        t0 = time.perf_counter()
        async with conn.transaction():
            for statement in rebuild_tallies("postgresql"):
                await conn.execute(statement)
        report(f"  computed the statistics' tallies in {time.perf_counter() - t0:.1f} s")
        for table in TABLES:
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        t0 = time.perf_counter()
        await conn.execute("ANALYZE")
        report(f"  ANALYZE in {time.perf_counter() - t0:.1f} s")
    finally:
        await conn.close()
    return counts


# -- SQLite ------------------------------------------------------------------------------


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    return value


def load_sqlite(size: str, rows: Rows, report: Callable[[str], None]) -> dict[str, int]:
    path = sqlite_path(size)
    db = sqlite3.connect(path, isolation_level=None)
    counts: dict[str, int] = {}
    try:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        db.execute("PRAGMA foreign_keys=OFF")
        indexes = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND tbl_name IN ("
            + ",".join("?" * len(TABLES))
            + ")",
            TABLES,
        ).fetchall()
        triggers = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'tally_%'"
        ).fetchall()
        db.execute("BEGIN")
        for name, _sql in indexes:
            db.execute(f'DROP INDEX "{name}"')
        for name, _sql in triggers:  # the tallies are recomputed from the rows below
            db.execute(f'DROP TRIGGER "{name}"')
        started = time.perf_counter()
        for table, chunk in rows.all_chunks():
            columns, chunk = with_pinyin(table, COLUMNS[table], chunk)
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
            db.executemany(sql, ([_sqlite_value(v) for v in row] for row in chunk))
            counts[table] = counts.get(table, 0) + len(chunk)
        total = sum(counts.values())
        load_s = time.perf_counter() - started
        report(f"  loaded {total:,} rows in {load_s:.1f} s ({total / load_s:,.0f} rows/s)")
        t0 = time.perf_counter()
        for _name, sql in indexes:
            db.execute(sql)
        for statement in rebuild_tallies("sqlite"):
            db.execute(statement)
        for _name, sql in triggers:
            db.execute(sql)
        db.execute("COMMIT")
        report(f"  rebuilt {len(indexes)} indexes in {time.perf_counter() - t0:.1f} s")
        problems = db.execute("PRAGMA foreign_key_check").fetchall()
        if problems:
            raise RuntimeError(f"foreign key problems after the load: {problems[:5]}")
        db.execute("ANALYZE")
    finally:
        db.close()
    return counts


# -- accounts --------------------------------------------------------------------------


async def create_accounts(size: str, backend: str, net: Network) -> dict[str, Any]:
    """The bench users, through hongfan.accounts as a system principal, with a token each."""
    from hongfan import accounts
    from hongfan.db import Database
    from hongfan.principal import Role, system
    from hongfan.settings import Settings

    settings = Settings.from_env({"HONGFAN_DATABASE_URL": app_url(size, backend)})
    db = Database(settings)
    actor = system("bench")
    users: tuple[tuple[str, str, Role, dict[str, Any]], ...] = (
        ("superadmin", "bench.admin@bench.hongfan", Role.SUPERADMIN, {}),
        (
            "org_admin",
            "bench.huli@bench.hongfan",
            Role.ORG_ADMIN,
            {"organisation_id": net.district_ids[ADMIN_DISTRICT]},
        ),
        (
            "partner",
            "bench.partner@bench.hongfan",
            Role.PARTNER,
            {"company_id": net.partner_company_id},
        ),
    )
    tokens: dict[str, str] = {}
    try:
        async with db.transaction(actor) as session:
            for key, email, role, binding in users:
                user, _password = await accounts.create_user(
                    session, actor, email, role, display_name=f"bench {key}", **binding
                )
                _row, tokens[key] = await accounts.issue_token(
                    session,
                    actor,
                    user.id,  # type: ignore[arg-type]
                    name="bench",
                )
    finally:
        await db.dispose()
    return tokens


# -- the command ----------------------------------------------------------------------


def migrate(url: str) -> None:
    from hongfan.migrate import upgrade

    upgrade(url)


def alembic_head() -> str | None:
    from hongfan.migrate import head

    return head()


def generate(
    size: str, backend: str = "postgresql", report: Callable[[str], None] = print
) -> dict[str, Any]:
    """Build the bench database for ``size`` from scratch; returns the facts written to the tokens file."""
    if backend == "sqlite" and SIZES[size] > 100_000:
        raise ValueError("SQLite bench databases go up to 100k")
    shape = Shape.for_students(SIZES[size])
    report(f"generating {size} on {backend}: {shape}")
    started = time.perf_counter()
    if backend == "postgresql":
        asyncio.run(recreate_pg_database(size))
    else:
        DATA_DIR.mkdir(exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            sqlite_path(size).with_name(sqlite_path(size).name + suffix).unlink(missing_ok=True)
    from hongfan import keys
    from hongfan.settings import Settings

    # Sealed columns are written sealed, with the keyring the app will read them with.
    global RING
    RING = keys.resolve(
        Settings.from_env({**os.environ, "HONGFAN_DATABASE_URL": app_url(size, backend)})
    )
    t0 = time.perf_counter()
    migrate(app_url(size, backend))
    report(f"  migrated in {time.perf_counter() - t0:.1f} s")
    rows = Rows(shape)
    counts = (
        asyncio.run(load_pg(size, rows, report))
        if backend == "postgresql"
        else load_sqlite(size, rows, report)
    )
    tokens = asyncio.run(create_accounts(size, backend, rows.net))
    elapsed = time.perf_counter() - started
    total = sum(counts.values())
    report(
        f"  {size} on {backend}: {total:,} rows in {elapsed:.1f} s overall ({total / elapsed:,.0f} rows/s)"
    )
    facts = {
        "generator_version": GENERATOR_VERSION,
        "alembic_head": alembic_head(),
        "size": size,
        "backend": backend,
        "counts": counts,
        "seconds": round(elapsed, 1),
        "tokens": tokens,
        "admin_district": {
            "name": ADMIN_DISTRICT,
            "id": rows.net.district_ids[ADMIN_DISTRICT],
            "path": rows.net.district_paths[ADMIN_DISTRICT],
        },
        "partner_company_id": rows.net.partner_company_id,
        "search_term": SEARCH_TERM,
    }
    path = tokens_path(size, backend)
    path.write_text(json.dumps(facts, ensure_ascii=False, indent=2))
    path.chmod(0o600)
    return facts


def load_facts(size: str, backend: str) -> dict[str, Any] | None:
    path = tokens_path(size, backend)
    if not path.exists():
        return None
    try:
        facts: dict[str, Any] = json.loads(path.read_text())
    except ValueError:
        return None
    return facts


def is_current(size: str, backend: str, report: Callable[[str], None] = print) -> bool:
    """True when the bench database exists, made by this generator, at the migrations' head.

    A database made by this generator at an older head is migrated in place (and its facts
    updated) rather than remade: a new migration must not make a branch drop a bench
    database that other worktrees' tokens and running measurements depend on.
    """
    facts = load_facts(size, backend)
    if not facts or facts.get("generator_version") != GENERATOR_VERSION:
        return False
    exists = (
        asyncio.run(pg_database_exists(size))
        if backend == "postgresql"
        else sqlite_path(size).exists()
    )
    if not exists:
        return False
    head = alembic_head()
    if facts.get("alembic_head") != head:
        report(f"  migrating the {size} {backend} bench database in place to {head}")
        migrate(app_url(size, backend))
        facts["alembic_head"] = head
        path = tokens_path(size, backend)
        path.write_text(json.dumps(facts, ensure_ascii=False, indent=2))
        path.chmod(0o600)
    return True


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.generate", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--size", choices=list(SIZES), required=True)
    parser.add_argument(
        "--sqlite", action="store_true", help="a SQLite file instead of PostgreSQL (up to 100k)"
    )
    parser.add_argument(
        "--drop", action="store_true", help="drop the bench database of this size and exit"
    )
    args = parser.parse_args(argv)
    backend = "sqlite" if args.sqlite else "postgresql"
    if args.drop:
        if backend == "postgresql":
            asyncio.run(drop_pg_database(args.size))
        else:
            sqlite_path(args.size).unlink(missing_ok=True)
        tokens_path(args.size, backend).unlink(missing_ok=True)
        print(f"dropped the {args.size} bench database ({backend})")
        return
    generate(args.size, backend)


if __name__ == "__main__":
    main()
