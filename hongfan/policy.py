"""THE permission policy, as data, and the named account questions built on it
(``may_manage_user`` …). hongfan.access interprets the record tables; nothing else does.

Rows: for each record type and caller kind, which rows are visible.
Fields: sensitive columns (marked in the models) are full, masked or hidden by role.
Writes: which roles may create, update, delete and restore each record type.
A record type without an entry here is invisible to everyone but the system.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Literal

from hongfan.principal import Principal, Role


class Rows(enum.StrEnum):
    ALL = "all"
    SUBTREE = "subtree"  # rows of the caller's organisation and everything under it
    PUBLISHED = "published"  # rows whose `published` flag is set
    # rows whose parent record (EntityPolicy.published_parent) is published and not deleted
    PUBLISHED_PARENT = "published_parent"
    OWN_COMPANY = "own_company"  # the partner's own company
    AT_OWN_COMPANY = "at_own_company"  # rows whose company_id is the partner's company
    INTERNS_OF_OWN_COMPANY = "interns_of_own_company"  # students interning at it
    NONE = "none"


class Fields(enum.StrEnum):
    FULL = "full"  # sensitive fields in clear (each read audited)
    MASKED = "masked"  # sensitive fields masked, e.g. 3502**********1234
    HIDDEN = "hidden"  # sensitive fields null and not filterable


class Op(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RESTORE = "restore"
    # Erase a person's identifying data on request (PIPL; hongfan.erasure): admins only.
    ANONYMISE = "anonymise"


ANON = "anonymous"
ALL_OPS = frozenset(Op)
CREATE_UPDATE = frozenset({Op.CREATE, Op.UPDATE})


@dataclass(frozen=True)
class EntityPolicy:
    rows: dict[Role | str, Rows]
    writes: dict[Role | str, frozenset[Op]]
    # For partners: the only columns they may read, when the type is visible at all.
    partner_columns: frozenset[str] | None = None
    # For partners: the only columns they may change, when they may update at all.
    partner_writable: frozenset[str] = frozenset()
    # For Rows.PUBLISHED_PARENT: the foreign key column and the parent's record type.
    published_parent: tuple[str, str] | None = None
    # The rows every caller may read besides its own (`rows`): a public type's published
    # rows. Signing in never hides them: a district viewer reads every published site, a
    # partner every practice-base company, read-only outside its scope (writes stay within
    # `rows`). None: only `rows`.
    public: Rows | None = None


# Who manages accounts and reads the audit log: superadmins everywhere, org admins within
# their subtree (hongfan.access.administers, audit_criteria; hongfan.accounts.grants).
ADMINISTRATORS: frozenset[Role] = frozenset({Role.SUPERADMIN, Role.ORG_ADMIN})
# Who may issue an API token that acts as another account (DOMAIN.md: tokens are the
# superadmin's, beside users and roles). An org admin manages its subtree's accounts and may
# revoke their tokens, but does not mint credentials that act as them: its requests would
# then be written to the audit log as the editor's, not its own.
TOKEN_ISSUERS_FOR_OTHERS: frozenset[Role] = frozenset({Role.SUPERADMIN})
# The roles only a superadmin may hand out.
SUPERADMIN_GRANTS: frozenset[Role] = frozenset({Role.SUPERADMIN})
# Who administers the whole network: every account, the whole audit log, every role to grant.
# An account holding it is out of reach of subtree administrators, and the last active one
# may not lose it.
NETWORK_ADMINISTRATORS: frozenset[Role] = frozenset({Role.SUPERADMIN})
# What an account of each role is bound to: staff to an organisation (their subtree), partners
# to a company; a role in neither (superadmin) is bound to nothing.
ORGANISATION_ROLES: frozenset[Role] = frozenset({Role.ORG_ADMIN, Role.EDITOR, Role.VIEWER})
COMPANY_ROLES: frozenset[Role] = frozenset({Role.PARTNER})

FIELDS_BY_ROLE: dict[Role | str, Fields] = {
    Role.SUPERADMIN: Fields.FULL,
    Role.ORG_ADMIN: Fields.FULL,
    Role.EDITOR: Fields.MASKED,
    Role.VIEWER: Fields.MASKED,
    Role.PARTNER: Fields.HIDDEN,
    ANON: Fields.HIDDEN,
}

_STAFF_ROWS: dict[Role | str, Rows] = {
    Role.SUPERADMIN: Rows.ALL,
    Role.ORG_ADMIN: Rows.SUBTREE,
    Role.EDITOR: Rows.SUBTREE,
    Role.VIEWER: Rows.SUBTREE,
}
_STAFF_WRITES: dict[Role | str, frozenset[Op]] = {
    Role.SUPERADMIN: ALL_OPS,
    Role.ORG_ADMIN: ALL_OPS,
    Role.EDITOR: CREATE_UPDATE,
}


def _public() -> EntityPolicy:
    return EntityPolicy(
        rows={**_STAFF_ROWS, Role.PARTNER: Rows.PUBLISHED, ANON: Rows.PUBLISHED},
        writes=_STAFF_WRITES,
        public=Rows.PUBLISHED,
    )


def _people() -> EntityPolicy:
    return EntityPolicy(
        rows={**_STAFF_ROWS, Role.PARTNER: Rows.NONE, ANON: Rows.NONE}, writes=_STAFF_WRITES
    )


POLICY: dict[str, EntityPolicy] = {
    "Organisation": _public(),
    "ServiceSite": _public(),
    "Course": _public(),
    # A course's timetable is public with the course: dates, topics, venues and lecturers,
    # no people taking it (those are Enrolments).
    "CourseSession": EntityPolicy(
        rows={**_STAFF_ROWS, Role.PARTNER: Rows.PUBLISHED_PARENT, ANON: Rows.PUBLISHED_PARENT},
        writes=_STAFF_WRITES,
        published_parent=("course_id", "Course"),
        public=Rows.PUBLISHED_PARENT,
    ),
    "Enrolment": _people(),
    "ScholarshipStudent": EntityPolicy(
        rows={**_STAFF_ROWS, Role.PARTNER: Rows.INTERNS_OF_OWN_COMPANY, ANON: Rows.NONE},
        writes=_STAFF_WRITES,
        partner_columns=frozenset(
            {"id", "version", "name", "gender", "university", "major", "graduation_year"}
        ),
    ),
    "Grant": _people(),
    "Company": EntityPolicy(
        rows={**_STAFF_ROWS, Role.PARTNER: Rows.OWN_COMPANY, ANON: Rows.PUBLISHED},
        writes=_STAFF_WRITES,
        public=Rows.PUBLISHED,
    ),
    "Activity": _public(),
    "Volunteer": _people(),
    "VolunteerService": _people(),
    "Internship": EntityPolicy(
        rows={**_STAFF_ROWS, Role.PARTNER: Rows.AT_OWN_COMPANY, ANON: Rows.NONE},
        writes={**_STAFF_WRITES, Role.PARTNER: frozenset({Op.UPDATE})},
        partner_columns=frozenset(
            {
                "id",
                "student_id",
                "company_id",
                "position",
                "start_date",
                "end_date",
                "status",
                "evaluation",
                "version",
            }
        ),
        partner_writable=frozenset({"evaluation"}),
    ),
}


# Figures computed over several record types (hongfan.statistics) are answered only to a
# caller who may see rows of every one of them; anyone else gets null, never a count over
# rows they cannot see (which would read as zero: "every community lacks instructors").
FIGURE_SOURCES: dict[str, frozenset[str]] = {
    # qualified family health instructors per community: enrolments in instructor courses
    "instructors": frozenset({"Course", "Enrolment"}),
    # volunteers and their hours: volunteers are people, never public
    "volunteer_hours": frozenset({"Volunteer", "VolunteerService"}),
}


# -- accounts: the named questions every surface (GraphQL, admin UI, CLI) asks -------------


def bound_to(role: Role | str) -> Literal["organisation", "company"] | None:
    """What an account of ``role`` is bound to (None: to nothing, a network administrator)."""
    known = Role(role) if role in {r.value for r in Role} else None
    if known in ORGANISATION_ROLES:
        return "organisation"
    if known in COMPANY_ROLES:
        return "company"
    return None


def administers_network(role: Role | None) -> bool:
    """True for a role that administers the whole network (see NETWORK_ADMINISTRATORS)."""
    return role in NETWORK_ADMINISTRATORS


def manages_every_account(actor: Principal) -> bool:
    """Manages every account, changes its own role and status, lists every user."""
    return actor.is_system or administers_network(actor.role)


def account_subtree(actor: Principal) -> str | None:
    """The organisation path whose accounts ``actor`` manages when it manages only a subtree's
    (an org admin); None when it manages every account or none."""
    if manages_every_account(actor) or actor.role not in ADMINISTRATORS:
        return None
    return actor.organisation_path or None


def may_manage_user(actor: Principal, role: Role, path: str | None) -> bool:
    """May ``actor`` create, change or hand tokens to an account of ``role`` bound at ``path``?

    Network administrators manage every account; a subtree administrator the accounts bound
    within its subtree, never a network administrator's.
    """
    if manages_every_account(actor):
        return True
    subtree = account_subtree(actor)
    if subtree is None or administers_network(role) or path is None:
        return False
    return path.startswith(subtree)


def may_issue_tokens_for_others(actor: Principal) -> bool:
    """May ``actor`` mint an API token that acts as another account (TOKEN_ISSUERS_FOR_OTHERS)."""
    return actor.is_system or actor.role in TOKEN_ISSUERS_FOR_OTHERS
