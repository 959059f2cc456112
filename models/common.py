"""Columns that record types share, declared once: say ``name = person_name()`` in a model.

Every factory here is :func:`models.base.col` with the options the network's record types
keep repeating (the organisation a record belongs to, a person's name with its pinyin, a
sealed mobile number, an address, a kind chosen from a labelled enum …). Each returns the
very column the longhand ``col(...)`` would, so a type written with them has the same
database schema (autogenerate finds no difference), the same GraphQL fields and the same
admin and import columns. The column's place in its class is still its place in the table,
the forms and the exports: use them as field defaults, in declaration order.

Labels and descriptions stay overridable where types word them differently; the defaults
are the network's usual words.
"""

from __future__ import annotations

import enum
from typing import Any

from models.base import ToOne, col, enum_column, labelled, published_flag
from models.sealed import Sealed


@labelled({"male": ("男", "Male"), "female": ("女", "Female")})
class Gender(enum.StrEnum):
    MALE = "male"
    FEMALE = "female"


def reference(
    table: str,
    description: str,
    *,
    zh: str,
    en: str,
    optional: bool = False,
    copied: bool = False,
    **kwargs: Any,
) -> Any:
    """An indexed foreign key to ``table``'s ``id``.

    ``optional``: may be null (a course's venue site). ``copied``: derived from the parent
    record (a grant's organisation is its student's), so never written by callers.
    """
    if optional:
        kwargs.setdefault("default", None)
    if copied:
        kwargs["writable"] = False
    return col(description, zh=zh, en=en, foreign_key=f"{table}.id", index=True, **kwargs)


def organisation_link(
    description: str,
    *,
    zh: str = "所属组织",
    en: str = "Organisation",
    copied: bool = False,
) -> Any:
    """``organisation_id``: the organisation whose subtree scopes the record (row access)."""
    return reference("organisation", description, zh=zh, en=en, copied=copied)


def to_organisation(description: str, *, reverse: tuple[str, str] | None = None) -> ToOne:
    """The ``organisation`` relation over :func:`organisation_link`'s column."""
    return ToOne("organisation", "Organisation", "organisation_id", description, reverse=reverse)


def record_name(
    description: str = "Name (名称)",
    *,
    zh: str = "名称",
    en: str = "Name",
    max_length: int = 100,
) -> Any:
    """The name or title people call a record by: searchable, indexed, with a pinyin key
    (models.pinyin) so lists sort and search the way Chinese readers expect."""
    return col(
        description,
        zh=zh,
        en=en,
        searchable=True,
        pinyin="text",
        max_length=max_length,
        index=True,
    )


def person_name() -> Any:
    """A person's full name (姓名): searchable, with a pinyin key that reads surnames as
    surnames (单 is Shan, not Dan)."""
    return col(
        "Full name (姓名)",
        zh="姓名",
        en="Name",
        searchable=True,
        pinyin="person",
        max_length=50,
        index=True,
    )


def person_gender() -> Any:
    """A person's gender (性别), one of :class:`Gender`."""
    return col("Gender (性别)", zh="性别", en="Gender", sa_type=enum_column(Gender), index=True)


def mobile_phone(**kwargs: Any) -> Any:
    """A person's mobile number (手机号码): sensitive (masked like a phone number, reads
    audited), sealed at rest (models.sealed), never a sort key."""
    return col(
        "Mobile number (手机号码)",
        zh="手机号码",
        en="Phone",
        sensitive=True,
        default=None,
        sa_type=Sealed("phone"),
        checks=("mobile",),
        orderable=False,
        **kwargs,
    )


def choice(choices: type[enum.Enum], description: str, *, zh: str, en: str, **kwargs: Any) -> Any:
    """One of a labelled enum's values (``@labelled``), indexed: kinds, statuses, levels."""
    return col(description, zh=zh, en=en, sa_type=enum_column(choices), index=True, **kwargs)


def dated(description: str, *, zh: str, en: str, optional: bool = True) -> Any:
    """An indexed date (opened on, joined on, first and last day …); null unless required."""
    if optional:
        return col(description, zh=zh, en=en, default=None, index=True)
    return col(description, zh=zh, en=en, index=True)


def calendar_year(description: str, *, zh: str, en: str) -> Any:
    """An indexed calendar year, checked to be a plausible one (``checks=("year",)``)."""
    return col(description, zh=zh, en=en, index=True, checks=("year",))


def street_address() -> Any:
    """A street address (地址), searchable."""
    return col(
        "Street address (地址)",
        zh="地址",
        en="Address",
        searchable=True,
        default=None,
        max_length=200,
    )


def contact_name() -> Any:
    """The contact person of an organisation or company (联系人)."""
    return col("Contact person (联系人)", zh="联系人", en="Contact", default=None, max_length=50)


def contact_phone(description: str = "Contact telephone (联系电话)") -> Any:
    """A contact telephone, mobile or landline (联系电话): public, not a person's own."""
    return col(
        description,
        zh="联系电话",
        en="Contact phone",
        default=None,
        max_length=20,
        checks=("phone_or_landline",),
    )


def long_text(description: str, *, zh: str, en: str) -> Any:
    """A free-text description (简介): searchable, up to 4,000 characters, not a sort key."""
    return col(
        description,
        zh=zh,
        en=en,
        searchable=True,
        default=None,
        max_length=4000,
        orderable=False,
    )


__all__ = [
    "Gender",
    "calendar_year",
    "choice",
    "contact_name",
    "contact_phone",
    "dated",
    "long_text",
    "mobile_phone",
    "organisation_link",
    "person_gender",
    "person_name",
    "published_flag",
    "record_name",
    "reference",
    "street_address",
    "to_organisation",
]
