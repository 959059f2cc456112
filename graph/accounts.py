"""Users and API tokens through GraphQL, for superadmins and org admins (账号管理).

Every rule about who may create, change or hand tokens to whom lives in
hongfan.accounts; these resolvers only translate.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import sqlalchemy as sa
import strawberry
from strawberry import relay
from strawberry.types.unset import UNSET

from graph.context import Context
from graph.enums import gql_enum
from graph.filters import global_id_to_pk
from graph.resolvers import load_record, to_node
from graph.types import FieldError, field_name
from hongfan import accounts
from hongfan.errors import HongfanError
from hongfan.principal import Role
from models.accounts import ApiToken, User, UserRole
from models.base import ENTITIES

GqlUserRole = gql_enum(UserRole)


@strawberry.type(name="User", description="A person or system that signs in (用户)")
class UserType:
    id: relay.GlobalID = strawberry.field(description="Global ID (编号)")
    email: str = strawberry.field(description="Sign-in e-mail address (邮箱)")
    display_name: str | None = strawberry.field(description="Name shown in the UI (显示名称)")
    role: GqlUserRole = strawberry.field(description="What the user may do (角色)")  # type: ignore[valid-type]
    is_active: bool = strawberry.field(description="May sign in (启用)")
    last_login_at: datetime | None = strawberry.field(description="Last sign-in, UTC (最近登录)")
    version: int = strawberry.field(description="Version; send it with updateUser (版本号)")
    organisation_id: strawberry.Private[int | None]
    company_id: strawberry.Private[int | None]

    @strawberry.field(description="The organisation a staff user is bound to (所属组织)")
    async def organisation(
        self, info: strawberry.Info
    ) -> Annotated[Organisation, strawberry.lazy("graph.types")] | None:  # type: ignore[name-defined]  # noqa: F821
        if self.organisation_id is None:
            return None
        model = ENTITIES["Organisation"]
        return to_node(
            info.context, model, await load_record(info.context, model, self.organisation_id)
        )

    @strawberry.field(description="The company a partner user is bound to (所属企业)")
    async def company(
        self, info: strawberry.Info
    ) -> Annotated[Company, strawberry.lazy("graph.types")] | None:  # type: ignore[name-defined]  # noqa: F821
        if self.company_id is None:
            return None
        model = ENTITIES["Company"]
        return to_node(info.context, model, await load_record(info.context, model, self.company_id))


def user_node(user: User) -> UserType:
    return UserType(
        id=relay.GlobalID("User", str(user.id)),
        email=user.email,
        display_name=user.display_name,
        role=UserRole(user.role),
        is_active=user.is_active,
        last_login_at=user.last_login_at,
        version=user.version,
        organisation_id=user.organisation_id,
        company_id=user.company_id,
    )


@strawberry.type(
    description="An API token; its secret is shown only once, when it is created (接口令牌)"
)
class ApiTokenType:
    id: relay.GlobalID = strawberry.field(description="Global ID (编号)")
    name: str = strawberry.field(description="What the token is for (名称)")
    prefix: str = strawberry.field(description="The first characters, to recognise it (前缀)")
    created_at: datetime = strawberry.field(description="When it was made, UTC (创建时间)")
    expires_at: datetime | None = strawberry.field(
        description="When it stops working, UTC (过期时间)"
    )
    revoked_at: datetime | None = strawberry.field(
        description="When it was revoked, UTC (吊销时间)"
    )
    last_used_at: datetime | None = strawberry.field(description="Last use, UTC (最近使用)")


def token_node(token: ApiToken) -> ApiTokenType:
    return ApiTokenType(
        id=relay.GlobalID("ApiToken", str(token.id)),
        name=token.name,
        prefix=token.prefix,
        created_at=token.created_at,
        expires_at=token.expires_at,
        revoked_at=token.revoked_at,
        last_used_at=token.last_used_at,
    )


@strawberry.type(description="The result of a user mutation (用户操作结果)")
class UserPayload:
    user: UserType | None = strawberry.field(description="The user as saved; null on errors (用户)")
    password: str | None = strawberry.field(
        description="The generated password, shown this once when none was given (初始密码)"
    )
    errors: list[FieldError] = strawberry.field(description="Field-level problems (错误列表)")


@strawberry.type(description="The result of a token mutation (令牌操作结果)")
class ApiTokenPayload:
    api_token: ApiTokenType | None = strawberry.field(description="The token's record (令牌)")
    token: str | None = strawberry.field(
        description="The secret, shown this once: send it as `Authorization: Bearer …` (令牌密钥)"
    )
    errors: list[FieldError] = strawberry.field(description="Field-level problems (错误列表)")


@strawberry.input(description="A new user (新建用户)")
class CreateUserInput:
    email: str = strawberry.field(description="Sign-in e-mail address (邮箱)")
    role: GqlUserRole = strawberry.field(description="Role (角色)")  # type: ignore[valid-type]
    organisation_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Organisation, for org admins, editors and viewers (所属组织)"
    )
    company_id: relay.GlobalID | None = strawberry.field(
        default=None, description="Company, for partners (所属企业)"
    )
    display_name: str | None = strawberry.field(
        default=None, description="Name shown in the UI (显示名称)"
    )
    password: str | None = strawberry.field(
        default=None, description="Leave out to have one generated (密码)"
    )


@strawberry.input(description="Changes to a user; omitted fields stay (修改用户)")
class UpdateUserInput:
    id: relay.GlobalID = strawberry.field(description="The user (用户编号)")
    version: int = strawberry.field(description="The version you read (版本号)")
    role: GqlUserRole | None = strawberry.field(default=UNSET, description="Role (角色)")  # type: ignore[valid-type]
    organisation_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="Organisation (所属组织)"
    )
    company_id: relay.GlobalID | None = strawberry.field(
        default=UNSET, description="Company (所属企业)"
    )
    is_active: bool | None = strawberry.field(default=UNSET, description="May sign in (启用)")
    display_name: str | None = strawberry.field(
        default=UNSET, description="Name shown in the UI (显示名称)"
    )


def _errors(error: HongfanError) -> list[FieldError]:
    return [
        FieldError(field=field_name(e.field), code=e.code, message=e.message) for e in error.errors
    ]


def _pk(ctx: Context, value: relay.GlobalID | None, type_name: str) -> int | None:
    return None if value is None else global_id_to_pk(value, type_name, ctx.principal)


async def resolve_me(info: strawberry.Info) -> UserType | None:
    ctx: Context = info.context
    if ctx.principal.user_id is None:
        return None
    user = (
        await ctx.execute(sa.select(User).where(User.id == ctx.principal.user_id))  # type: ignore[arg-type]
    ).scalar_one_or_none()
    return user_node(user) if user else None


async def resolve_users(info: strawberry.Info) -> list[UserType]:
    ctx: Context = info.context
    async with ctx.db.session(accounts.AUTH) as session:
        users = await accounts.list_users(session, ctx.principal)
    return [user_node(u) for u in users]


async def create_user(info: strawberry.Info, input: CreateUserInput) -> UserPayload:
    ctx: Context = info.context
    try:
        async with ctx.db.transaction(accounts.AUTH) as session:
            user, password = await accounts.create_user(
                session,
                ctx.principal,
                input.email,
                Role(input.role.value),  # type: ignore[attr-defined]  # GqlUserRole is built at runtime
                organisation_id=_pk(ctx, input.organisation_id, "Organisation"),
                company_id=_pk(ctx, input.company_id, "Company"),
                password=input.password,
                display_name=input.display_name,
            )
    except HongfanError as error:
        return UserPayload(user=None, password=None, errors=_errors(error))
    return UserPayload(user=user_node(user), password=password, errors=[])


async def update_user(info: strawberry.Info, input: UpdateUserInput) -> UserPayload:
    ctx: Context = info.context
    changes: dict[str, Any] = {}
    if input.role is not UNSET and input.role is not None:
        changes["role"] = Role(input.role.value)
    if input.organisation_id is not UNSET:
        changes["organisation_id"] = _pk(ctx, input.organisation_id, "Organisation")
    if input.company_id is not UNSET:
        changes["company_id"] = _pk(ctx, input.company_id, "Company")
    if input.is_active is not UNSET and input.is_active is not None:
        changes["is_active"] = input.is_active
    if input.display_name is not UNSET:
        changes["display_name"] = input.display_name
    try:
        async with ctx.db.transaction(accounts.AUTH) as session:
            user_id = global_id_to_pk(input.id, "User", ctx.principal)
            user = await accounts.update_user(
                session, ctx.principal, user_id, input.version, **changes
            )
    except HongfanError as error:
        return UserPayload(user=None, password=None, errors=_errors(error))
    return UserPayload(user=user_node(user), password=None, errors=[])


async def create_api_token(
    info: strawberry.Info,
    user_id: relay.GlobalID,
    name: str = "api",
    expires_days: int | None = None,
    password: Annotated[
        str | None,
        strawberry.argument(
            description="Your own password, when you signed in more than 15 minutes ago (确认密码)"
        ),
    ] = None,
    operations: Annotated[
        str | None,
        strawberry.argument(
            description=(
                "The text of a .graphql file of named operations: the token runs those and "
                "nothing else (OPERATION_NOT_ALLOWED), a partner system's allow-list; omitted: "
                "whatever its user's role may (允许的操作)"
            )
        ),
    ] = None,
) -> ApiTokenPayload:
    ctx: Context = info.context
    try:
        async with ctx.db.transaction(accounts.AUTH) as session:
            pk = global_id_to_pk(user_id, "User", ctx.principal)
            token, secret = await accounts.issue_token(
                session,
                ctx.principal,
                pk,
                name=name,
                expires_days=expires_days,
                password=password,
                operations=operations,
            )
    except HongfanError as error:
        return ApiTokenPayload(api_token=None, token=None, errors=_errors(error))
    return ApiTokenPayload(api_token=token_node(token), token=secret, errors=[])


async def revoke_api_token(info: strawberry.Info, id: relay.GlobalID) -> ApiTokenPayload:
    ctx: Context = info.context
    try:
        async with ctx.db.transaction(accounts.AUTH) as session:
            token = await accounts.revoke_token(
                session, ctx.principal, global_id_to_pk(id, "ApiToken", ctx.principal)
            )
    except HongfanError as error:
        return ApiTokenPayload(api_token=None, token=None, errors=_errors(error))
    return ApiTokenPayload(api_token=token_node(token), token=None, errors=[])


QUERY_FIELDS = {
    "me": strawberry.field(
        resolver=resolve_me, description="The signed-in user; null when anonymous (当前用户)"
    ),
    "users": strawberry.field(
        resolver=resolve_users,
        description="Users you may manage: all for superadmins, your subtree's for org admins, else yourself (用户列表)",
    ),
}

MUTATION_FIELDS = {
    "create_user": strawberry.field(
        resolver=create_user,
        description="Create a user, never with more rights than you hold (新建用户)",
    ),
    "update_user": strawberry.field(
        resolver=update_user,
        description="Change a user's role, binding or status; refused when version is stale (修改用户)",
    ),
    "create_api_token": strawberry.field(
        resolver=create_api_token,
        description=(
            "Issue an API token; the secret is in this response only. Needs a signed-in session (not a "
            "token) whose password was checked in the last 15 minutes, or `password` (签发令牌)"
        ),
    ),
    "revoke_api_token": strawberry.field(
        resolver=revoke_api_token, description="Revoke an API token (吊销令牌)"
    ),
}
