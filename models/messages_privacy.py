"""Texts about personal data (people, keys, erasure), in the shape of :data:`models.messages.MESSAGES`.

:mod:`models.messages` merges them into its catalogue.
"""

from __future__ import annotations

PRIVACY_MESSAGES: dict[str, dict[str, str]] = {
    "person.unnamed": {"zh": "用户 #{id}", "en": "User #{id}"},
    "person.system": {"zh": "系统", "en": "System"},
}
