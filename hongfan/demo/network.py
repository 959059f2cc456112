"""The network part of the demo: organisations from the official divisions, service sites, courses.

Deterministic (every choice from one ``random.Random(seed)``), and valid: phones are
checked with :mod:`models.validators` as they are made. The people (students,
enrolments, companies) are added by :mod:`hongfan.demo.people` on the same loader.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan.demo.data import demo_data, divisions
from models.base import Record, utcnow
from models.organisations import Organisation, OrganisationKind, OrganisationLevel
from models.sites import Recognition, ServiceSite, SiteKind
from models.validators import check_mobile

ACTOR = "demo"
AUTHOR: int | None = None  # authorship is a user id; the system writes as nobody
ROOT_NAME = "厦门市"
AS_OF: date = demo_data()["as_of"]
_LANDLINE_RE = re.compile(r"0\d{2,3}-\d{7,8}")

R = TypeVar("R", bound=Record)


def require(error: str | None, what: str, value: str) -> None:
    if error is not None:
        raise ValueError(f"demo data generated an invalid {what} {value!r}: {error}")


def check_phone_or_landline(value: str) -> None:
    if _LANDLINE_RE.fullmatch(value) is None:
        require(check_mobile(value), "phone", value)


def between(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randint(0, (end - start).days))


def weighted(rng: random.Random, options: Sequence[tuple[Any, int]]) -> Any:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


class Numbers:
    """Sequential, obviously fake mobiles and landlines, checked as they are made."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def _take(self, prefix: str) -> int:
        n = self._next.get(prefix, 1)
        self._next[prefix] = n + 1
        return n

    def mobile(self, prefix: str) -> str:
        value = f"{prefix}0000{self._take(prefix):04d}"
        require(check_mobile(value), "mobile", value)
        return value

    def landline(self) -> str:
        value = f"0592-555{self._take('0592'):04d}"
        check_phone_or_landline(value)
        return value


def person_name(rng: random.Random, marker: str) -> str:
    data = demo_data()["students"]
    return rng.choice(data["surnames"]) + marker + rng.choice(data["ordinals"])


