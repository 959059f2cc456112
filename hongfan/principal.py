"""Who is asking: the one object every session, resolver and write carries."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


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
    # How a request proved who it is: "token", "session", or "" for code in the process
    # itself (the CLI, jobs, tests). Minting a token needs a session with a recent password
    # check, never a token alone (#12.7).
    credential: str = ""
    token_id: int | None = None  # the bearer token used, if any
    password_checked_at: datetime | None = None  # a session's sign-in (or latest re-check)

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
