from django.contrib import admin

from kam.opportunities.models import (
    CloseReason,
    Competitor,
    ExitCriterion,
    Opportunity,
    SalesProcess,
    Stage,
    StageChange,
)


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = (
        "order",
        "code",
        "name",
        "name_en",
        "probability",
        "key_node",
        "key_node_en",
        "requires_exact_amount",
        "requires_exact_date",
        "blocks_on_open_criteria",
        "is_won",
        "is_lost",
    )


@admin.register(SalesProcess)
class SalesProcessAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "is_default")
    inlines = [StageInline]


class ExitCriterionInline(admin.TabularInline):
    model = ExitCriterion
    extra = 1


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "process", "order", "probability", "key_node")
    list_filter = ("process",)
    inlines = [ExitCriterionInline]


@admin.register(Competitor)
class CompetitorAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(CloseReason)
class CloseReasonAdmin(admin.ModelAdmin):
    """The lists a close picks its reason from, per outcome. A reason in use is retired (unticked
    "active"), not deleted: closed deals keep pointing at it."""

    list_display = ("outcome", "order", "code", "name", "name_en", "needs_competitor", "is_active")
    list_display_links = ("code",)
    list_editable = ("order", "name", "name_en", "needs_competitor", "is_active")
    list_filter = ("outcome", "is_active")
    search_fields = ("code", "name", "name_en")


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    """Read-mostly: stage, status and amounts change through the workspace so history is kept."""

    list_display = ("project_number", "name", "customer", "owner", "stage", "status", "amount", "sign_date")
    list_filter = ("status", "stage__process", "stage")
    search_fields = ("project_number", "name", "customer__name")
    list_select_related = ("customer", "owner", "stage")
    readonly_fields = [f.name for f in Opportunity._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # An opportunity with history is kept: close it as lost or dropped instead of deleting it.
        return False


@admin.register(StageChange)
class StageChangeAdmin(admin.ModelAdmin):
    list_display = ("opportunity", "from_stage", "to_stage", "changed_by", "changed_at")
    list_select_related = ("opportunity", "from_stage", "to_stage", "changed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
