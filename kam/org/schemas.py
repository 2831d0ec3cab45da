"""API shapes for people: who am I, and whose work can I see."""

from __future__ import annotations

from typing import Any, Literal

from ninja import Field, Schema

from kam.core.api.helpers import Ref
from kam.org.models import User


class UserOut(Schema):
    id: int
    username: str
    name: str = Field(..., description="Display name (the username if no name is set).")
    role: str = Field(..., description="rep, manager, director or admin.")
    team: Ref | None = None

    @staticmethod
    def from_user(user: User) -> dict[str, Any]:
        team = {"id": user.team.pk, "name": user.team.name} if user.team else None
        return {
            "id": user.pk,
            "username": user.username,
            "name": user.name or user.username,
            "role": user.role,
            "team": team,
        }


MoneyUnitChoice = Literal["", "yuan", "wan"]


class MeOut(UserOut):
    sees_everything: bool = Field(..., description="Director or admin: every record is visible.")
    money_unit: MoneyUnitChoice = Field(
        ...,
        description="The unit amounts show in on pages: yuan, wan (万元), or blank for the language's default.",
    )


class MePatchIn(Schema):
    money_unit: MoneyUnitChoice = Field(
        ...,
        description="yuan, wan (万元), or blank for the language's default (万元 in Chinese, yuan in English).",
    )
