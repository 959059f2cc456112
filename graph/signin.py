"""People lists ask for sign-in (issue #14.6): an anonymous caller who lists students,
enrolments, grants … is told "sign in" (``UNAUTHENTICATED``), not given an empty list — the
same answer whether or not any exist, so it reveals nothing.

Checked before execution, for the whole operation: a field error on a non-null root would
null the answer anyway, and refusing up front runs no SQL and starts no sibling resolvers
(graphql-core 3.3 cancels those when an error nulls the answer).
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from graph.context import Context
from graph.errors import UserError
from hongfan import access
from models.base import ENTITIES
from models.messages import message

ROOTS = {m.__entity__.plural: m for m in ENTITIES.values()}


def _root_fields(document: DocumentNode, operation_name: str | None) -> list[FieldNode]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name and o.name.value == operation_name]
    if len(operations) != 1:
        return []
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }

    def walk(selection_set: SelectionSetNode, seen: frozenset[str]) -> Iterator[FieldNode]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                yield from walk(selection.selection_set, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in fragments and name not in seen:
                    yield from walk(fragments[name].selection_set, seen | {name})

    return list(walk(operations[0].selection_set, frozenset()))


class SignInRequired(SchemaExtension):
    def on_execute(self) -> Iterator[None]:
        execution = self.execution_context
        ctx = execution.context
        document = execution.graphql_document
        if (
            isinstance(ctx, Context)
            and ctx.principal.is_anonymous
            and document is not None
            and not execution.result
        ):
            errors: list[GraphQLError] = []
            for field in _root_fields(document, execution.operation_name):
                model = ROOTS.get(field.name.value)
                if model is not None and access.needs_sign_in(ctx.principal, model):
                    key = (field.alias or field.name).value
                    text = message("list.sign_in", ctx.language, type=field.name.value)
                    errors.append(
                        UserError(text, code="UNAUTHENTICATED", path=[key], nodes=[field])
                    )
            if errors:
                execution.result = ExecutionResult(data=None, errors=errors)
        yield
