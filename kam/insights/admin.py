from django.contrib import admin

from kam.insights.models import HealthRule, PortfolioPolicy, Snapshot


@admin.register(HealthRule)
class HealthRuleAdmin(admin.ModelAdmin):
    """Administrators switch rules, set their severity and edit their thresholds here."""

    list_display = ("code", "name", "severity", "active", "thresholds")
    list_editable = ("severity", "active")
    readonly_fields = ("code",)

    def has_add_permission(self, request):
        # A rule's check is code registered under its code: rows come with the code, by migration.
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PortfolioPolicy)
class PortfolioPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "early_max_order", "late_min_order", "min_share", "min_open")

    def has_add_permission(self, request):
        return not PortfolioPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    list_display = ("taken_at", "taken_by", "note")
    readonly_fields = ("taken_at", "taken_by")
