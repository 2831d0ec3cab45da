"""The review cadence by segment and the planning cycle's timetable are data an administrator
edits; plans are read here only (they change through the services, which keep their history,
revisions and approval)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from kam.planning.accountplans.models import (
    AccountPlan,
    PlanChange,
    PlanMember,
    PlanningCycle,
    PlanRevision,
    ReviewCadence,
)


@admin.register(ReviewCadence)
class ReviewCadenceAdmin(admin.ModelAdmin):
    list_display = ("segment", "interval_months", "collective", "collective_month", "remind_days_before")


@admin.register(PlanningCycle)
class PlanningCycleAdmin(admin.ModelAdmin):
    list_display = (
        "year",
        "preparation_starts",
        "drafting_starts",
        "drafting_ends",
        "review_by",
        "implementation_starts",
    )
    exclude = ("updated_by",)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class PlanMemberInline(ReadOnlyInline):
    model = PlanMember
    fields = ("user", "role", "responsibility", "time_share")


class PlanRevisionInline(ReadOnlyInline):
    model = PlanRevision
    fields = ("number", "reason", "created_by", "created_at")
    readonly_fields = fields


class PlanChangeInline(ReadOnlyInline):
    model = PlanChange
    fields = ("changed_at", "action", "changed_by", "summary")
    readonly_fields = fields


@admin.register(AccountPlan)
class AccountPlanAdmin(admin.ModelAdmin):
    list_display = ("customer", "year", "owner", "status", "next_review_due")
    list_filter = ("status", "year", "customer__segment")
    search_fields = ("customer__name",)
    list_select_related = ("customer", "owner")
    inlines = [PlanMemberInline, PlanRevisionInline, PlanChangeInline]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
