"""Which operation of a document runs is never guessed (GraphQL spec, GetOperation).

strawberry's ``operation_name`` falls back to the first operation's own name, so a document
holding several operations and no ``operationName`` ran its first one silently. This
extension answers ``OPERATION_NAME_REQUIRED`` instead, before anything runs; a name that no
operation has is refused earlier, as a bad request.
"""

from __future__ import annotations

from graphql import OperationDefinitionNode
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult

from graph.errors import UserError
from models.messages import message


class OperationChoice(SchemaExtension):
    """Several operations and no ``operationName``: an error, nothing executed."""

    def on_execute(self):  # type: ignore[no-untyped-def,override]
        execution = self.execution_context
        document = execution.graphql_document
        if document is not None and not execution.result:
            named = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            given = getattr(execution, "_provided_operation_name", execution.operation_name)
            if given is None and len(named) > 1:
                lang = getattr(execution.context, "language", "zh")
                error = UserError(
                    message("query.operation_name_required", lang), code="OPERATION_NAME_REQUIRED"
                )
                execution.result = ExecutionResult(data=None, errors=[error])
        yield


__all__ = ["OperationChoice"]
