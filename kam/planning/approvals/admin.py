"""Approval flows and their steps are data an administrator edits; requests and decisions are read
here only (they change through the services, which keep their rules and history)."""

from __future__ import annotations

from django.contrib import admin

from kam.planning.approvals.models import ApprovalDecision, ApprovalFlow, ApprovalRequest, ApprovalStep


class ApprovalStepInline(admin.TabularInline):
    model = ApprovalStep
    extra = 0
    fields = ("order", "name", "name_en", "approver_kind", "role", "manager_levels", "people", "mode")
    filter_horizontal = ("people",)


@admin.register(ApprovalFlow)
class ApprovalFlowAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "is_active")
    list_filter = ("is_active",)
    inlines = [ApprovalStepInline]


class ApprovalDecisionInline(admin.TabularInline):
    model = ApprovalDecision
    extra = 0
    can_delete = False
    fields = ("step", "approver", "approve", "comment", "at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApprovalRequest)
class ApprovalRequestAdmin(admin.ModelAdmin):
    list_display = ("title", "flow", "status", "requested_by", "submitted_at", "decided_at")
    list_filter = ("flow", "status")
    search_fields = ("title",)
    readonly_fields = (
        "flow",
        "target_type",
        "target_id",
        "title",
        "requested_by",
        "subject_owner",
        "status",
        "current_step",
        "submitted_at",
        "decided_at",
    )
    inlines = [ApprovalDecisionInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
