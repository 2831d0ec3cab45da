"""People over JSON: the caller, and the users whose work the caller may see (for owner filters)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from kam.core.web import current_user
from kam.org.models import User
from kam.org.schemas import MeOut, MePatchIn, UserOut
from kam.org.services import set_money_unit
from kam.org.visibility import visible_users

router = Router(tags=["people"])


@router.get("/me", response=MeOut, summary="The authenticated user")
def me(request: HttpRequest) -> dict[str, Any]:
    return _me(current_user(request))


@router.patch("/me", response=MeOut, summary="Change your own display preferences")
def update_me(request: HttpRequest, payload: MePatchIn) -> dict[str, Any]:
    user = current_user(request)
    set_money_unit(user, payload.money_unit)
    return _me(user)


def _me(user: User) -> dict[str, Any]:
    return {**UserOut.from_user(user), "sees_everything": user.sees_everything, "money_unit": user.money_unit}


@router.get("/users", response=list[UserOut], summary="Users whose work you can see")
def users(request: HttpRequest) -> list[dict[str, Any]]:
    people = visible_users(current_user(request)).select_related("team").order_by("username")
    return [UserOut.from_user(u) for u in people]
