"""The shared kernel of every record type.

A record type is declared once, as a SQLModel table class whose columns carry
their own metadata (description, labels, sensitivity, search) in the
SQLAlchemy column ``info`` and whose class carries an :class:`EntityMeta`.
Everything else — the GraphQL types, filters, ordering, mutations, the admin
views and import/export columns — is derived from that one declaration.

Column types and labelled choices live in :mod:`models.coltypes` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from functools import cache
from typing import Any, ClassVar, Literal, TypeVar

from sqlmodel import Field, SQLModel

from models.coltypes import (
    CENT,
    CHOICE_LABELS,
    Money,
    UTCDateTime,
    choice_label,
    enum_column,
    labelled,
    utcnow,
)

# Alembic autogenerate and `create_all` must produce the same constraint names
# on SQLite and PostgreSQL, so name them by convention.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# -- columns with metadata ---------------------------------------------------------


@dataclass(frozen=True)
class ColumnMeta:
    """What every surface needs to know about a column beyond its SQL type."""

    label_zh: str
    label_en: str
    sensitive: bool = False  # masked for roles without full access; reads audited
    searchable: bool = False  # part of the free-text search
    writable: bool = True  # may be set through create/update
    filterable: bool = True
    orderable: bool = True
    checks: tuple[str, ...] = ()  # names of value checks in models.rules
    # "person" (people's names, surnames read as surnames) or "text": derive a pinyin
    # sort key and search text beside the column (models.pinyin).
    pinyin: Literal["person", "text"] | None = None
    # The column holds a user's id (authorship): shown as the caller may see people
    # (hidden, a display name, or name and e-mail), never as stored.
    person: bool = False
    # How a sensitive value is masked for roles that see it masked; None: from its checks
    # (a national ID or a phone number), else the generic text mask. See ``mask_kind``.
    mask: Literal["national_id", "phone", "text"] | None = None

    @property
    def mask_kind(self) -> Literal["national_id", "phone", "text"]:
        if self.mask is not None:
            return self.mask
        if "national_id" in self.checks:
            return "national_id"
        if {"mobile", "phone_or_landline"} & set(self.checks):
            return "phone"
        return "text"


def col(
    description: str,
    *,
    zh: str,
    en: str,
    sensitive: bool = False,
    searchable: bool = False,
    writable: bool = True,
    filterable: bool = True,
    orderable: bool = True,
    checks: tuple[str, ...] = (),
    pinyin: Literal["person", "text"] | None = None,
    person: bool = False,
    mask: Literal["national_id", "phone", "text"] | None = None,
    **field_kwargs: Any,
) -> Any:
    """A model field with its description and :class:`ColumnMeta` attached.

    A sensitive column is never a sort key: ordering by it would put its values in
    cursors and next-page links, and leak their order to whoever may not read them (#12).
    """
    if sensitive:
        orderable = False
    meta = ColumnMeta(
        label_zh=zh,
        label_en=en,
        sensitive=sensitive,
        searchable=searchable,
        writable=writable,
        filterable=filterable,
        orderable=orderable,
        checks=checks,
        pinyin=pinyin,
        person=person,
        mask=mask,
    )
    if pinyin is not None and sensitive:
        raise ValueError(
            "a sensitive column cannot have a pinyin sort key: the key would read in clear"
        )
    sa_kwargs = dict(field_kwargs.pop("sa_column_kwargs", {}) or {})
    sa_kwargs["info"] = {"meta": meta}
    sa_kwargs.setdefault("comment", None)
    return Field(description=description, sa_column_kwargs=sa_kwargs, **field_kwargs)


def published_flag() -> Any:
    """The ``published`` column of public record types: anonymous callers see only these rows."""
    return col(
        "Visible to the public API (已发布)", zh="已发布", en="Published", default=False, index=True
    )


@cache  # static per (model, column); asked for several times per cell by imports
def column_meta(model: type[SQLModel], name: str) -> ColumnMeta:
    column = model.__table__.c[name]  # type: ignore[attr-defined]
    return column.info.get("meta") or ColumnMeta(label_zh=name, label_en=name, writable=False)


# -- relations and entity metadata --------------------------------------------------


OnDelete = Literal["restrict", "cascade"]


@dataclass(frozen=True)
class ToOne:
    """``name`` resolves the record that this record's ``fk`` column points at.

    ``on_delete`` says what soft-deleting the record pointed at means for this one:
    ``"restrict"`` — refused while this record is live (unless the caller deletes
    the whole subtree); ``"cascade"`` — this record is part of the one pointed at
    (a student's grants): it is hidden with it, deleted and restored with it.
    """

    name: str
    target: str
    fk: str
    description: str
    on_delete: OnDelete = "restrict"
    # The list the target shows of these records, e.g. ("serviceSites", "Service sites it
    # hosts (服务阵地)") on the ToOne to Organisation: declared here, so the target's
    # module never lists the types that point at it.
    reverse: tuple[str, str] | None = None


@dataclass(frozen=True)
class ToMany:
    """``name`` lists the ``target`` records whose ``fk`` column points at this one."""

    name: str
    target: str
    fk: str
    description: str


Scope = Literal["path", "organisation"]


@dataclass(frozen=True)
class EntityMeta:
    """Entity-level facts: names, labels, relations, and how its rows are scoped."""

    type_name: str  # the GraphQL type name, stable public contract
    plural: str  # the connection field name, e.g. "organisations"
    label_zh: str
    label_en: str
    description: str
    relations: tuple[ToOne | ToMany, ...] = ()
    # "path": the row is an organisation, scoped by its own materialised path;
    # "organisation": the row carries organisation_id, scoped by that organisation.
    scope: Scope = "organisation"
    # True when the row has a `published` flag and anonymous callers may read it.
    public: bool = False
    # For a child record whose organisation_id is copied from a parent: the fk
    # column that names the parent, and the parent entity.
    scope_parent: tuple[str, str] | None = None
    # Cross-field rules, by name in models.rules.
    record_checks: tuple[str, ...] = ()
    # Unique columns or column groups whose violation is reported on a field.
    unique: tuple[tuple[str, ...], ...] = field(default=())
    # The columns that identify a record in the world (the site's name within its
    # organisation): imports match rows on them to update instead of duplicating, and
    # every write (API, admin UI, import) refuses a second record with the same values,
    # like ``unique`` — unless ``namesakes`` (people: two 王芳 in one community).
    natural_key: tuple[str, ...] = ()
    namesakes: bool = False
    # Extra names for the type on the command line and in import files ("学生", "sites").
    aliases: tuple[str, ...] = ()
    # Sample values for tests (the access matrix builds one record of every type from
    # them): a str is formatted with a unique ``n``, a callable is called with it; the
    # references (ToOne fks) are filled by the test world, not listed here.
    sample: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)

    @property
    def unique_groups(self) -> tuple[tuple[str, ...], ...]:
        """``unique`` and the natural key: every column group a write must not duplicate."""
        key = self.natural_key
        if not key or self.namesakes or key in self.unique or len(key) == 1:
            return self.unique  # a single natural-key column is a unique column itself
        return (*self.unique, key)


ENTITIES: dict[str, type[Record]] = {}


M = TypeVar("M", bound="type[Record]")


def entity(meta: EntityMeta) -> Callable[[M], M]:
    """Register a table class as a record type."""

    def register(model: M) -> M:
        from models import pinyin, search

        model.__entity__ = meta
        ENTITIES[meta.type_name] = model
        search.attach(model)
        pinyin.attach(model)
        _link_reverses(meta.type_name)
        return model

    return register


def _link_reverses(registered: str) -> None:
    """Add the ToMany each ToOne ``reverse=`` declares to its target, once both exist."""
    for source, model in list(ENTITIES.items()):
        for relation in model.__entity__.relations:
            if not isinstance(relation, ToOne) or relation.reverse is None:
                continue
            if registered not in (source, relation.target) or relation.target not in ENTITIES:
                continue
            target = ENTITIES[relation.target]
            name, description = relation.reverse
            existing = {r.name: r for r in target.__entity__.relations}
            wanted = ToMany(name, source, relation.fk, description)
            if name in existing:
                if existing[name] != wanted:
                    raise ValueError(f"{relation.target}.{name} is declared twice")
                continue
            target.__entity__ = replace(
                target.__entity__, relations=(*target.__entity__.relations, wanted)
            )


# -- the common record -------------------------------------------------------------


class Record(SQLModel):
    """Columns every record type has: identity, authorship, version, soft delete."""

    __entity__: ClassVar[EntityMeta]

    id: int | None = col(
        "Database key; the GraphQL `id` is a global ID built from it (主键)",
        zh="编号",
        en="ID",
        writable=False,
        default=None,
        primary_key=True,
    )
    created_at: datetime = col(
        "When the record was created, UTC (创建时间)",
        zh="创建时间",
        en="Created at",
        writable=False,
        default_factory=utcnow,
        sa_type=UTCDateTime,
        nullable=False,
        index=True,
    )
    updated_at: datetime = col(
        "When the record was last changed, UTC (更新时间)",
        zh="更新时间",
        en="Updated at",
        writable=False,
        default_factory=utcnow,
        sa_type=UTCDateTime,
        nullable=False,
        index=True,
    )
    # Authorship is a user's id (null when the system wrote), never text naming a person.
    created_by: int | None = col(
        "Who created the record: hidden from the public and partners, a display name for staff (创建人)",
        zh="创建人",
        en="Created by",
        writable=False,
        orderable=False,
        person=True,
        default=None,
    )
    updated_by: int | None = col(
        "Who last changed the record: hidden from the public and partners, a display name for staff (最后修改人)",
        zh="最后修改人",
        en="Updated by",
        writable=False,
        orderable=False,
        person=True,
        default=None,
    )
    version: int = col(
        "Optimistic-concurrency version; send the value you read with every update (版本号)",
        zh="版本号",
        en="Version",
        writable=False,
        default=1,
        nullable=False,
    )
    deleted_at: datetime | None = col(
        "When the record was soft-deleted; null while it is live (删除时间)",
        zh="删除时间",
        en="Deleted at",
        writable=False,
        default=None,
        sa_type=UTCDateTime,
        index=True,
    )


def name_column(model: type[Record]) -> str | None:
    """The column people call a record by (its title or name): the first declared ``pinyin=``."""
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        if getattr(column.info.get("meta"), "pinyin", None) is not None:
            return str(column.name)
    return None


def named_within_organisation(model: type[Record]) -> str | None:
    """The name column when records are told apart by name within their organisation
    (a site, a course, an activity): imports and exports refer to them by it."""
    name = name_column(model)
    table = model.__table__  # type: ignore[attr-defined]
    if name is None or "organisation_id" not in table.c or model.__entity__.scope != "organisation":
        return None
    return name


def data_columns(model: type[Record]) -> list[str]:
    """The model's column names in declaration order."""
    return [c.name for c in model.__table__.columns]  # type: ignore[attr-defined]


def as_date(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


__all__ = [
    "CENT",
    "CHOICE_LABELS",
    "ENTITIES",
    "ColumnMeta",
    "EntityMeta",
    "Money",
    "Record",
    "ToMany",
    "ToOne",
    "UTCDateTime",
    "as_date",
    "choice_label",
    "col",
    "column_meta",
    "data_columns",
    "entity",
    "enum_column",
    "labelled",
    "name_column",
    "named_within_organisation",
    "published_flag",
    "utcnow",
]
