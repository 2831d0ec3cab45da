"""Rating schemes are data an administrator edits: levels with their incentives, criteria with
their thresholds, and who is in which role family. Evaluations change only through the services
(review, adjustment with a reason, publication), so they are not edited here."""

from __future__ import annotations

from django.contrib import admin

from kam.team.stars.models import Criterion, FamilyMember, Level, Scheme, Threshold


class LevelInline(admin.TabularInline):
    model = Level
    extra = 0
    max_num = 5


class CriterionInline(admin.TabularInline):
    model = Criterion
    extra = 0
    show_change_link = True


class ThresholdInline(admin.TabularInline):
    model = Threshold
    extra = 0
    max_num = 5


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "family", "period", "rule", "active")
    list_filter = ("family", "active")
    inlines = [LevelInline, CriterionInline]


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin):
    list_display = ("scheme", "metric", "weight", "order")
    list_filter = ("scheme",)
    inlines = [ThresholdInline]


@admin.register(FamilyMember)
class FamilyMemberAdmin(admin.ModelAdmin):
    list_display = ("user", "family", "assigned_by", "assigned_at")
    list_filter = ("family",)
    raw_id_fields = ("user",)
    readonly_fields = ("assigned_by",)
