"""People over JSON: the caller, and the users whose work the caller may see (for owner filters)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router

from kam.core.web import current_user
from kam.org.schemas import MeOut, UserOut
from kam.org.visibility import visible_users

router = Router(tags=["people"])


@router.get("/me", response=MeOut, summary="The authenticated user")
def me(request: HttpRequest) -> dict[str, Any]:
    user = current_user(request)
    return {**UserOut.from_user(user), "sees_everything": user.sees_everything}


@router.get("/users", response=list[UserOut], summary="Users whose work you can see")
def users(request: HttpRequest) -> list[dict[str, Any]]:
    people = visible_users(current_user(request)).select_related("team").order_by("username")
    return [UserOut.from_user(u) for u in people]
