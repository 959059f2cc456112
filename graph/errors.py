"""Errors a GraphQL caller may see. Anything else is masked by the schema."""

from __future__ import annotations

from typing import Any

from graphql import GraphQLError


class UserError(GraphQLError):
    """A problem with the request itself, explained in the caller's language."""

    def __init__(
        self,
        message: str,
        *,
        code: str,
        extensions: dict[str, object] | None = None,
        **located: Any,
    ) -> None:
        super().__init__(message, extensions={"code": code, **(extensions or {})}, **located)
