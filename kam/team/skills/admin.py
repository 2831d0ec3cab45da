from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kam.team.skills.models import Skill, Treatment


class VersionedAdmin(admin.ModelAdmin):
    """An edit here moves the version on, so an API client holding the old ETag gets a 412."""

    readonly_fields = ("version",)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            obj.version += 1
        super().save_model(request, obj, form, change)


@admin.register(Skill)
class SkillAdmin(VersionedAdmin):
    list_display = ("name", "name_en", "code", "importance", "order", "active")
    list_editable = ("importance", "order", "active")
    list_filter = ("active", "importance")
    search_fields = ("name", "name_en", "code")


@admin.register(Treatment)
class TreatmentAdmin(VersionedAdmin):
    list_display = ("ability", "attitude", "advice", "advice_en")
    list_filter = ("attitude",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Six cells, seeded: a seventh has no place in the matrix.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
