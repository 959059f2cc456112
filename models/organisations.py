"""Organisations: the association network as a tree (组织)."""

from __future__ import annotations

import enum

import sqlalchemy as sa

from models.base import EntityMeta, Record, ToMany, ToOne, col, entity, labelled
from models.common import (
    choice,
    contact_name,
    contact_phone,
    published_flag,
    record_name,
    reference,
    street_address,
)


@labelled(
    {
        "association": ("计生协", "Family planning association"),
        "enterprise_association": ("企业计生协", "Enterprise association"),
        "institution": ("合作机构", "Partner institution"),
    }
)
class OrganisationKind(enum.StrEnum):
    ASSOCIATION = "association"
    ENTERPRISE_ASSOCIATION = "enterprise_association"
    INSTITUTION = "institution"


@labelled(
    {
        "city": ("市", "City"),
        "district": ("区", "District"),
        "street": ("街道/镇", "Street or town"),
        "community": ("社区/村", "Community or village"),
    }
)
class OrganisationLevel(enum.StrEnum):
    CITY = "city"
    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"


@entity(
    EntityMeta(
        type_name="Organisation",
        plural="organisations",
        label_zh="组织",
        label_en="Organisation",
        description=(
            "A node of the association network: city → district → street/town → "
            "community/village, or an enterprise association or partner institution (组织)"
        ),
        scope="path",
        public=True,
        relations=(
            ToOne(
                "parent", "Organisation", "parent_id", "The organisation above this one (上级组织)"
            ),
            ToMany(
                "children", "Organisation", "parent_id", "Organisations directly below (下级组织)"
            ),
        ),
        unique=(("parent_id", "name"),),
        natural_key=("parent_id", "name"),
        aliases=("orgs", "organizations", "organization"),
        sample={"name": "新社区{n}", "level": "community"},
    )
)
class Organisation(Record, table=True):
    __tablename__ = "organisation"
    __table_args__ = (
        sa.UniqueConstraint("parent_id", "name"),
        sa.Index(
            "ix_organisation_path_pattern", "path", postgresql_ops={"path": "varchar_pattern_ops"}
        ).ddl_if(dialect="postgresql"),
    )

    name: str = record_name()
    kind: OrganisationKind = choice(
        OrganisationKind,
        "Kind of organisation (组织类型)",
        zh="类型",
        en="Kind",
        default=OrganisationKind.ASSOCIATION,
    )
    level: OrganisationLevel | None = choice(
        OrganisationLevel,
        "Level in the administrative tree (层级)",
        zh="层级",
        en="Level",
        default=None,
    )
    parent_id: int | None = reference(
        "organisation",
        "The organisation above this one (上级组织)",
        zh="上级组织",
        en="Parent",
        optional=True,
    )
    path: str = col(
        "Materialised path of ids from the root, e.g. /1/7/12/ (路径)",
        zh="路径",
        en="Path",
        writable=False,
        default="/",
        max_length=255,
        index=True,
    )
    address: str | None = street_address()
    contact_name: str | None = contact_name()
    contact_phone: str | None = contact_phone("Contact telephone, mobile or landline (联系电话)")
    # The official division list (国家统计局统计用区划代码): the committee's official name
    # beside the everyday one, and the 12-digit code; both searchable.
    official_name: str | None = col(
        "Official name with the committee suffix, e.g. 高林社区居委会 (正式名称)",
        zh="正式名称",
        en="Official name",
        searchable=True,
        default=None,
        max_length=100,
    )
    code: str | None = col(
        "Statistical division code, 12 digits, e.g. 350206005013 (统计用区划代码)",
        zh="区划代码",
        en="Division code",
        searchable=True,
        default=None,
        max_length=12,
        unique=True,
    )
    published: bool = published_flag()
