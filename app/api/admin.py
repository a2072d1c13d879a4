"""Administration: the current account, accounts and tokens, regulatory profiles."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_login import current_user

from app.api import base
from app.api.schemas import (
    IssuedTokenSchema,
    MeSchema,
    RegulatoryProfilePatchSchema,
    RegulatoryProfileSchema,
    TokenCreateSchema,
    TokenSchema,
    UserCreateSchema,
    UserPatchSchema,
    UserSchema,
)
from app.auth import require
from procurement.permissions import PERMISSIONS
from procurement.services import admin, overview

me = base.ApiBlueprint("me", __name__, url_prefix="/api/me",
                       description="The account making the request.")
users = base.ApiBlueprint("users", __name__, url_prefix="/api/users",
                          description="Accounts and API tokens of the municipality (admin).")
profiles = base.ApiBlueprint("profiles", __name__, url_prefix="/api/regulatory-profiles",
                             description="Procurement thresholds per jurisdiction.")


@me.route("")
class Me(MethodView):
    @require("read")
    @me.response(200, MeSchema)
    def get(self) -> Any:
        """Return who you are, your municipality and what your role allows."""
        actor = base.actor()
        org = overview.actor_organization(base.session(), actor)
        return {"id": actor.user_id, "email": actor.name, "name": current_user.name,
                "role": actor.role, "organization_id": org.id, "organization_name": org.name,
                "permissions": sorted(p for p in PERMISSIONS if actor.can(p))}


@users.route("")
class UserList(MethodView):
    @require("users.manage")
    @users.response(200, UserSchema(many=True))
    @users.paginate(page_size=base.PAGE_SIZE, max_page_size=base.MAX_PAGE_SIZE)
    def get(self, pagination_parameters: Any) -> Any:
        """List the accounts of your municipality."""
        page = admin.users_page(base.session(), base.actor(),
                                **base.page_window(pagination_parameters))
        return base.page_items(pagination_parameters, page)

    @require("users.manage")
    @users.arguments(UserCreateSchema)
    @users.response(201, UserSchema)
    def post(self, body: dict[str, Any]) -> Any:
        """Create an account in your municipality."""
        user = admin.create_account(base.session(), base.actor(), **body)
        base.commit()
        return user


@users.route("/<id:user_id>")
class UserItem(MethodView):
    @require("users.manage")
    @users.arguments(UserPatchSchema)
    @users.response(200, UserSchema)
    def patch(self, changes: dict[str, Any], user_id: int) -> Any:
        """Change an account's role, or deactivate (reactivate) it; never your own."""
        user = admin.update_account(base.session(), base.actor(), user_id, **changes)
        base.commit()
        return user


@users.route("/<id:user_id>/tokens")
class TokenList(MethodView):
    @require("users.manage")
    @users.response(200, TokenSchema(many=True))
    def get(self, user_id: int) -> Any:
        """List an account's API tokens (never their values)."""
        return admin.account_tokens(base.session(), base.actor(), user_id)

    @require("users.manage")
    @users.arguments(TokenCreateSchema)
    @users.response(201, IssuedTokenSchema)
    def post(self, body: dict[str, Any], user_id: int) -> Any:
        """Issue an API token for an account; its value is shown only in this answer."""
        issued = admin.issue_account_token(base.session(), base.actor(), user_id, body["name"])
        base.commit()
        return issued


@users.route("/<id:user_id>/tokens/<id:token_id>")
class TokenItem(MethodView):
    @require("users.manage")
    @users.response(204)
    def delete(self, user_id: int, token_id: int) -> Any:
        """Revoke an API token."""
        admin.revoke_account_token(base.session(), base.actor(), user_id, token_id)
        base.commit()


@profiles.route("")
class ProfileList(MethodView):
    @require("read")
    @profiles.response(200, RegulatoryProfileSchema(many=True))
    def get(self) -> Any:
        """List the regulatory profiles."""
        return admin.profiles(base.session(), base.actor())


@profiles.route("/<string:code>")
class ProfileItem(MethodView):
    @require("read")
    @profiles.response(200, RegulatoryProfileSchema)
    def get(self, code: str) -> Any:
        """Return one regulatory profile."""
        return admin.profile(base.session(), base.actor(), code)

    @require("profile.edit")
    @profiles.arguments(RegulatoryProfilePatchSchema)
    @profiles.response(200, RegulatoryProfileSchema)
    def patch(self, changes: dict[str, Any], code: str) -> Any:
        """Change a profile's thresholds, dates or source (administrators)."""
        found = admin.update_profile(base.session(), base.actor(), code, changes)
        base.commit()
        return found
