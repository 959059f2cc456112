"""A description for every argument (issue #14.6), one place for all of them.

The argument lists are generated (every connection has filter / orderBy / first / after,
every record type four mutations), so their descriptions are filled in here, by argument
name, after the schema is built: an argument added later gets its description as long as
its name is in :data:`BY_NAME` — and ``tests/graph/test_schema_contract.py`` fails when it
is not.
"""

from __future__ import annotations

from graphql import GraphQLObjectType, GraphQLSchema

BY_NAME: dict[str, str] = {
    "filter": (
        "Only the records matching these conditions: every key given must hold; `and`, `or` and "
        "`not` combine conditions (筛选条件)"
    ),
    "orderBy": (
        "Sort keys in order, e.g. [{ graduationYear: DESC }, { name: ASC }]; the id breaks ties, "
        "nulls come last, names and titles sort in pinyin order (排序)"
    ),
    "first": "Page size from the start or after `after`: default 20, at most 100 (每页条数)",
    "after": "The `endCursor` of the page before: the records after it (游标：向后翻页)",
    "last": "Page size from the end or before `before`: at most 100 (从末尾取的条数)",
    "before": "The `startCursor` of the page after: the records before it (游标：向前翻页)",
    "id": "The record's global ID, as read from its `id` field (记录编号)",
    "version": (
        "The `version` you read; when given and someone saved since, nothing changes and the "
        "payload reports the conflict (版本号)"
    ),
    "userId": "The global ID of the user the token acts as (令牌所属用户)",
    "expiresDays": "Days until the token stops working; omitted: it does not expire (有效天数)",
}
# Where the same name means something else on one field: "Type.field.argument".
BY_FIELD: dict[str, str] = {
    "Mutation.createApiToken.name": "A name to recognise the token by, e.g. the partner system's (令牌名称)",
    "Query.enumLabels.type": "One enum type's name, e.g. SiteKind; omitted: every enum (选项类型)",
}
BY_FIELD_PREFIX: dict[tuple[str, str], str] = {
    ("create", "input"): "The new record's fields (新记录的字段)",
    ("update", "input"): (
        "The record's `id`, the `version` you read and the fields to change; fields left out "
        "stay as they are (要修改的字段)"
    ),
}


def describe_arguments(schema: GraphQLSchema) -> list[str]:
    """Fill in missing argument descriptions; returns ``Type.field.arg`` of any still missing."""
    missing: list[str] = []
    for type_name, graphql_type in schema.type_map.items():
        if type_name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        for field_name, field in graphql_type.fields.items():
            for arg_name, argument in field.args.items():
                if argument.description:
                    continue
                key = f"{type_name}.{field_name}.{arg_name}"
                text = BY_FIELD.get(key)
                if text is None:
                    text = next(
                        (
                            t
                            for (prefix, arg), t in BY_FIELD_PREFIX.items()
                            if arg == arg_name and field_name.startswith(prefix)
                        ),
                        BY_NAME.get(arg_name),
                    )
                if text is None:
                    missing.append(key)
                else:
                    argument.description = text
    return missing
