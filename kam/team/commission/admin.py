from django.contrib import admin

from kam.team.commission.models import Band, CommissionPlan, Layer


class LayerInline(admin.TabularInline):
    model = Layer
    extra = 0


class BandInline(admin.TabularInline):
    model = Band
    extra = 0


@admin.register(CommissionPlan)
class CommissionPlanAdmin(admin.ModelAdmin):
    list_display = ("name", "role_family", "base", "band_kind", "cap", "floor", "is_active")
    filter_horizontal = ("people",)
    inlines = (LayerInline, BandInline)
