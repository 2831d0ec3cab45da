"""The checklist templates as data: sections and their questions, edited by an administrator."""

from __future__ import annotations

from django.contrib import admin

from kam.planning.checklists.models import ChecklistQuestion, ChecklistSection


class QuestionInline(admin.TabularInline):
    model = ChecklistQuestion
    fields = ("order", "text", "text_en", "is_active")
    extra = 0
    show_change_link = True


@admin.register(ChecklistSection)
class ChecklistSectionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "order", "is_active")
    list_editable = ("order", "is_active")
    inlines = [QuestionInline]


@admin.register(ChecklistQuestion)
class ChecklistQuestionAdmin(admin.ModelAdmin):
    list_display = ("text", "text_en", "section", "order", "is_active")
    list_filter = ("section", "is_active")
    search_fields = ("text", "text_en")
    filter_horizontal = ("stages",)
    list_select_related = ("section",)
