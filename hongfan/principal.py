"""Who is asking: the one object every session, resolver and write carries."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Role(enum.StrEnum):
    SUPERADMIN = "superadmin"
    ORG_ADMIN = "org_admin"
    EDITOR = "editor"
    VIEWER = "viewer"
    PARTNER = "partner"


@dataclass(frozen=True)
class Principal:
    """The caller. ``system`` bypasses row scope on purpose (migrations, demo loader)."""

    kind: str  # "system" | "anonymous" | "user"
    actor: str  # how the audit log names the caller
    role: Role | None = None
    user_id: int | None = None
    organisation_id: int | None = None
    organisation_path: str | None = None  # materialised path of the bound organisation
    company_id: int | None = None
    language: str = "zh"

    @property
    def is_system(self) -> bool:
        return self.kind == "system"

    @property
    def is_anonymous(self) -> bool:
        return self.kind == "anonymous"


SYSTEM = Principal(kind="system", actor="system")
ANONYMOUS = Principal(kind="anonymous", actor="anonymous")


def system(actor: str) -> Principal:
    """A named system principal, so the audit log says which job wrote."""
    return Principal(kind="system", actor=f"system:{actor}")
