"""The bid policy (the company's minimum margin) and the items every new bid starts with are data an
administrator edits here; bids themselves change through the services, which keep their history."""

from __future__ import annotations

from django.contrib import admin

from kam.planning.bids.models import BidPolicy, BidTemplateItem


@admin.register(BidPolicy)
class BidPolicyAdmin(admin.ModelAdmin):
    list_display = ("minimum_margin", "is_active", "note", "updated_at")
    list_filter = ("is_active",)


@admin.register(BidTemplateItem)
class BidTemplateItemAdmin(admin.ModelAdmin):
    list_display = ("kind", "order", "text", "text_en", "is_active")
    list_filter = ("kind", "is_active")
    list_editable = ("order", "is_active")
