"""The delivery app's data an administrator edits (hand-over checklist, service kinds and SLA
targets, survey questions, the churn curve); contracts are read here only: they change through
the services, which keep their numbers, approval and history."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from kam.delivery.models import (
    ChurnBand,
    Contract,
    ContractAmendment,
    ContractAttachment,
    HandoverItem,
    ServiceKind,
    SlaTarget,
    SurveyQuestion,
)


@admin.register(HandoverItem)
class HandoverItemAdmin(admin.ModelAdmin):
    list_display = ("text", "text_en", "order", "is_active")
    list_editable = ("order", "is_active")


@admin.register(ServiceKind)
class ServiceKindAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "order", "is_active")
    list_editable = ("order", "is_active")


@admin.register(SlaTarget)
class SlaTargetAdmin(admin.ModelAdmin):
    list_display = ("tier", "priority", "response_hours", "resolution_hours", "warn_percent")
    list_filter = ("tier", "priority")


@admin.register(SurveyQuestion)
class SurveyQuestionAdmin(admin.ModelAdmin):
    list_display = ("text", "text_en", "order", "is_active")
    list_editable = ("order", "is_active")


@admin.register(ChurnBand)
class ChurnBandAdmin(admin.ModelAdmin):
    list_display = ("level", "name", "name_en", "churn_percent", "nps_from", "nps_to")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class AmendmentInline(ReadOnlyInline):
    model = ContractAmendment
    fields = ("signed_on", "amount_change", "reason", "created_by", "created_at")
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = ContractAttachment
    # The file's path is left out: files are downloaded through the contract page, which checks
    # who may see the contract.
    fields = ("name", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields


@admin.register(Contract)
class ContractAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "customer", "owner", "status", "amount", "sign_date")
    list_filter = ("status",)
    search_fields = ("number", "title", "customer__name")
    list_select_related = ("customer", "owner")
    inlines = (AmendmentInline, AttachmentInline)

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False
