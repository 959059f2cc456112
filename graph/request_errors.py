"""GraphQL's own parse, validation and variable errors, said in the caller's language and
without anything the caller sent (a tester's finding after #9 and #14).

graphql-core answers in English and quotes the document: ``Expected Name, found Int
'350203199001011234'``, ``Cannot query field 'a13900000001' on type 'Query'``,
``Value 'X…' does not exist in 'Gender' enum``. :func:`explain` turns each such error into
one of our messages (models/messages_graphql.py) with its code (``GRAPHQL_PARSE_FAILED``
or ``GRAPHQL_VALIDATION_FAILED``, docs/frontend.md):

* a **literal or variable value** is never repeated, only what kind of value was expected;
* **schema names** (types, fields, arguments, enum values, and the suggestions graphql-core
  makes from them, shown only while introspection is on) are named — each one checked
  against the schema, so a name that is not the schema's is never echoed;
* a name the caller made up where the schema has none (an unknown field, argument, type,
  directive or enum value) is not repeated: the error's line and column point at it;
* names the caller declares (variables, fragments, operations, aliases) are named unless
  they hold digits enough to be an ID or phone number;
* anything not recognised is "the document does not parse" / "does not fit the schema".
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from graphql import GraphQLError, GraphQLSchema, GraphQLSyntaxError
from graphql.type import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
)

from models.messages import message

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
HIDDEN = "…"

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*")
_QUOTED = re.compile(r"'([^']*)'")
_SUGGESTION = re.compile(r"\s*Did you mean ([^?]*)\?")
_WHAT = {  # what graphql-core's scalar complaints expected
    "Int": "gql.kind.int",
    "Float": "gql.kind.float",
    "String": "gql.kind.string",
    "Boolean": "gql.kind.boolean",
    "ID": "gql.kind.id",
}
_TOKEN = {  # how the parser names what it found, without its value
    "Int": "gql.kind.number",
    "Float": "gql.kind.number",
    "String": "gql.kind.string_literal",
    "BlockString": "gql.kind.string_literal",
    "Name": "gql.kind.name",
    "<EOF>": "gql.kind.end",
}


@cache
def schema_names(schema: GraphQLSchema) -> frozenset[str]:
    """Every name the schema defines: types, fields, arguments, input fields, enum values,
    directives and their arguments."""
    names: set[str] = set()
    for name, type_ in schema.type_map.items():
        names.add(name)
        if isinstance(type_, GraphQLObjectType | GraphQLInterfaceType):
            for field_name, field in type_.fields.items():
                names.add(field_name)
                names.update(field.args)
        elif isinstance(type_, GraphQLInputObjectType):
            names.update(type_.fields)
        elif isinstance(type_, GraphQLEnumType):
            names.update(type_.values)
    for directive in schema.directives:
        names.add(directive.name)
        names.update(directive.args)
    return frozenset(names)


class _Say:
    """What one error may name: schema references checked, declared names judged."""

    def __init__(self, lang: str, names: frozenset[str], suggest: bool) -> None:
        self.lang = lang
        self.names = names
        self.suggest = suggest

    def schema(self, text: str | None) -> str:
        """A schema reference (``Query.node(id:)``, ``[ID!]!``) when all its names are the
        schema's; otherwise it is not repeated."""
        if not text:
            return HIDDEN
        found = _NAME.findall(text)
        if found and all(name in self.names for name in found) and len(text) <= 200:
            return text
        return HIDDEN

    @staticmethod
    def declared(name: str | None) -> str:
        """A name the caller declared (variable, fragment, operation, alias), unless it holds
        enough digits to be an ID or phone number."""
        if not name or sum(ch.isdigit() for ch in name) > 4 or not _NAME.fullmatch(name):
            return HIDDEN
        return name

    def hint(self, text: str) -> str:
        """graphql-core's "Did you mean 'a' or 'b'?" as ours — schema names only."""
        if not self.suggest:
            return ""
        found = _SUGGESTION.search(text)
        if not found:
            return ""
        offered = [self.schema(name) for name in _QUOTED.findall(found.group(1))]
        offered = [name for name in offered if name != HIDDEN]
        if not offered:
            return ""
        separator = ", " if self.lang == "en" else "、"
        return message("gql.hint", self.lang, names=separator.join(offered))

    def kind(self, code: str) -> str:
        return message(code, self.lang)


