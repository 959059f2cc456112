"""No "Did you mean …?" when introspection is off (issue #14.6).

With introspection off (production) the schema is not for browsing; GraphQL's suggestions
would still spell out field, argument and enum names one typo at a time. This extension
removes them from every error message — validation errors and variable coercion alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from strawberry.extensions import SchemaExtension

# to the question mark, or to the end when the message was shortened ("… enum value …")
_SUGGESTION = re.compile(r"\s*Did you mean[^?]*(?:\?|$)")


def without_suggestions(text: str) -> str:
    return _SUGGESTION.sub("", text)


class HideSuggestions(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        context = self.execution_context
        result = context.result
        for errors in (getattr(result, "errors", None), context.pre_execution_errors):
            for error in errors or ():
                error.message = without_suggestions(error.message)
