"""Demo data: a realistic Xiamen association network built from the seed report.

``load_demo`` fills an empty database with the city association, its six
districts and the streets, towns, communities and villages the report names
(plus plausible neighbours), the service sites, courses, practice-base
companies and synthetic scholarship students with grants and internships.

* Deterministic: every choice comes from ``random.Random(seed)`` and a fixed
  reference date (:data:`AS_OF`), never from the clock.
* Idempotent: when the root organisation 厦门市 already exists (even
  soft-deleted) nothing is written; the summary says so and counts the rows.
* Valid: ID numbers, mobiles, landlines and credit codes are checked with
  :mod:`models.validators` while they are generated.
* Synthetic people: every person's name contains 示例/演示/测试 or a similar
  marker, and ID numbers, phones (138/139/137 0000 xxxx) and credit codes are
  made up — none belongs to a real person or company.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col as sql_col

from hongfan import accounts
from hongfan.access import INCLUDE_DELETED
from hongfan.db import Database
from hongfan.principal import Role, system
from models.base import Record
from models.organisations import Organisation, OrganisationKind, OrganisationLevel
from models.practice import Company, Internship, InternshipStatus
from models.scholarships import EmploymentOutcome, FamilyCategory, Gender, Grant, ScholarshipStudent
from models.sites import Recognition, ServiceSite, SiteKind
from models.training import Course, CourseCategory, CourseSession, Enrolment, EnrolmentStatus
from models.validators import (
    CREDIT_CODE_CHARSET,
    check_credit_code,
    check_mobile,
    check_national_id,
    make_credit_code,
    make_national_id,
    national_id_gender,
)

ACTOR = "demo"
AUTHOR = f"system:{ACTOR}"
ROOT_NAME = "厦门市"
# The demo's "today": graduates of 2023 and 2024 have an employment outcome,
# internships before it are completed, after it accepted. Fixed for determinism.
AS_OF = date(2024, 9, 1)
# Serialises concurrent loaders on PostgreSQL (SQLite writers already queue).
_PG_LOCK_KEY = 0x686F6E6766616E  # "hongfan"

_LANDLINE_RE = re.compile(r"0\d{2,3}-\d{7,8}")

R = TypeVar("R", bound=Record)


@dataclass(frozen=True)
class DemoSummary:
    """What ``load_demo`` found or wrote: live rows per record type."""

    created: bool
    organisations: int
    service_sites: int
    courses: int
    course_sessions: int
    enrolments: int
    scholarship_students: int
    grants: int
    companies: int
    internships: int
    # One line per demo account: e-mail, password (when it can be shown), role and scope.
    logins: tuple[str, ...] = ()
    # The partner's API token, only in the run that created it (it cannot be shown again).
    partner_token: str | None = None
    partner_email: str | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Row counts by record type, in a fixed order."""
        return {name: getattr(self, name) for name in _COUNTED}

    @property
    def token_lines(self) -> list[str]:
        """How to call the API as the partner; the token itself alone on the last line."""
        if self.partner_email is None:
            return []
        if self.partner_token is None:
            return [
                f"Partner API token for {self.partner_email}: created by an earlier run and not shown again;",
                f"  make a new one with: hongfan token create {self.partner_email}",
            ]
        return [
            f"Partner API token for {self.partner_email} (Authorization: Bearer <token>), shown only now:",
            self.partner_token,
        ]

    def __str__(self) -> str:
        head = "demo data loaded" if self.created else "demo data already present; nothing written"
        return head + ": " + ", ".join(f"{k}={v}" for k, v in self.counts.items())


_COUNTED: dict[str, type[Record]] = {
    "organisations": Organisation,
    "service_sites": ServiceSite,
    "courses": Course,
    "course_sessions": CourseSession,
    "enrolments": Enrolment,
    "scholarship_students": ScholarshipStudent,
    "grants": Grant,
    "companies": Company,
    "internships": Internship,
}


# -- the network ---------------------------------------------------------------------

# (district, region code of ID numbers and credit codes, [(street or town, [communities])])
# Names the report uses: 中华街道/霞溪社区, 殿前街道/高林社区, 禾山街道/禾山社区,
# 侨兴街道/海沧社区, 海沧街道, 祥平街道/凤祥社区, 五显镇/香溪社区, 新店街道, 马巷街道,
# 新圩镇/大帽山村, 嵩山村, 内厝镇/美山村. The others are plausible neighbours.
DISTRICTS: tuple[tuple[str, str, tuple[tuple[str, tuple[str, ...]], ...]], ...] = (
    ("思明区", "350203", (
        ("中华街道", ("霞溪社区", "中山社区", "仁安社区", "旧城社区")),
        ("鹭江街道", ("大同社区", "海岸社区", "鹭江社区")),
        ("嘉莲街道", ("莲花五村社区", "嘉莲社区", "长青社区")),
        ("莲前街道", ("前埔社区", "瑞景社区", "洪文社区")),
    )),
    ("湖里区", "350206", (
        ("殿前街道", ("高林社区", "殿前社区", "兴隆社区")),
        ("禾山街道", ("禾山社区", "后坑社区", "枋湖社区", "县后社区")),
        ("江头街道", ("江头社区", "蔡塘社区")),
        ("金山街道", ("金山社区", "五缘湾社区")),
    )),
    ("集美区", "350211", (
        ("侨兴街道", ("海沧社区", "侨英社区", "叶厝社区")),
        ("集美街道", ("岑头社区", "浔江社区", "大社社区")),
        ("杏林街道", ("杏林社区", "内林社区")),
        ("灌口镇", ("灌口社区", "田头村", "李林村")),
    )),
    ("海沧区", "350205", (
        ("海沧街道", ("海沧社区", "温厝社区", "青礁村")),
        ("新阳街道", ("新阳社区", "祥露社区")),
        ("嵩屿街道", ("石塘社区", "海虹社区", "贞庵社区")),
        ("东孚街道", ("东孚社区", "芸美村", "洪塘村")),
    )),
    ("同安区", "350212", (
        ("祥平街道", ("凤祥社区", "西山社区", "阳翟社区", "祥平社区")),
        ("大同街道", ("城东社区", "三秀社区", "东桥社区")),
        ("五显镇", ("香溪社区", "五显村", "西坑村")),
        ("新民镇", ("新民社区", "西塘村", "乌涂村")),
    )),
    ("翔安区", "350213", (
        ("新店街道", ("新店社区", "洪前社区", "澳头社区")),
        ("马巷街道", ("马巷社区", "后许社区", "舫山社区")),
        ("新圩镇", ("大帽山村", "嵩山村", "新圩村", "金柄村")),
        ("内厝镇", ("美山村", "内厝村", "莲塘村")),
    )),
)