def _where(error: GraphQLError, lang: str) -> str:
    locations = error.locations or []
    if not locations:
        return ""
    first = locations[0]
    return message("gql.where", lang, line=first.line, column=first.column)


# -- syntax ---------------------------------------------------------------------------------

_EXPECTED = re.compile(r"^Syntax Error: Expected (.+?), found (<EOF>|'[^']*'|\w+)")
_UNEXPECTED = re.compile(r"^Syntax Error: Unexpected (<EOF>|'[^']*'|\w+)")


def _token(text: str, say: _Say) -> str:
    """A token the parser names: a punctuator as itself, anything else by its kind."""
    if text.startswith("'") and len(text) <= 5:  # '{', '...', '}'
        return "“" + text.strip("'") + "”"
    if text.startswith('"') and len(text) <= 12:  # a keyword the parser expected: "on"
        return "“" + text.strip('"') + "”"
    return say.kind(_TOKEN.get(text, "gql.kind.token"))


def _syntax(error: GraphQLError, say: _Say) -> tuple[str, dict[str, Any]]:
    text = error.message
    if "selection set must not be empty" in text:
        return "gql.syntax.empty_selection", {}
    tokens = re.search(r"more than (\d+) tokens", text)
    if tokens:
        return "gql.syntax.too_many_tokens", {"max": tokens.group(1)}
    if "nested too deeply" in text:
        return "gql.syntax.too_nested", {}
    if "Parsing aborted" in text:
        return "gql.syntax.too_large", {}
    if "Unterminated string" in text:
        return "gql.syntax.unterminated", {}
    expected = _EXPECTED.match(text)
    if expected:
        return "gql.syntax.expected", {
            "expected": _token(expected.group(1), say),
            "found": _token(expected.group(2), say),
        }
    unexpected = _UNEXPECTED.match(text)
    if unexpected:
        return "gql.syntax.unexpected", {"found": _token(unexpected.group(1), say)}
    if re.match(r"^Syntax Error: Invalid number", text):
        return "gql.syntax.number", {}
    if re.match(r"^Syntax Error: (Unexpected|Invalid) character", text):
        return "gql.syntax.character", {}
    if "single quote" in text:
        return "gql.syntax.single_quote", {}
    if "escape sequence" in text or "within String" in text:
        return "gql.syntax.string", {}
    return "gql.syntax", {}


# -- values ---------------------------------------------------------------------------------


def _value(text: str, say: _Say) -> tuple[str, dict[str, Any]] | None:
    """What is wrong with a value (a literal, or a variable's), never the value itself."""
    scalar = re.match(r"^(Int|Float|String|Boolean|ID) cannot represent", text)
    if scalar:
        if "32-bit" in text:
            return "gql.value.int_range", {}
        return "gql.value.kind", {"expected": say.kind(_WHAT[scalar.group(1)])}
    enum = re.match(r"^(?:Value '.*' does not exist in|Enum) '(\w+)'", text, re.S)
    if enum:
        return "gql.value.enum", {"type": say.schema(enum.group(1)), "hint": say.hint(text)}
    typed = re.match(r"^Expected (?:a )?value of (?:non-null )?type '([\w\[\]!]+)'", text)
    if typed:
        type_ = say.schema(typed.group(1))
        if "unknown field" in text:
            return "gql.value.unknown_field", {"type": type_, "hint": say.hint(text)}
        field = re.search(r"to include required field '(\w+)'", text)
        if field:
            return "gql.value.required_field", {"type": type_, "field": say.schema(field.group(1))}
        if "to be an object" in text:
            return "gql.value.object", {"type": type_}
        if "not to be None" in text or "to be provided" in text:
            return "gql.value.null", {"type": type_}
        return "gql.value.type", {"type": type_}
    custom = re.match(r"^Value cannot represent an? (\w+)", text)  # strawberry's scalars
    if custom:
        return "gql.value.type", {"type": say.schema(custom.group(1))}
    if text.startswith("Expected variable '$"):
        return "gql.value.runtime", {}
    return None


