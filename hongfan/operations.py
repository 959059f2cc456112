"""GraphQL operations in a canonical form: how an allow-list recognises "the same" operation.

An operation's canonical text is graphql-core's printing of the operation followed by
every fragment it uses (directly or through other fragments), sorted by name — so
whitespace, comments, the order of definitions and fragments the operation does not use
make no difference. A partner token's allow-list (``hongfan token create --operations``)
keeps the SHA-256 of each operation's canonical text; a request is allowed when the
operation it runs has one of them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    OperationDefinitionNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

MAX_OPERATIONS = 100  # in one allow-list


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Operation:
    name: str
    canonical: str

    @property
    def sha256(self) -> str:
        return sha256_hex(self.canonical)


class OperationsFileError(ValueError):
    """A file of operations that cannot be an allow-list: a message code and its parameters."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class _Spreads(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: object) -> None:
        self.names.append(node.name.value)


def _spreads(node: OperationDefinitionNode | FragmentDefinitionNode) -> list[str]:
    visitor = _Spreads()
    visit(node, visitor)
    return visitor.names


def _canonical(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> str | None:
    """The canonical text, or None when the operation uses a fragment the document lacks."""
    used: dict[str, FragmentDefinitionNode] = {}
    pending = _spreads(operation)
    while pending:
        name = pending.pop()
        if name in used:
            continue
        fragment = fragments.get(name)
        if fragment is None:
            return None
        used[name] = fragment
        pending.extend(_spreads(fragment))
    definitions = (operation, *(used[name] for name in sorted(used)))
    return print_ast(DocumentNode(definitions=definitions))


def _definitions(
    document: DocumentNode,
) -> tuple[list[OperationDefinitionNode], dict[str, FragmentDefinitionNode]]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    return operations, fragments


def canonical_sha256(text: str, operation_name: str | None) -> str | None:
    """The SHA-256 of the canonical text of the operation a request runs; None when the
    document does not parse or does not say which operation (GraphQL's own rules)."""
    try:
        document = parse(text, no_location=True)
    except GraphQLError:
        return None
    operations, fragments = _definitions(document)
    if operation_name:
        chosen = [o for o in operations if o.name is not None and o.name.value == operation_name]
    else:
        chosen = operations
    if len(chosen) != 1:
        return None
    canonical = _canonical(chosen[0], fragments)
    return None if canonical is None else sha256_hex(canonical)


def operations_of(text: str) -> list[Operation]:
    """Every operation of a .graphql file, named and canonical; raises OperationsFileError."""
    try:
        document = parse(text, no_location=True)
    except GraphQLError as error:
        # where, not graphql-core's English text (it quotes the file's tokens)
        where = error.locations[0] if error.locations else None
        line, column = (where.line, where.column) if where else ("?", "?")
        raise OperationsFileError("operations.parse", line=line, column=column) from error
    operations, fragments = _definitions(document)
    if not operations:
        raise OperationsFileError("operations.none")
    if len(operations) > MAX_OPERATIONS:
        raise OperationsFileError("operations.too_many", max=MAX_OPERATIONS)
    found: list[Operation] = []
    for operation in operations:
        if operation.name is None:
            raise OperationsFileError("operations.unnamed")
        name = operation.name.value
        canonical = _canonical(operation, fragments)
        if canonical is None:
            raise OperationsFileError("operations.fragment", name=name)
        if any(o.name == name for o in found):
            raise OperationsFileError("operations.duplicate", name=name)
        found.append(Operation(name, canonical))
    return found


__all__ = [
    "MAX_OPERATIONS",
    "Operation",
    "OperationsFileError",
    "canonical_sha256",
    "operations_of",
    "sha256_hex",
]
