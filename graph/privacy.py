"""GraphQL errors without the values a caller sent (#12.3).

A rejected document or a variable of the wrong type is answered with what is wrong and
where (the field, the expected type), never with the value: graphql-core's own messages
echo the whole input ("Variable '$input' got invalid value {…}") and its error text
quotes the document. Logs get a code and, for a failure of ours, the exception's type
and frames — never the document, the variables or the driver's message.
"""

from __future__ import annotations

import logging
import re
import traceback
from typing import Any

from graphql import GraphQLError
from strawberry import Schema
from strawberry.extensions import MaskErrors
from strawberry.relay.types import InvalidGlobalIDError

from graph.errors import UserError
from graph.request_errors import explain, is_graphql_own
from hongfan.redaction import scrub
from models.messages import message

log = logging.getLogger("hongfan.graphql")

_VARIABLE = re.compile(r"^Variable '(\$\w+)' got invalid value")
_AT_PATH = re.compile(r" at '([\w.\[\]]*)'; ")
_EXPECTED = re.compile(r"Expected type '([\w!\[\]]+)'")
# "value: …", "found …" and graphql-core's "Value 'X' does not exist in 'Gender' enum."
_LITERAL = re.compile(
    r"((?:value|found):? )(\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'|\{.*\}|\[.*\]|[^\s;,]+)",
    re.S | re.I,
)


def redact_message(text: str) -> str:
    """``text`` of a GraphQL error without any value the caller sent."""
    variable = _VARIABLE.match(text)
    if variable:
        at = _AT_PATH.search(text)
        expected = _EXPECTED.search(text)
        where = f" at '{at.group(1)}'" if at else ""
        what = f"; Expected type '{expected.group(1)}'." if expected else "."
        return f"Variable '{variable.group(1)}' got invalid value{where}{what}"
    return scrub(_LITERAL.sub(lambda m: m.group(1) + "…", text))


def is_user_facing(error: GraphQLError) -> bool:
    """Errors we raised on purpose, or GraphQL's own validation errors, are shown (redacted)."""
    original = error.original_error
    return original is None or isinstance(original, UserError | GraphQLError)


def _coded(error: GraphQLError) -> dict[str, Any] | None:
    """The error's extensions; a global ID that does not parse is ``BAD_ID`` (README), like ours."""
    if isinstance(error.original_error, InvalidGlobalIDError):
        return {**(error.extensions or {}), "code": "BAD_ID"}
    return error.extensions


class PrivateErrors(MaskErrors):
    """Unexpected errors masked; GraphQL's own request errors said again in the caller's
    language (graph.request_errors, with the schema's suggestions when ``suggest``); the
    others' messages redacted of the caller's values."""

    def __init__(self, *args: Any, suggest: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.suggest = suggest

    def _language(self) -> str:
        context = getattr(getattr(self, "execution_context", None), "context", None)
        principal = getattr(context, "principal", None)
        return str(getattr(principal, "language", "zh") or "zh")

    def _process_errors(self, errors: list[GraphQLError]) -> list[GraphQLError]:
        shown: list[GraphQLError] = []
        for error in errors:
            if is_graphql_own(error):
                schema = getattr(self.execution_context.schema, "_schema", None)
                text, code = explain(error, self._language(), schema, suggest=self.suggest)
                shown.append(
                    GraphQLError(
                        message=text,
                        nodes=error.nodes,
                        positions=error.positions,
                        extensions={**(error.extensions or {}), "code": code},
                    )
                )
                continue
            if self.should_mask_error(error):
                shown.append(self.anonymise_error(error))
                continue
            if not is_user_facing(error):
                shown.append(error)  # left to hongfan.app (the database going away: 503)
                continue
            if isinstance(error.original_error, InvalidGlobalIDError):
                # never the ID sent back (it could be an ID number), in the caller's language
                text = message("global_id", self._language())
            else:
                text = redact_message(error.message)
            shown.append(
                GraphQLError(
                    message=text,
                    nodes=error.nodes,
                    positions=error.positions,
                    path=error.path,
                    extensions=_coded(error),
                )
            )
        return shown


class QuietSchema(Schema):
    """Logs what went wrong without the document, the variables or any value."""

    def process_errors(self, errors: list[GraphQLError], execution_context: Any = None) -> None:
        schema = getattr(self, "_schema", None)
        for error in errors:
            original = error.original_error
            if is_graphql_own(error):
                text, code = explain(error, "en", schema, suggest=False)
                log.info("GraphQL request refused (%s): %s", code, text)
                continue
            if is_user_facing(error):
                code = (error.extensions or {}).get("code", "GRAPHQL_VALIDATION")
                log.info("GraphQL request refused (%s): %s", code, redact_message(error.message))
                continue
            assert original is not None
            frames = "".join(traceback.format_tb(original.__traceback__))
            log.error(
                "GraphQL field %s failed: %s\n%s",
                error.path,
                type(original).__name__,
                scrub(frames),
            )