_VARIABLE_VALUE = re.compile(
    r"^Variable '\$(\w+)' has invalid (?:default )?value(?: at (\S+))?: (.*)$", re.S
)
_PATH_PART = re.compile(r"\.(\w+)|\[(\d+)\]")


def _path(text: str | None, say: _Say) -> str:
    if not text:
        return ""
    parts = []
    for name, index in _PATH_PART.findall(text):
        parts.append(f".{say.schema(name)}" if name else f"[{index}]")
    return "".join(parts).lstrip(".")


# -- validation -----------------------------------------------------------------------------

Rule = Callable[["re.Match[str]", str, _Say], tuple[str, dict[str, Any]]]
_RULES: list[tuple[re.Pattern[str], Rule]] = [
    (
        re.compile(r"^Cannot query field '.*' on type '(\w+)'", re.S),
        lambda m, t, s: ("gql.unknown_field", {"type": s.schema(m.group(1)), "hint": s.hint(t)}),
    ),
    (
        re.compile(r"^Unknown argument '.*' on (?:field|directive) '@?([\w.]+)'", re.S),
        lambda m, t, s: (
            "gql.unknown_argument",
            {"field": s.schema(m.group(1)), "hint": s.hint(t)},
        ),
    ),
    (
        re.compile(r"^Unknown type '"),
        lambda m, t, s: ("gql.unknown_type", {"hint": s.hint(t)}),
    ),
    (re.compile(r"^Unknown directive '"), lambda m, t, s: ("gql.unknown_directive", {})),
    (
        re.compile(r"^Unknown fragment '(\w*)'"),
        lambda m, t, s: ("gql.unknown_fragment", {"name": s.declared(m.group(1))}),
    ),
    (
        re.compile(r"^Fragment '(\w*)' is never used"),
        lambda m, t, s: ("gql.unused_fragment", {"name": s.declared(m.group(1))}),
    ),
    (
        re.compile(r"^Variable '\$(\w*)' is never used"),
        lambda m, t, s: ("gql.unused_variable", {"name": s.declared(m.group(1))}),
    ),
    (
        re.compile(r"^Variable '\$(\w*)' is not defined"),
        lambda m, t, s: ("gql.undefined_variable", {"name": s.declared(m.group(1))}),
    ),
    (
        re.compile(
            r"^Variable '\$(\w*)' of type '([\w\[\]!]+)' used in position expecting type '([\w\[\]!]+)'"
        ),
        lambda m, t, s: (
            "gql.variable_position",
            {
                "name": s.declared(m.group(1)),
                "given": s.schema(m.group(2)),
                "expected": s.schema(m.group(3)),
            },
        ),
    ),
    (
        re.compile(r"^Variable '\$(\w*)' (?:cannot be non-input type|expected value of type)"),
        lambda m, t, s: ("gql.variable_type", {"name": s.declared(m.group(1))}),
    ),
    (
        re.compile(r"^Variable '\$(\w*)' of (?:required|non-null) type '([\w\[\]!]+)'"),
        lambda m, t, s: (
            "gql.variable_missing",
            {"name": s.declared(m.group(1)), "type": s.schema(m.group(2))},
        ),
    ),
    (
        re.compile(r"^Field '(\w+)' of type '([\w\[\]!]+)' must have"),
        lambda m, t, s: (
            "gql.needs_selection",
            {"field": s.schema(m.group(1)), "type": s.schema(m.group(2))},
        ),
    ),
    (
        re.compile(r"^Field '(\w+)' must not have a selection since type '([\w\[\]!]+)'"),
        lambda m, t, s: (
            "gql.no_selection",
            {"field": s.schema(m.group(1)), "type": s.schema(m.group(2))},
        ),
    ),
    (
        re.compile(r"^Argument '(@?[\w.]+\(\w+:\))' of type '([\w\[\]!]+)' is required"),
        lambda m, t, s: (
            "gql.required_argument",
            {"argument": s.schema(m.group(1)), "type": s.schema(m.group(2))},
        ),
    ),
    (
        re.compile(r"^Fields '(\w*)' conflict"),
        lambda m, t, s: ("gql.field_conflict", {"name": s.declared(m.group(1))}),
    ),
    (re.compile(r"^There can be only one "), lambda m, t, s: ("gql.duplicate", {})),
    (
        re.compile(r"^This anonymous operation must be the only"),
        lambda m, t, s: ("gql.anonymous", {}),
    ),
    (
        re.compile(r"exceeds maximum operation depth of (\d+)$"),
        lambda m, t, s: ("gql.too_deep", {"max": m.group(1)}),
    ),
    (
        re.compile(r"^\d+ aliases found\. Allowed: (\d+)"),
        lambda m, t, s: ("gql.too_many_aliases", {"max": m.group(1)}),
    ),
    (re.compile(r"introspection has been disabled"), lambda m, t, s: ("gql.introspection_off", {})),
    (re.compile(r"^Cannot spread fragment"), lambda m, t, s: ("gql.fragment_cycle", {})),
    (
        re.compile(r"^Fragment .*(cannot be spread here|cannot condition)", re.S),
        lambda m, t, s: ("gql.fragment_type", {}),
    ),
    (re.compile(r"^Directive '@\w+' may not be used"), lambda m, t, s: ("gql.directive_place", {})),
    (
        re.compile(r"^The \w+ (definition|operation) is not"),
        lambda m, t, s: ("gql.not_executable", {}),
    ),
]


