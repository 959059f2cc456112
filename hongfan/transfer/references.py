"""Relation columns as staff write them, resolved once per file.

* An organisation by its path of names (``厦门市/湖里区/金山街道/高林社区``), any unique
  tail of it, a unique plain name, its official committee name (高林社区居委会) or its
  statistical code; matched after :func:`hongfan.transfer.names.match_key`.
* A company by unified social credit code or name; a student by ID number (or a unique
  name); a course or service site by title/name, followed by its organisation in
  brackets when the name alone is not unique (``家庭健康指导员培训（湖里区）``).

Only records the importer may see are found (the session's row scope). Lookups are
batched: :meth:`References.prefetch` loads every value a file names in a few queries.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hongfan.principal import Principal
from hongfan.transfer.names import match_key, near, short_name
from models.base import ENTITIES, named_within_organisation
from models.validators import normalise_credit_code, normalise_national_id

SEPARATORS = re.compile(r"[/／\\]")
BRACKETED = re.compile(r"^(?P<name>.+?)\s*[（(](?P<owner>[^（）()]+)[）)]\s*$")
CHUNK = 500


class ReferenceProblem(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Org:
    id: int
    name: str
    path: str
    parent_id: int | None
    level: str | None
    visible: bool = True
    official_name: str | None = None
    code: str | None = None


def name_key(name: str) -> str:
    """Short and official names of one place share this key."""
    return match_key(short_name(match_key(name)))


class OrganisationIndex:
    """Organisations by their path of names, as the caller may see them.

    Holds the visible organisations, plus the caller's own ancestors so that a district
    editor can write full paths from the root, ``厦门市/湖里区/…``. Finding an ancestor
    grants nothing: an ancestor is not ``visible`` and cannot be written to. Rows that
    create organisations add them with placeholder (negative) ids as the file is checked.
    """

    def __init__(self) -> None:
        self.orgs: dict[int, Org] = {}
        self.by_key: dict[str, list[int]] = {}
        self.by_code: dict[str, int] = {}
        self._found: dict[str, list[int]] = {}  # what find() answered, until the index changes
        self._rendered: dict[int, str | None] = {}  # paths by id, likewise

    @classmethod
    async def load(cls, session: AsyncSession, principal: Principal) -> OrganisationIndex:
        index = cls()
        model: Any = ENTITIES["Organisation"]
        columns = [model.id, model.name, model.path, model.parent_id, model.level]
        extra = [getattr(model, c) for c in ("official_name", "code") if c in model.__table__.c]
        for row in (await session.execute(sa.select(*columns, *extra))).all():
            level = getattr(row[4], "value", row[4])
            index.add(Org(int(row[0]), row[1], row[2], row[3], level, True, *row[5:]))
        ancestors = [int(p) for p in (principal.organisation_path or "").split("/") if p]
        missing = [a for a in ancestors if a not in index.orgs]
        if missing:
            # The caller's own chain up to the root, names only, outside the row scope.
            table = model.__table__
            found = await session.execute(
                sa.select(table.c.id, table.c.name, table.c.parent_id, table.c.level).where(
                    table.c.id.in_(missing)
                )
            )
            for org_id, name, parent_id, level in found.all():
                depth = ancestors.index(int(org_id))
                path = "/" + "".join(f"{a}/" for a in ancestors[: depth + 1])
                index.add(Org(int(org_id), name, path, parent_id, level, visible=False))
        return index

    def add(self, org: Org) -> None:
        self._found.clear()
        self._rendered.clear()
        old = self.orgs.get(org.id)
        if old is not None:
            for key in self._keys(old):
                self.by_key[key].remove(old.id)
        self.orgs[org.id] = org
        for key in self._keys(org):
            self.by_key.setdefault(key, []).append(org.id)
        if org.code:
            self.by_code[org.code] = org.id

    @staticmethod
    def _keys(org: Org) -> set[str]:
        return {name_key(n) for n in (org.name, org.official_name) if n}

    def segments(self, org_id: int) -> list[str]:
        org = self.orgs.get(org_id)
        if org is None:
            return []
        ids = [int(p) for p in org.path.split("/") if p.lstrip("-").isdigit()] or [org_id]
        return [self.orgs[i].name for i in ids if i in self.orgs]

    def render(self, org_id: int | None) -> str | None:
        if org_id is None:
            return None
        if org_id not in self._rendered:
            segments = self.segments(org_id)
            self._rendered[org_id] = "/".join(segments) if segments else None
        return self._rendered[org_id]

    def find(self, text: str) -> list[int]:
        if text not in self._found:
            self._found[text] = self._find(text)
        return self._found[text]

    def _find(self, text: str) -> list[int]:
        code = text.strip()
        if code.isdigit() and code in self.by_code:
            return [self.by_code[code]]
        wanted = [name_key(s) for s in SEPARATORS.split(text) if s.strip()]
        if not wanted:
            return []
        matches = [
            i
            for i in self.by_key.get(wanted[-1], [])
            if [name_key(s) for s in self.segments(i)][-len(wanted) :] == wanted
        ]
        exact = [i for i in matches if len(self.segments(i)) == len(wanted)]
        return exact or matches

    def children(self, parent_id: int | None) -> list[Org]:
        return [o for o in self.orgs.values() if o.parent_id == parent_id]

    def nearest(self, text: str, limit: int = 3) -> list[str]:
        """Paths of the visible organisations whose name is closest to the last segment of ``text``."""
        parts = [s for s in SEPARATORS.split(text) if s.strip()]
        if not parts:
            return []
        wanted = name_key(parts[-1])
        scored = []
        for org in self.orgs.values():
            if not org.visible or org.id < 0:
                continue
            key = name_key(org.name)
            if near(key, wanted) or (len(wanted) >= 2 and (wanted in key or key in wanted)):
                scored.append((abs(len(key) - len(wanted)), org.path, org.id))
        scored.sort()
        return [self.render(i) or "" for _d, _p, i in scored[:limit]]


class References:
    """Turns what staff write in a relation column into the id of a visible record."""

    def __init__(
        self, session: AsyncSession, principal: Principal, organisations: OrganisationIndex
    ) -> None:
        self.session = session
        self.principal = principal
        self.organisations = organisations
        self.found: dict[tuple[str, str], list[int]] = {}
        self.owners: dict[tuple[str, int], int | None] = {}  # (type, id) → organisation_id

    @classmethod
    async def load(cls, session: AsyncSession, principal: Principal) -> References:
        return cls(session, principal, await OrganisationIndex.load(session, principal))

    async def prefetch(self, target: str, texts: Iterable[str]) -> None:
        """Look every text up at once (a few queries per type, chunked)."""
        wanted = sorted({t for t in texts if (target, t) not in self.found})
        if not wanted or target == "Organisation":
            return
        model: Any = ENTITIES[target]
        if target == "Company":
            codes = {t: normalise_credit_code(t) for t in wanted}
            rows = await self._rows(
                model, [model.credit_code, model.name], model.credit_code, list(codes.values())
            )
            rows += await self._rows(model, [model.credit_code, model.name], model.name, wanted)
            for text in wanted:
                by_code = [r[0] for r in rows if r[2] == codes[text]]
                self.found[(target, text)] = sorted(
                    set(by_code or [r[0] for r in rows if r[3] == text])
                )
        elif target == "ScholarshipStudent":
            numbers = {t: normalise_national_id(t) for t in wanted}
            rows = await self._rows(
                model, [model.id_number, model.name], model.id_number, list(numbers.values())
            )
            rows += await self._rows(model, [model.id_number, model.name], model.name, wanted)
            for text in wanted:
                if re.fullmatch(r"\d{17}[\dX]", numbers[text]):
                    self.found[(target, text)] = sorted(
                        {r[0] for r in rows if r[2] == numbers[text]}
                    )
                else:
                    self.found[(target, text)] = sorted({r[0] for r in rows if r[3] == text})
        elif named_within_organisation(model) is not None:  # Course, ServiceSite, Activity …
            await self._prefetch_named(target, wanted)
        else:
            ids = [int(t) for t in wanted if t.isdigit()]
            rows = await self._rows(model, [], model.id, ids)
            for text in wanted:
                self.found[(target, text)] = [
                    r[0] for r in rows if text.isdigit() and r[0] == int(text)
                ]

    async def _prefetch_named(self, target: str, wanted: list[str]) -> None:
        model: Any = ENTITIES[target]
        column = getattr(model, named_within_organisation(model) or "name")
        plain = {t: t.strip() for t in wanted}
        bracketed = {t: m for t in wanted if (m := BRACKETED.match(t))}
        names = set(plain.values()) | {m["name"].strip() for m in bracketed.values()}
        rows = await self._rows(model, [column], column, sorted(names))
        for text in wanted:
            found = [r[0] for r in rows if r[2] == plain[text]]
            match = bracketed.get(text)
            if len(found) != 1 and match:
                owners = set(self.organisations.find(match["owner"]))
                narrowed = [r[0] for r in rows if r[2] == match["name"].strip() and r[1] in owners]
                found = narrowed or found
            self.found[(target, text)] = sorted(set(found))

    async def _rows(
        self, model: Any, columns: list[Any], key: Any, values: list[Any]
    ) -> list[tuple[Any, ...]]:
        """(id, organisation_id, *columns) of the visible rows whose ``key`` is one of ``values``."""
        out: list[tuple[Any, ...]] = []
        owner = model.organisation_id if "organisation_id" in model.__table__.c else sa.null()
        for start in range(0, len(values), CHUNK):
            chunk = values[start : start + CHUNK]
            statement = sa.select(model.id, owner, *columns).where(key.in_(chunk))
            for row in (await self.session.execute(statement)).all():
                record_id, organisation_id = int(row[0]), row[1]
                self.owners[(model.__entity__.type_name, record_id)] = organisation_id
                out.append((record_id, organisation_id, *row[2:]))
        return out

    def resolve(self, target: str, text: str) -> int:
        """The id ``text`` names; ReferenceProblem when none or several match."""
        ids = (
            self.organisations.find(text)
            if target == "Organisation"
            else self.found.get((target, text), [])
        )
        label = target_label(target, self.principal)
        if not ids:
            raise ReferenceProblem(
                "import.reference", value=text, target=label, nearest=self.suggest(target, text)
            )
        if len(set(ids)) > 1:
            raise ReferenceProblem("import.ambiguous_reference", value=text, target=label)
        return ids[0]

    def owner(self, target: str, record_id: int) -> int | None:
        """The organisation of a record found by :meth:`prefetch`."""
        return self.owners.get((target, record_id))

    def suggest(self, target: str, text: str) -> str:
        names = self.organisations.nearest(text) if target == "Organisation" else []
        if not names:
            return ""
        joined = "、".join(names) if self.principal.language != "en" else ", ".join(names)
        return ("；相近的有：" if self.principal.language != "en" else "; close matches: ") + joined


def target_label(target: str, principal: Principal) -> str:
    meta = ENTITIES[target].__entity__
    return meta.label_en if principal.language == "en" else meta.label_zh


__all__ = [
    "BRACKETED",
    "Org",
    "OrganisationIndex",
    "ReferenceProblem",
    "References",
    "name_key",
    "target_label",
]
