from django.contrib import admin

from kam.customers.models import (
    Customer,
    CustomerChange,
    Industry,
    PoolReturnRequest,
    PoolRule,
    PoolSettings,
    Region,
)
from kam.customers.scoring import tasks as rescores
from kam.opportunities.models import Opportunity


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "short_name",
        "parent",
        "owner",
        "industry",
        "region",
        "status",
        "tier",
        "segment",
    )
    list_filter = ("status", "tier", "segment", "industry", "region")
    search_fields = ("name", "short_name")
    autocomplete_fields = ("parent", "owner")
    # Tier, segment and score are written by the scoring (an override goes through the score section,
    # with a reason kept in history); editing them here would bypass both.
    readonly_fields = (
        "version",
        "score",
        "computed_tier",
        "tier",
        "tier_override",
        "segment",
    )

    def has_delete_permission(self, request, obj=None):
        # A customer with history is kept: set its status (dormant, lost) instead of deleting it.
        return False

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "name" in form.changed_data:
            # The deals keep their customer's name for the pipeline's customer sort.
            Opportunity.objects.filter(customer=obj).update(customer_name=obj.name)
        # Category purchases feed the score: recompute it, as an edit in the workspace does.
        rescores.request_rescore([obj.pk])


@admin.register(CustomerChange)
class CustomerChangeAdmin(admin.ModelAdmin):
    list_display = ("customer", "summary", "changed_by", "changed_at")
    readonly_fields = ("customer", "summary", "summary_en", "changed_by", "changed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# The public pool's rules and settings are data an administrator edits (kam.customers.pool).
@admin.register(PoolRule)
class PoolRuleAdmin(admin.ModelAdmin):
    list_display = ("tier", "segment", "days", "warning_days", "needs_approval", "active")
    list_editable = ("days", "warning_days", "needs_approval", "active")
    list_display_links = ("tier", "segment")


@admin.register(PoolSettings)
class PoolSettingsAdmin(admin.ModelAdmin):
    list_display = ("claim_limit", "claim_window_days")

    def has_add_permission(self, request):
        return not PoolSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PoolReturnRequest)
class PoolReturnRequestAdmin(admin.ModelAdmin):
    # Decided on the pool page, where the decision is checked and written to the customer's history.
    list_display = ("customer", "owner", "status", "idle_days", "requested_at", "decided_by", "decided_at")
    list_filter = ("status",)
    readonly_fields = (
        "customer",
        "owner",
        "status",
        "idle_days",
        "requested_at",
        "decided_by",
        "decided_at",
        "note",
    )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Industry, Region)
class ChoiceRowAdmin(admin.ModelAdmin):
    """The industries and regions the customer form offers, named in both languages. A customer
    keeps the Chinese name: rename a row only together with its customers (or add a new row)."""

    list_display = ("name", "name_en", "order", "is_active")
    list_editable = ("name_en", "order", "is_active")
    search_fields = ("name", "name_en")