# Children of a district (or of the root, when the district is None) outside the
# administrative tree: (district, name, kind).
AFFILIATES: tuple[tuple[str | None, str, OrganisationKind], ...] = (
    ("同安区", "姚明织带企业计生协", OrganisationKind.ENTERPRISE_ASSOCIATION),
    ("翔安区", "翔安示例光电企业计生协", OrganisationKind.ENTERPRISE_ASSOCIATION),
    ("湖里区", "湖里区妇幼保健院", OrganisationKind.INSTITUTION),
    ("集美区", "集美区妇幼保健院", OrganisationKind.INSTITUTION),
    ("集美区", "厦门理工学院", OrganisationKind.INSTITUTION),
    ("同安区", "厦门东海职业技术学院", OrganisationKind.INSTITUTION),
    (None, "厦门市康复医院", OrganisationKind.INSTITUTION),
)

# -- synthetic people ----------------------------------------------------------------

SURNAMES = "林陈黄张李王吴刘蔡杨郑许洪苏叶庄曾谢柯卢"
ORDINALS = "甲乙丙丁戊己庚辛壬癸一二三四五六七八九十"
STUDENT_MARKERS = ("示例", "演示", "测试")

UNIVERSITIES: tuple[tuple[str, bool], ...] = (  # (name, in Xiamen)
    ("厦门大学", True),
    ("集美大学", True),
    ("厦门理工学院", True),
    ("厦门医学院", True),
    ("厦门城市职业学院", True),
    ("厦门东海职业技术学院", True),
    ("福建师范大学", False),
    ("福州大学", False),
    ("华侨大学", False),
    ("闽南师范大学", False),
    ("福建农林大学", False),
)
MAJORS = (
    "护理学", "临床医学", "会计学", "计算机科学与技术", "软件工程", "机械设计制造及其自动化",
    "电子信息工程", "学前教育", "汉语言文学", "英语", "国际经济与贸易", "土木工程",
    "物流管理", "食品科学与工程", "市场营销", "数字媒体技术", "药学", "航海技术",
)
FUNDING_SOURCES = (("金秋助学专项", 70), ("幸福工程", 15), ("企业捐赠", 15))

# (district, short name, industry, positions)
COMPANIES: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("同安区", "同安示例食品", "食品加工", ("品控助理", "生产计划助理", "行政助理")),
    ("同安区", "同安示例纺织", "纺织服装", ("设计助理", "外贸业务助理", "质检员")),
    ("同安区", "同安示例机械制造", "装备制造", ("机械设计助理", "设备维护见习生", "工艺员")),
    ("同安区", "同安示例电子科技", "电子信息", ("测试工程师助理", "生产线储备干部", "采购助理")),
    ("同安区", "同安示例物流", "物流运输", ("仓储管理助理", "调度员", "客服专员")),
    ("同安区", "同安示例茶业", "农业", ("电商运营助理", "品牌推广助理", "财务助理")),
    ("翔安区", "翔安示例光电", "光电", ("研发助理", "工艺工程师助理", "质检员")),
    ("翔安区", "翔安示例新材料", "新材料", ("实验室助理", "生产管理助理", "安全员")),
    ("翔安区", "翔安示例海产品", "食品加工", ("品控助理", "冷链物流助理", "外贸业务助理")),
    ("翔安区", "翔安示例医疗器械", "医疗器械", ("注册专员助理", "质量管理助理", "销售助理")),
    ("翔安区", "翔安示例建材", "建筑材料", ("造价助理", "施工员", "行政助理")),
    ("翔安区", "翔安示例软件", "软件和信息服务", ("软件开发见习生", "测试工程师助理", "运维助理")),
    ("翔安区", "翔安示例农业发展", "农业", ("农技推广助理", "电商运营助理", "财务助理")),
    ("翔安区", "翔安示例酒店管理", "住宿餐饮", ("前厅接待", "人事助理", "营销助理")),
    ("思明区", "思明示例文化传媒", "文化传媒", ("新媒体编辑", "活动策划助理", "摄像助理")),
    ("湖里区", "湖里示例跨境电商", "批发零售", ("跨境运营助理", "客服专员", "数据分析助理")),
    ("湖里区", "湖里示例健康管理", "卫生健康", ("健康管理师助理", "护理见习生", "客服专员")),
    ("集美区", "集美示例教育科技", "教育", ("课程助理", "软件开发见习生", "行政助理")),
    ("海沧区", "海沧示例生物医药", "生物医药", ("实验室助理", "药品注册助理", "质检员")),
)

