"""Finishing a planned answer: cursors, masked values, people's names and the audit of
sensitive reads — what SQL cannot produce identically (graph.planning leaves them in the shapes)."""

from __future__ import annotations

import enum
from typing import Any

from graph import people
from graph.context import Context
from graph.plan_shapes import (
    HIDDEN_AUDIT,
    ConnectionShape,
    NodeShape,
)
from hongfan import access, reads
from models import sealed
from models.rules import python_type
from models.sealed import Sealed


class Finisher:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def connection(self, data: dict[str, Any], shape: ConnectionShape) -> bool:
        """Finish one connection's JSON in place; True when a count past the exact limit was counted apart."""
        overflowed = False
        if shape.total and not shape.nested:
            counted = next((data[key] for key, name in shape.total if name == "totalCount"), None)
            exact = next(
                (data[key] for key, name in shape.total if name == "totalCountIsExact"), None
            )
            if (counted is not None and counted > reads.EXACT_COUNT_LIMIT) or exact is False:
                count, is_exact = await reads.honest_count(
                    self.ctx.execute,
                    shape.model,
                    shape.args.where,
                    count_within=self.ctx.count_within,
                )
                for key, name in shape.total:
                    data[key] = count if name == "totalCount" else is_exact
                overflowed = True
        if shape.node is not None and not shape.node.finished_in_sql:
            for edges_key, node_key in shape.edges:
                for edge in data[edges_key]:
                    await self.node(edge[node_key], shape.node)
        return overflowed

    async def node(self, data: dict[str, Any] | None, shape: NodeShape) -> None:
        if data is None:
            return
        audit = data.pop(HIDDEN_AUDIT, None)
        principal = self.ctx.principal
        read: list[str] = []
        for key, column in shape.sensitive.items():
            raw = data.get(key)
            column_type = shape.model.__table__.c[column].type  # type: ignore[attr-defined]
            if raw is not None and isinstance(column_type, Sealed):
                raw = sealed.unseal(
                    column_type.column, str(raw)
                )  # SQL built the JSON from ciphertext
            if (
                raw is not None
                and isinstance(python_type(shape.model, column), type)
                and issubclass(python_type(shape.model, column), enum.Enum)
            ):
                raw = python_type(shape.model, column)(raw)
            shown = access.present(principal, shape.model, column, raw)
            if isinstance(shown, enum.Enum):
                shown = shown.name
            data[key] = shown
            if shown is not None and audit is not None:
                read.append(column)
        for key in shape.people:
            data[key] = await people.label(self.ctx, shape.model, shape.people[key], data.get(key))
        if read and audit is not None:
            for column in read:
                self.ctx.note_sensitive_read(
                    shape.model.__entity__.type_name, int(audit[0]), audit[1], column
                )
        for key, nested in shape.relations.items():
            value = data.get(key)
            if isinstance(nested, ConnectionShape):
                if (
                    value is not None
                ):  # a connection is always an object; None only if the row vanished
                    await self.connection(value, nested)
            else:
                await self.node(value, nested)