def _validation(error: GraphQLError, say: _Say) -> tuple[str, dict[str, Any]]:
    text = error.message
    variable = _VARIABLE_VALUE.match(text)
    if variable:
        key, params = _value(variable.group(3), say) or ("gql.value.invalid", {})
        reason = message(key, say.lang, **params)
        at = _path(variable.group(2), say)
        return "gql.variable_value", {
            "name": say.declared(variable.group(1)),
            "at": message("gql.at", say.lang, path=at) if at else "",
            "reason": reason,
        }
    for pattern, rule in _RULES:
        found = pattern.search(text)
        if found:
            return rule(found, text, say)
    value = _value(text, say)
    if value is not None:
        key, params = value
        return "gql.literal", {"reason": message(key, say.lang, **params)}
    return "gql.invalid", {}


def explain(
    error: GraphQLError, lang: str, schema: GraphQLSchema | None, *, suggest: bool
) -> tuple[str, str]:
    """The message (in ``lang``) and code for one of GraphQL's own request errors."""
    say = _Say(lang, schema_names(schema) if schema is not None else frozenset(), suggest)
    parse = isinstance(error, GraphQLSyntaxError) or error.message.startswith("Syntax Error")
    if parse:
        key, params = _syntax(error, say)
    else:
        key, params = _validation(error, say)
    text = message(key, lang, **params, where=_where(error, lang))
    return text, PARSE_FAILED if parse else VALIDATION_FAILED


def is_graphql_own(error: GraphQLError) -> bool:
    """An error GraphQL itself raised about the request (parsing, validation, variables):
    no path, no code of ours, no exception of ours behind it."""
    if error.path is not None or (error.extensions or {}).get("code"):
        return False
    original = error.original_error
    if original is None or isinstance(original, GraphQLSyntaxError):
        return True
    # a variable's value: graphql-core wraps the scalar's complaint (ours too: graph.scalars)
    return error.message.startswith("Variable '$")


__all__ = ["PARSE_FAILED", "VALIDATION_FAILED", "explain", "is_graphql_own", "schema_names"]
