"""The one GraphQL wrapper per model enum, shared by every module that exposes it.

``strawberry.enum`` attaches its definition to the enum class itself, so two
modules wrapping the same class with different names or descriptions would
clash (or silently overwrite each other). Everything that puts a model enum
into the schema goes through :func:`gql_enum`, which wraps each class once.
"""

from __future__ import annotations

import enum
import re
from functools import cache
from typing import TypeVar

import strawberry

from models.base import CHOICE_LABELS

E = TypeVar("E", bound=enum.Enum)

_WORD_BOUNDARY = re.compile(r"(?<!^)(?=[A-Z])")


def english_name(enum_cls: type[enum.Enum]) -> str:
    """``SiteKind`` → ``Site kind``: the class name as an English phrase."""
    words = _WORD_BOUNDARY.split(enum_cls.__name__)
    return " ".join([words[0], *(w.lower() for w in words[1:])])


def enum_description(enum_cls: type[enum.Enum]) -> str:
    """``Site kind (家庭健康服务中心、向日葵亲子小屋、…)``: English name, Chinese member labels."""
    labels = CHOICE_LABELS.get(enum_cls)
    if not labels:
        return english_name(enum_cls)
    return f"{english_name(enum_cls)} ({'、'.join(labels[m][0] for m in enum_cls)})"


@cache
def gql_enum(enum_cls: type[E]) -> type[E]:
    """The strawberry enum for a model enum, named after the class; wrapped once, then cached.

    Each GraphQL value is described as ``English label (中文标签)`` when the
    enum carries labels (``models.base.labelled``).
    """
    wrapped = strawberry.enum(
        enum_cls, name=enum_cls.__name__, description=enum_description(enum_cls)
    )
    labels = CHOICE_LABELS.get(enum_cls, {})
    definition = wrapped.__strawberry_definition__  # type: ignore[attr-defined]
    for value in definition.values:
        label = labels.get(enum_cls(value.value))
        if label is not None and value.description is None:
            zh, en = label
            value.description = f"{en} ({zh})"
    return wrapped