class NetworkLoader:
    def __init__(self, session: AsyncSession, seed: int) -> None:
        self.session = session
        self.rng = random.Random(seed)
        self.numbers = Numbers()
        self.orgs: dict[tuple[str, ...], Organisation] = {}  # by short names below the root
        self.districts: dict[str, Organisation] = {}
        self.region: dict[str, str] = {}  # district name -> region code of ID numbers
        self.communities: dict[str, list[Organisation]] = {}  # district name -> communities
        self.district_of: dict[int, str] = {}  # organisation id -> district name
        self.sites: dict[str, ServiceSite] = {}
        self.pending: dict[type[Record], list[dict[str, Any]]] = {}

    def new(self, model: Callable[..., R], **values: Any) -> R:
        row = model(created_by=AUTHOR, updated_by=AUTHOR, **values)
        self.session.add(row)
        return row

    def plain(self, model: type[Record], **values: Any) -> None:
        """A row no later code refers to: inserted as a plain row, thousands at once."""
        self.pending.setdefault(model, []).append(values)

    async def flush(self) -> None:
        await self.session.flush()
        for model, rows in self.pending.items():
            table = model.__table__  # type: ignore[attr-defined]
            fields = model.model_fields
            now = utcnow()
            base = {
                c.name: fields[c.name].get_default(call_default_factory=True)
                for c in table.columns
                if c.name != "id" and c.name in fields
            }
            base.update(created_by=AUTHOR, updated_by=AUTHOR, created_at=now, updated_at=now)
            await self.session.execute(sa.insert(table), [{**base, **row} for row in rows])
        self.pending.clear()

    def org(self, path: str) -> Organisation:
        """An organisation by its short names below 厦门市 ("湖里区/金山街道/高林社区"; "" is the city)."""
        return self.orgs[tuple(p for p in path.split("/") if p)]

    def contact(self, *, landline: bool) -> dict[str, str]:
        phone = self.numbers.landline() if landline else self.numbers.mobile("137")
        return {"contact_name": person_name(self.rng, "示"), "contact_phone": phone}

    # -- organisations --

    async def _place(self, rows: Iterable[Organisation]) -> None:
        """Flush new organisations for their ids, then set each materialised path."""
        rows = list(rows)
        await self.flush()
        parents = {o.id: o for o in self.orgs.values()}
        for row in rows:
            parent = parents.get(row.parent_id) if row.parent_id is not None else None
            row.path = f"{parent.path if parent else '/'}{row.id}/"

    def _org(
        self, key: tuple[str, ...], parent: Organisation | None, **values: Any
    ) -> Organisation:
        row = self.new(
            Organisation,
            name=key[-1] if key else ROOT_NAME,
            parent_id=parent.id if parent else None,
            published=True,
            **values,
        )
        self.orgs[key] = row
        return row

    async def organisations(self) -> None:
        """The official tree, level by level, then the affiliates (hospitals, colleges, companies)."""
        keys: dict[str, tuple[str, ...]] = {}
        for depth, level in enumerate(("city", "district", "street", "community")):
            batch = []
            for division in (d for d in divisions() if d.level == level):
                parent_key = keys.get(division.parent_code or "")
                key = () if level == "city" else (*(parent_key or ()), division.name)
                keys[division.code] = key
                parent = self.orgs[parent_key] if parent_key is not None else None
                office = (
                    division.official_name
                    if level in ("community",)
                    else f"{division.name}{'人民政府' if division.name.endswith('镇') else '办事处'}"
                )
                batch.append(
                    self._org(
                        key,
                        parent,
                        kind=OrganisationKind.ASSOCIATION,
                        level=OrganisationLevel(level),
                        code=division.code,
                        official_name=division.official_name
                        if division.official_name != division.name
                        else None,
                        address=f"厦门市{''.join(key[:-1])}{office}"
                        if depth > 1
                        else f"厦门市{division.name}示例路{depth + 1}号",
                        **self.contact(landline=level != "community"),
                    )
                )
                if level == "district":
                    self.districts[division.name] = batch[-1]
                    self.region[division.name] = division.code[:6]
                    self.communities[division.name] = []
                if level == "community":
                    self.communities[key[0]].append(batch[-1])
            await self._place(batch)
        batch = []
        for a, affiliate in enumerate(demo_data()["affiliates"], start=1):
            home = affiliate["district"]
            key = (home, affiliate["name"]) if home else (affiliate["name"],)
            batch.append(
                self._org(
                    key,
                    self.districts[home] if home else self.orgs[()],
                    kind=OrganisationKind(affiliate["kind"]),
                    level=None,
                    address=f"厦门市{home or '湖里区'}示例园区{a}号",
                    **self.contact(landline=True),
                )
            )
        await self._place(batch)
        await self.flush()  # the paths
        for key, row in self.orgs.items():
            if key and key[0] in self.districts:
                assert row.id is not None
                self.district_of[row.id] = key[0]

    # -- service sites --

    async def service_sites(self) -> None:
        for group in demo_data()["sites"]:
            kind = SiteKind(group["kind"])
            first, last = group.get("from", date(2018, 3, 1)), group.get("to", date(2022, 12, 20))
            for place in group["places"]:
                host = self.org(place["at"])
                name = (
                    place.get("name")
                    or f"{host.name}{'向日葵亲子小屋' if kind is SiteKind.SUNFLOWER_HUT else ''}"
                )
                self._site(
                    name,
                    kind,
                    host,
                    Recognition(place["recognition"]),
                    place.get("opened"),
                    first=place.get("from", first),
                    last=last,
                )
        every = [c for district in self.districts for c in self.communities[district]]
        for host in self.rng.sample(every, demo_data()["early_childhood_points"]):
            recognition = weighted(
                self.rng,
                (
                    (Recognition.PROVINCIAL, 1),
                    (Recognition.CITY, 3),
                    (Recognition.DISTRICT, 5),
                    (Recognition.NONE, 3),
                ),
            )
            self._site(
                f"{host.name}儿童早期发展示范点",
                SiteKind.EARLY_CHILDHOOD_POINT,
                host,
                recognition,
                first=date(2018, 3, 1),
                last=date(2022, 12, 20),
            )
        await self.flush()

    def _site(
        self,
        name: str,
        kind: SiteKind,
        host: Organisation,
        recognition: Recognition,
        opened_on: date | None = None,
        *,
        first: date,
        last: date,
    ) -> None:
        self.sites[name] = self.new(
            ServiceSite,
            name=name,
            kind=kind,
            organisation_id=host.id,
            address=host.address,
            opened_on=opened_on or between(self.rng, first, last),
            recognition=recognition,
            published=True,
        )


__all__ = [
    "ACTOR",
    "AS_OF",
    "AUTHOR",
    "ROOT_NAME",
    "NetworkLoader",
    "Numbers",
    "between",
    "person_name",
    "weighted",
]