EVALUATIONS = (
    "见习期间工作认真负责，能按时完成分配的任务，表现良好。",
    "学习能力强，能主动请教，团队协作良好，欢迎毕业后加入。",
    "专业基础扎实，沟通顺畅，已达到岗位见习要求。",
    "态度端正，吃苦耐劳，建议加强专业软件的熟练程度。",
    "表现优秀，已与本人达成毕业后留用意向。",
)


# -- helpers -------------------------------------------------------------------------


def _require(error: str | None, what: str, value: str) -> None:
    if error is not None:
        raise ValueError(f"demo data generated an invalid {what} {value!r}: {error}")


def _check_phone_or_landline(value: str) -> None:
    if _LANDLINE_RE.fullmatch(value) is None:
        _require(check_mobile(value), "phone", value)


def _between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def _weighted(rng: random.Random, options: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


class _Numbers:
    """Sequential, obviously fake mobiles and landlines, checked as they are made."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def _take(self, prefix: str) -> int:
        n = self._next.get(prefix, 1)
        self._next[prefix] = n + 1
        return n

    def mobile(self, prefix: str) -> str:
        value = f"{prefix}0000{self._take(prefix):04d}"
        _require(check_mobile(value), "mobile", value)
        return value

    def landline(self) -> str:
        value = f"0592-555{self._take('0592'):04d}"
        _check_phone_or_landline(value)
        return value


def _person_name(rng: random.Random, marker: str) -> str:
    return rng.choice(SURNAMES) + marker + rng.choice(ORDINALS)


class _Loader:
    def __init__(self, session: AsyncSession, seed: int) -> None:
        self.session = session
        self.rng = random.Random(seed)
        self.numbers = _Numbers()
        self.orgs: dict[tuple[str, ...], Organisation] = {}  # by names below the root
        self.districts: dict[str, Organisation] = {}
        self.region: dict[str, str] = {}  # district name -> region code
        self.communities: dict[str, list[Organisation]] = {}  # district name -> communities
        self.district_of: dict[int, str] = {}  # organisation id -> district name
        self.sites: dict[str, ServiceSite] = {}

    # -- plumbing --

    def new(self, model: Callable[..., R], **values: Any) -> R:
        row = model(created_by=AUTHOR, updated_by=AUTHOR, **values)
        self.session.add(row)
        return row

    async def flush(self) -> None:
        await self.session.flush()

    def org(self, *names: str) -> Organisation:
        return self.orgs[names]

    # -- organisations --

    async def _place(self, rows: Iterable[Organisation]) -> None:
        """Flush new organisations for their ids, then set each materialised path."""
        rows = list(rows)
        await self.flush()
        parents = {o.id: o for o in self.orgs.values()}
        for row in rows:
            parent = parents.get(row.parent_id) if row.parent_id is not None else None
            row.path = f"{parent.path if parent else '/'}{row.id}/"

    def _org(self, key: tuple[str, ...], parent: Organisation | None, **values: Any) -> Organisation:
        row = self.new(
            Organisation,
            name=key[-1] if key else ROOT_NAME,
            parent_id=parent.id if parent else None,
            published=True,
            **values,
        )
        self.orgs[key] = row
        return row

    def _contact(self, *, landline: bool) -> dict[str, str]:
        phone = self.numbers.landline() if landline else self.numbers.mobile("137")
        return {"contact_name": _person_name(self.rng, "示"), "contact_phone": phone}

    async def organisations(self) -> None:
        root = self._org(
            (), None, kind=OrganisationKind.ASSOCIATION, level=OrganisationLevel.CITY,
            address="厦门市思明区示例路1号", **self._contact(landline=True),
        )
        await self._place([root])

        level: list[Organisation] = []
        for n, (district, region, _streets) in enumerate(DISTRICTS, start=1):
            self.region[district] = region
            self.districts[district] = row = self._org(
                (district,), root, kind=OrganisationKind.ASSOCIATION, level=OrganisationLevel.DISTRICT,
                address=f"厦门市{district}示例大道{n * 100}号", **self._contact(landline=True),
            )
            level.append(row)
        for home, name, kind in AFFILIATES:
            if home is None:
                level.append(self._org(
                    (name,), root, kind=kind, level=None,
                    address=f"厦门市湖里区示例路{len(level) + 10}号", **self._contact(landline=True),
                ))
        await self._place(level)

        level = []
        for district, _region, streets in DISTRICTS:
            parent = self.districts[district]
            for s, (street, _communities) in enumerate(streets, start=1):
                office = "人民政府" if street.endswith("镇") else "办事处"
                level.append(self._org(
                    (district, street), parent, kind=OrganisationKind.ASSOCIATION,
                    level=OrganisationLevel.STREET,
                    address=f"厦门市{district}{street}{office}（示例路{s * 10}号）",
                    **self._contact(landline=True),
                ))
        for a, (home, name, kind) in enumerate(AFFILIATES, start=1):
            if home is not None:
                level.append(self._org(
                    (home, name), self.districts[home], kind=kind, level=None,
                    address=f"厦门市{home}示例园区{a}号", **self._contact(landline=True),
                ))
        await self._place(level)

        level = []
        for district, _region, streets in DISTRICTS:
            self.communities[district] = []
            for street, communities in streets:
                parent = self.org(district, street)
                for community in communities:
                    office = "村委会" if community.endswith("村") else "居委会"
                    row = self._org(
                        (district, street, community), parent, kind=OrganisationKind.ASSOCIATION,
                        level=OrganisationLevel.COMMUNITY,
                        address=f"厦门市{district}{street}{community}{office}",
                        **self._contact(landline=False),
                    )
                    self.communities[district].append(row)
                    level.append(row)
        await self._place(level)
        await self.flush()  # the paths
        for key, row in self.orgs.items():
            if key and key[0] in self.districts:
                assert row.id is not None
                self.district_of[row.id] = key[0]

    # -- service sites --

    def _site(
        self,
        name: str,
        kind: SiteKind,
        host: Organisation,
        recognition: Recognition,
        opened_on: date | None = None,
        *,
        first: date = date(2018, 3, 1),
        last: date = date(2022, 12, 20),
    ) -> ServiceSite:
        site = self.new(
            ServiceSite,
            name=name,
            kind=kind,
            organisation_id=host.id,
            address=host.address,
            opened_on=opened_on or _between(self.rng, first, last),
            recognition=recognition,
            published=True,
        )
        self.sites[name] = site
        return site

    async def service_sites(self) -> None:
        rng, org = self.rng, self.org
        N, P, C, D = Recognition.NATIONAL, Recognition.PROVINCIAL, Recognition.CITY, Recognition.DISTRICT

        # 家庭健康服务中心: at least one per district; 禾山 and 霞溪 are national project points.
        FHC = SiteKind.FAMILY_HEALTH_CENTRE
        self._site("禾山社区家庭健康服务中心", FHC, org("湖里区", "禾山街道", "禾山社区"), N, date(2022, 7, 22))
        self._site("霞溪社区家庭健康服务中心", FHC, org("思明区", "中华街道", "霞溪社区"), N, date(2022, 6, 28))
        self._site("侨兴街道家庭健康服务中心", FHC, org("集美区", "侨兴街道"), C, first=date(2022, 1, 1))
        self._site("海沧街道家庭健康服务中心", FHC, org("海沧区", "海沧街道"), C, first=date(2022, 1, 1))
        self._site("凤祥社区家庭健康服务中心", FHC, org("同安区", "祥平街道", "凤祥社区"), D, first=date(2022, 1, 1))
        self._site("翔安区家庭健康服务中心", FHC, self.districts["翔安区"], N, first=date(2022, 1, 1))

        # 向日葵亲子小屋: 23, six of them in 同安 (report).
        huts: tuple[tuple[tuple[str, ...], Recognition], ...] = (
            (("同安区", "五显镇", "香溪社区"), P),
            (("同安区", "祥平街道", "凤祥社区"), C),
            (("同安区", "祥平街道", "西山社区"), D),
            (("同安区", "大同街道", "城东社区"), C),
            (("同安区", "大同街道", "三秀社区"), D),
            (("同安区", "新民镇", "新民社区"), D),
            (("翔安区", "新圩镇", "大帽山村"), N),
            (("翔安区", "新圩镇", "嵩山村"), N),
            (("翔安区", "内厝镇", "美山村"), C),
            (("翔安区", "马巷街道", "马巷社区"), D),
            (("海沧区", "海沧街道"), P),
            (("海沧区", "新阳街道", "新阳社区"), C),
            (("海沧区", "东孚街道", "东孚社区"), D),
            (("集美区", "侨兴街道", "海沧社区"), C),
            (("集美区", "集美街道", "岑头社区"), D),
            (("集美区", "灌口镇", "灌口社区"), D),
            (("思明区", "中华街道", "中山社区"), C),
            (("思明区", "嘉莲街道", "莲花五村社区"), C),
            (("思明区", "莲前街道", "前埔社区"), D),
            (("思明区", "鹭江街道", "大同社区"), D),
            (("湖里区", "殿前街道", "高林社区"), C),
            (("湖里区", "禾山街道", "禾山社区"), P),
            (("湖里区", "江头街道", "江头社区"), D),
        )
        for key, recognition in huts:
            self._site(f"{key[-1]}向日葵亲子小屋", SiteKind.SUNFLOWER_HUT, org(*key), recognition, first=date(2019, 5, 1))

        # 暖心家园: 11 — 思明 4 (2 national), 湖里/海沧/集美 1 each (national), 翔安 2, 同安 2.
        WHH = SiteKind.WARM_HEART_HOME
        homes: tuple[tuple[str, tuple[str, ...], Recognition], ...] = (
            ("中华街道暖心家园", ("思明区", "中华街道"), N),
            ("鹭江街道暖心家园", ("思明区", "鹭江街道"), N),
            ("嘉莲街道暖心家园（睦邻之家）", ("思明区", "嘉莲街道"), C),
            ("莲前街道暖心家园", ("思明区", "莲前街道"), C),
            ("湖里区暖心家园（暖心敬老餐厅）", ("湖里区", "禾山街道"), N),
            ("嵩屿街道暖心家园", ("海沧区", "嵩屿街道"), N),
            ("杏林街道暖心家园", ("集美区", "杏林街道"), N),
            ("新店街道暖心家园", ("翔安区", "新店街道"), C),
            ("马巷街道暖心家园", ("翔安区", "马巷街道"), C),
            ("大同街道暖心家园", ("同安区", "大同街道"), D),
            ("祥平街道暖心家园", ("同安区", "祥平街道"), D),
        )
        for name, key, recognition in homes:
            self._site(name, WHH, org(*key), recognition, first=date(2018, 6, 1), last=date(2021, 12, 1))

        # 优生优育指导基地: 8.
        EB = SiteKind.EUGENICS_BASE
        bases: tuple[tuple[str, Organisation, Recognition], ...] = (
            ("集美区优生优育指导中心", org("集美区", "集美区妇幼保健院"), C),
            ("湖里区优生优育指导基地", org("湖里区", "湖里区妇幼保健院"), C),
            ("思明区优生优育指导基地", self.districts["思明区"], D),
            ("海沧区优生优育指导基地", self.districts["海沧区"], D),
            ("祥平街道优生优育指导基地", org("同安区", "祥平街道"), D),
            ("五显镇优生优育指导基地", org("同安区", "五显镇"), D),
            ("新圩镇优生优育指导基地", org("翔安区", "新圩镇"), C),
            ("马巷街道优生优育指导基地", org("翔安区", "马巷街道"), D),
        )
        for name, host, recognition in bases:
            self._site(name, EB, host, recognition, first=date(2020, 1, 1))

        # 儿童早期发展示范点: 36, in communities across the city.
        every_community = [c for d, *_ in DISTRICTS for c in self.communities[d]]
        for host in rng.sample(every_community, 36):
            recognition = _weighted(rng, ((P, 1), (C, 3), (D, 5), (Recognition.NONE, 3)))
            self._site(f"{host.name}儿童早期发展示范点", SiteKind.EARLY_CHILDHOOD_POINT, host, recognition)

        YHB = SiteKind.YOUTH_HEALTH_BASE
        self._site("厦门东海职业技术学院青春健康教育基地", YHB, org("同安区", "厦门东海职业技术学院"), N, date(2022, 5, 20))
        self._site("厦门理工学院青春健康教育基地", YHB, org("集美区", "厦门理工学院"), C, first=date(2021, 1, 1))
        self._site("思明区金色阳光志愿服务驿站", SiteKind.VOLUNTEER_STATION, self.districts["思明区"], C)
        await self.flush()

    # -- courses --

    async def courses(self) -> None:
        rng, org = self.rng, self.org
        specs: list[dict[str, Any]] = []

        def add(
            title: str, category: CourseCategory, organiser: Organisation, start: date, days: int,
            *, site: str | None = None, venue: str | None = None, capacity: int = 40, description: str,
            people_from: Sequence[Organisation] | None = None, topics: Sequence[str],
        ) -> None:
            specs.append({
                "course": self.new(
                    Course, title=title, category=category, organisation_id=organiser.id,
                    site_id=None, start_date=start, end_date=start + timedelta(days=days),
                    capacity=capacity, description=description, published=True,
                ),
                "site": site, "venue": venue or (site or organiser.name),
                "people_from": people_from, "topics": topics, "district": None,
            })

        instructor_topics = (
            "家庭健康促进行动与指导员职责", "婴幼儿照护与科学育儿", "慢性病预防与家庭用药安全",
            "老年人健康管理与防跌倒", "心理健康与家庭沟通", "急救常识与心肺复苏",
        )
        fhc_of = {
            "思明区": "霞溪社区家庭健康服务中心", "集美区": "侨兴街道家庭健康服务中心",
            "海沧区": "海沧街道家庭健康服务中心", "同安区": "凤祥社区家庭健康服务中心",
            "翔安区": "翔安区家庭健康服务中心",
        }
        for district, *_ in DISTRICTS:
            if district == "湖里区":
                start, days, venue = date(2022, 10, 14), 21, "湖里区妇幼保健院"
            else:
                start = _between(rng, date(2022, 4, 1), date(2022, 9, 30))
                days, venue = rng.randint(14, 35), None
            add(
                f"2022年{district}家庭健康指导员培训班", CourseCategory.INSTRUCTOR_TRAINING,
                self.districts[district], start, days, site=fhc_of.get(district), venue=venue, capacity=80,
                description=(
                    f"{district}计生协举办的家庭健康指导员培训，目标是每个村（居）至少培养2名"
                    "群众身边的合格家庭健康指导员。考核合格者颁发家庭健康指导员证书。"
                ),
                topics=instructor_topics,
            )
            specs[-1]["district"] = district

        peer_topics = ("青春期生理与心理", "预防意外怀孕", "预防艾滋病与性病", "同伴教育方法与技巧", "恋爱与人际沟通")
        add(
            "青春健康同伴教育主持人培训（厦门东海职业技术学院）", CourseCategory.YOUTH_PEER_EDUCATION,
            self.districts["同安区"], date(2022, 5, 23), 30, site="厦门东海职业技术学院青春健康教育基地",
            description="依托东海青春健康教育基地开展青春健康同伴教育，帮助大学生树立正确的性与生殖健康观念。",
            people_from=self.communities["同安区"], topics=peer_topics,
        )
        add(
            "青春健康同伴教育——“预防意外怀孕”主题讲座（厦门理工学院）", CourseCategory.YOUTH_PEER_EDUCATION,
            self.districts["集美区"], date(2022, 11, 8), 14, site="厦门理工学院青春健康教育基地",
            description="集美区青春健康项目服务队走进厦门理工学院，开展“预防意外怀孕”主题讲座和同伴教育。",
            people_from=self.communities["集美区"], topics=peer_topics,
        )
        gaolin = org("湖里区", "殿前街道", "高林社区")
        add(
            "青春健康家长课堂“沟通之道”", CourseCategory.PARENTING, gaolin, date(2022, 8, 6), 28,
            site="高林社区向日葵亲子小屋", capacity=30,
            description="面向青春期孩子家长的系列讲座：如何与孩子沟通青春期健康话题。",
            people_from=[gaolin], topics=("走进青春期的孩子", "倾听与表达", "亲子冲突的化解", "家长如何谈性与安全"),
        )
        add(
            "高林社区父母课堂", CourseCategory.PARENTING, gaolin, date(2022, 3, 12), 60,
            site="高林社区向日葵亲子小屋", capacity=30,
            description="面向0-3岁婴幼儿家长的父母课堂，普及科学育儿知识。",
            people_from=[gaolin], topics=("婴幼儿营养与喂养", "亲子阅读", "婴幼儿早期发展", "常见病预防"),
        )
        add(
            "集美区父母课堂·科学育儿", CourseCategory.PARENTING, self.districts["集美区"], date(2022, 6, 1), 120,
            site="海沧社区向日葵亲子小屋", capacity=60,
            description="集美区计生协与区妇幼保健院联合开展的父母课堂和入户指导。",
            people_from=self.communities["集美区"], topics=("科学育儿", "亲子游戏", "婴幼儿睡眠", "家庭安全"),
        )
        siming = self.districts["思明区"]
        for skill, topics in (
            ("烘焙", ("烘焙基础与工具", "面包制作", "蛋糕裱花", "中式点心")),
            ("美甲", ("美甲基础与卫生", "甲型修护", "彩绘技法", "创业与经营")),
            ("育婴", ("新生儿护理", "婴儿喂养", "婴幼儿抚触", "育婴员职业规范")),
        ):
            add(
                f"幸福工程—幸福学堂·{skill}班", CourseCategory.SKILLS, siming,
                _between(rng, date(2022, 3, 1), date(2022, 10, 31)), rng.randint(14, 42),
                site="思明区金色阳光志愿服务驿站", capacity=25,
                description=f"思明区深化“幸福工程—幸福学堂”项目开设的{skill}课程，帮助计生困难家庭掌握就业技能。",
                people_from=self.communities["思明区"], topics=topics,
            )
        add(
            "母婴护理培训班", CourseCategory.SKILLS, self.districts["湖里区"], date(2022, 9, 5), 30,
            venue="湖里区妇幼保健院", capacity=30,
            description="湖里区计生协与区妇幼保健院“幸福工程”共建开办的母婴护理培训班。",
            people_from=self.communities["湖里区"], topics=("产褥期护理", "新生儿护理", "母乳喂养指导", "产后康复"),
        )
        root = self.orgs[()]
        add(
            "“暖心大学堂”健康知识讲座", CourseCategory.HEALTH_LECTURE, root, date(2022, 10, 14), 0,
            venue="厦门市康复医院", capacity=120,
            description="“红帆领航·健康同行”暖心大学堂：康复医学专家为老年朋友和中青年朋友讲授健康知识。",
            topics=("老年人运动康复", "中青年颈肩腰腿痛的预防"),
        )
        add(
            "“暖心大学堂”秋季健康讲座", CourseCategory.HEALTH_LECTURE, root, date(2024, 10, 16), 0,
            venue="厦门市康复医院", capacity=120,
            description="暖心大学堂秋季讲座：慢性病管理与家庭健康。报名进行中。",
            topics=("慢性病管理", "家庭健康与合理膳食"),
        )

        for spec in specs:
            if spec["site"] is not None:
                spec["course"].site_id = self.sites[spec["site"]].id
        await self.flush()

        cert = 0
        for spec in specs:
            course: Course = spec["course"]
            self._sessions(course, spec["venue"], spec["topics"])
            if spec["district"] is not None:
                cert = self._instructors(course, self.communities[spec["district"]], cert)
            else:
                self._attendees(course, spec["people_from"])
        await self.flush()

    def _sessions(self, course: Course, venue: str, topics: Sequence[str]) -> None:
        rng = self.rng
        assert course.end_date is not None
        span = (course.end_date - course.start_date).days
        n = 2 if span == 0 else rng.randint(2, min(5, span + 1))
        days = [0, span] + sorted(rng.sample(range(1, span), n - 2)) if span > 1 else [0, span]
        for i, day in enumerate(sorted(days)):
            self.new(
                CourseSession, course_id=course.id, organisation_id=course.organisation_id,
                session_date=course.start_date + timedelta(days=day), topic=topics[i % len(topics)],
                venue=venue, lecturer=_person_name(rng, "演"),
            )

    def _phone(self) -> str:
        return self.numbers.mobile("138")

    def _instructors(self, course: Course, communities: Sequence[Organisation], cert: int) -> int:
        """Qualified instructors per community: most get 2–4, a few only 0 or 1."""
        rng = self.rng
        short = set(rng.sample(range(len(communities)), 1 if len(communities) < 12 else 2))
        for i, community in enumerate(communities):
            qualified = rng.choice((0, 1)) if i in short else rng.randint(2, 4)
            for _ in range(qualified):
                cert += 1
                self.new(
                    Enrolment, course_id=course.id, organisation_id=community.id,
                    name=_person_name(rng, "测"), phone=self._phone(), status=EnrolmentStatus.QUALIFIED,
                    score=rng.randint(60, 100), certificate_number=f"JKZD-2022-{cert:04d}",
                )
            if rng.random() < 0.35:  # someone who did not pass or dropped out
                status = rng.choice((EnrolmentStatus.ATTENDED, EnrolmentStatus.DROPPED))
                self.new(
                    Enrolment, course_id=course.id, organisation_id=community.id,
                    name=_person_name(rng, "测"), phone=self._phone(), status=status,
                    score=rng.randint(35, 59) if status is EnrolmentStatus.ATTENDED else None,
                )
        return cert

    def _attendees(self, course: Course, people_from: Sequence[Organisation] | None) -> None:
        rng = self.rng
        homes = list(people_from) if people_from else [c for d, *_ in DISTRICTS for c in self.communities[d]]
        upcoming = course.start_date > AS_OF
        n = min(course.capacity or 30, rng.randint(12, 30))
        for _ in range(n):
            if upcoming:
                status = EnrolmentStatus.ENROLLED
            else:
                status = _weighted(rng, ((EnrolmentStatus.ATTENDED, 8), (EnrolmentStatus.DROPPED, 1), (EnrolmentStatus.ENROLLED, 1)))
            self.new(
                Enrolment, course_id=course.id, organisation_id=rng.choice(homes).id,
                name=_person_name(rng, "测"), phone=self._phone() if rng.random() < 0.9 else None, status=status,
            )

    # -- companies --

    async def companies(self) -> list[Company]:
        rng = self.rng
        codes: set[str] = set()
        rows: list[Company] = []
        for c, (district, short, industry, _positions) in enumerate(COMPANIES, start=1):
            while True:
                body = "91" + self.region[district] + "".join(rng.choice(CREDIT_CODE_CHARSET) for _ in range(9))
                code = make_credit_code(body)
                if code not in codes:
                    break
            _require(check_credit_code(code), "credit code", code)
            codes.add(code)
            if district in ("同安区", "翔安区"):
                plaque = _between(rng, date(2022, 9, 1), date(2022, 9, 30))
            else:
                plaque = _between(rng, date(2022, 9, 1), date(2023, 6, 30))
            contact = self._contact(landline=rng.random() < 0.5)
            _check_phone_or_landline(contact["contact_phone"])
            rows.append(self.new(
                Company, name=f"厦门{short}有限公司", credit_code=code,
                organisation_id=self.districts[district].id, industry=industry, plaque_date=plaque,
                address=f"厦门市{district}示例工业园{c}号", intern_capacity=rng.randint(3, 10),
                published=True, **contact,
            ))
        await self.flush()
        return rows

    # -- scholarship students --

    async def students(self) -> list[ScholarshipStudent]:
        rng = self.rng
        per_district = {"思明区": 30, "湖里区": 35, "集美区": 45, "海沧区": 38, "同安区": 75, "翔安区": 75}
        names = [s + m + o for s in SURNAMES for m in STUDENT_MARKERS for o in ORDINALS]
        rng.shuffle(names)
        ids: set[str] = set()
        students: list[ScholarshipStudent] = []
        for district, count in per_district.items():
            for _ in range(count):
                gender = rng.choice((Gender.MALE, Gender.FEMALE))
                enrolment_year = rng.randint(2019, 2022)
                birth_year = min(2005, max(2000, enrolment_year - _weighted(rng, ((18, 6), (19, 3), (17, 1)))))
                while True:
                    birth = date(birth_year, rng.randint(1, 12), rng.randint(1, 28))
                    id_number = make_national_id(self.region[district], birth, rng.randint(0, 999), gender.value)
                    if id_number not in ids:
                        break
                _require(check_national_id(id_number), "ID number", id_number)
                if national_id_gender(id_number) != gender.value:
                    raise ValueError(f"demo ID number {id_number} does not encode {gender.value}")
                ids.add(id_number)
                university, in_xiamen = rng.choice(UNIVERSITIES)
                graduation_year = enrolment_year + 4
                if graduation_year > AS_OF.year:
                    outcome = EmploymentOutcome.STUDYING
                elif in_xiamen:
                    outcome = _weighted(rng, (
                        (EmploymentOutcome.STAYED_IN_XIAMEN, 55), (EmploymentOutcome.ELSEWHERE, 20),
                        (EmploymentOutcome.FURTHER_STUDY, 20), (EmploymentOutcome.UNKNOWN, 5),
                    ))
                else:
                    outcome = _weighted(rng, (
                        (EmploymentOutcome.RETURNED_TO_XIAMEN, 50), (EmploymentOutcome.ELSEWHERE, 30),
                        (EmploymentOutcome.FURTHER_STUDY, 15), (EmploymentOutcome.UNKNOWN, 5),
                    ))
                students.append(self.new(
                    ScholarshipStudent, name=names.pop(), gender=gender, id_number=id_number,
                    phone=self.numbers.mobile("139"),
                    family_category=_weighted(rng, (
                        (FamilyCategory.REGISTERED_POOR, 6), (FamilyCategory.ONLY_CHILD_LOW_INCOME, 4),
                    )),
                    organisation_id=rng.choice(self.communities[district]).id,
                    university=university, major=rng.choice(MAJORS),
                    enrolment_year=enrolment_year, graduation_year=graduation_year,
                    employment_outcome=outcome,
                ))
        await self.flush()

        for student in students:
            # Every student is funded in 2022 (298 students that year); earlier years mostly too.
            for year in range(max(2020, student.enrolment_year), 2023):
                if year < 2022 and rng.random() < 0.15:
                    continue
                amount = Decimal(rng.choice((1000, 1500, 2000, 2500, 3000, 4000, 5000)))
                if rng.random() < 0.1:
                    amount += Decimal("0.50")
                self.new(
                    Grant, student_id=student.id, organisation_id=student.organisation_id, year=year,
                    amount=amount.quantize(Decimal("0.01")), funding_source=_weighted(rng, FUNDING_SOURCES),
                )
        await self.flush()
        return students

    # -- internships --

    async def internships(self, students: Sequence[ScholarshipStudent], companies: Sequence[Company]) -> None:
        rng = self.rng
        positions = {f"厦门{short}有限公司": p for _d, short, _i, p in COMPANIES}
        room = {c.id: c.intern_capacity or 0 for c in companies}
        eligible = [s for s in students if s.enrolment_year <= 2021]
        chosen = rng.sample(eligible, min(60, len(eligible)))
        for student in chosen:
            district = self.district_of[student.organisation_id]
            open_ = [c for c in companies if room[c.id] > 0]
            if not open_:
                break
            local = [c for c in open_ if self.district_of[c.organisation_id] == district]
            company = rng.choice(local if local and rng.random() < 0.7 else open_)
            room[company.id] -= 1
            values: dict[str, Any] = {}
            if rng.random() < 0.12:
                values["status"] = InternshipStatus.RECOMMENDED
            else:
                start = _between(rng, date(2022, 10, 10), date(2024, 12, 1))
                end = start + timedelta(days=rng.randint(30, 120))
                if end < AS_OF:
                    if rng.random() < 0.15:
                        end = start + timedelta(days=rng.randint(7, 25))
                        values.update(status=InternshipStatus.WITHDRAWN, evaluation="因学业安排提前结束见习。")
                    else:
                        values.update(status=InternshipStatus.COMPLETED, evaluation=rng.choice(EVALUATIONS))
                elif start <= AS_OF:
                    values["status"] = InternshipStatus.ONGOING
                else:
                    values["status"] = InternshipStatus.ACCEPTED
                values.update(start_date=start, end_date=end)
            self.new(
                Internship, student_id=student.id, company_id=company.id,
                organisation_id=student.organisation_id, position=rng.choice(positions[company.name]),
                **values,
            )
        await self.flush()


async def _count(session: AsyncSession, *, created: bool) -> DemoSummary:
    counts: dict[str, int] = {}
    for name, model in _COUNTED.items():
        result = await session.execute(sa.select(sa.func.count(sql_col(model.id))))
        counts[name] = int(result.scalar_one())
    return DemoSummary(created=created, **counts)  # type: ignore[arg-type]


# -- demo accounts ---------------------------------------------------------------------

DEMO_PASSWORD = "hongfan-demo-2024"
PARTNER_EMAIL = "partner@demo.hongfan"
# (e-mail, role, district it is bound to, display name); the partner gets a 同安 company.
DEMO_USERS: tuple[tuple[str, Role, str | None, str], ...] = (
    ("admin@demo.hongfan", Role.SUPERADMIN, None, "演示超级管理员"),
    ("huli.admin@demo.hongfan", Role.ORG_ADMIN, "湖里区", "湖里区计生协管理员（演示）"),
    ("huli.editor@demo.hongfan", Role.EDITOR, "湖里区", "湖里区计生协编辑（演示）"),
    ("siming.viewer@demo.hongfan", Role.VIEWER, "思明区", "思明区计生协查看者（演示）"),
    (PARTNER_EMAIL, Role.PARTNER, None, "实践基地企业（演示）"),
)


async def _district(session: AsyncSession, name: str) -> Organisation | None:
    result = await session.execute(
        sa.select(Organisation).where(
            sql_col(Organisation.name) == name, sql_col(Organisation.level) == OrganisationLevel.DISTRICT
        ).order_by(sql_col(Organisation.id))
    )
    return result.scalars().first()


async def _partner_company(session: AsyncSession) -> Company | None:
    """The first 同安 company (by id) that has interns."""
    tongan = await _district(session, "同安区")
    if tongan is None:
        return None
    result = await session.execute(
        sa.select(Company)
        .join(Internship, sql_col(Internship.company_id) == sql_col(Company.id))
        .where(sql_col(Company.organisation_id) == tongan.id)
        .order_by(sql_col(Company.id))
        .limit(1)
    )
    return result.scalars().first()


async def _demo_users(session: AsyncSession, password: str | None) -> tuple[list[str], str | None, bool]:
    """Create the demo accounts that are missing; (login lines, new partner token, partner exists)."""
    actor = system(ACTOR)
    lines: list[str] = []
    token: str | None = None
    partner_exists = False
    for email, role, district_name, display_name in DEMO_USERS:
        binding: dict[str, int | None] = {}
        scope = "all"
        if district_name is not None:
            district = await _district(session, district_name)
            if district is None:
                continue
            binding["organisation_id"] = district.id
            scope = district_name
        elif role is Role.PARTNER:
            company = await _partner_company(session)
            if company is None:
                continue
            binding["company_id"] = company.id
            scope = company.name
        existing = await accounts.get_user_by_email(session, email)
        if existing is None:
            user, generated = await accounts.create_user(
                session, actor, email, role, password=password, display_name=display_name, **binding
            )
            shown = generated or password
            if role is Role.PARTNER:
                _token, token = await accounts.issue_token(session, actor, user.id, name="demo")  # type: ignore[arg-type]
        else:
            # A fixed demo password can be shown again; a generated one cannot.
            shown = password or "(password shown when it was created)"
        if role is Role.PARTNER:
            partner_exists = True
        lines.append(f"{email:<28} {shown}  {role.value} · {scope}")
    return lines, token, partner_exists


async def load_demo(db: Database, *, seed: int = 2022, demo_password: str | None = DEMO_PASSWORD) -> DemoSummary:
    """Load the demo network unless its root 厦门市 already exists; report the row counts.

    Then create the demo accounts that are missing (one per role), with
    ``demo_password`` or, when it is None (production), a generated password
    each; the summary carries their login lines and the partner's new API token.
    """
    async with db.transaction(system(ACTOR)) as session:
        summary = await _load_network(db, session, seed)
        logins, token, partner = await _demo_users(session, demo_password)
        return dataclasses.replace(
            summary, logins=tuple(logins), partner_token=token, partner_email=PARTNER_EMAIL if partner else None
        )


async def _load_network(db: Database, session: AsyncSession, seed: int) -> DemoSummary:
    if db.dialect == "postgresql":
        connection = await session.connection()
        await connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    existing = await session.execute(
        sa.select(sql_col(Organisation.id))
        .where(sql_col(Organisation.name) == ROOT_NAME, sql_col(Organisation.parent_id).is_(None))
        .execution_options(**{INCLUDE_DELETED: True})
    )
    if existing.first() is not None:
        return await _count(session, created=False)

    loader = _Loader(session, seed)
    await loader.organisations()
    await loader.service_sites()
    await loader.courses()
    companies = await loader.companies()
    students = await loader.students()
    await loader.internships(students, companies)
    return await _count(session, created=True)


__all__ = ["AS_OF", "DEMO_PASSWORD", "DEMO_USERS", "PARTNER_EMAIL", "ROOT_NAME", "DemoSummary", "load_demo"]
