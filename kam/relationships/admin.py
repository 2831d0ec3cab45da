from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from kam.core.web import current_user
from kam.relationships.erasure import services as erasure
from kam.relationships.models import (
    Contact,
    Influence,
    Relationship,
    RelationshipChange,
    RelationshipPolicy,
    RelationshipRequirement,
)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("name", "customer", "title", "department", "rank", "influence", "reports_to")
    list_filter = ("rank",)
    search_fields = ("name", "title", "department", "customer__name")
    autocomplete_fields = ("customer", "reports_to")
    readonly_fields = ("version",)
    actions = ["erase_personal_data"]

    @admin.action(description=_("Erase personal data on request (cannot be undone)"))
    def erase_personal_data(self, request, queryset):
        try:
            with transaction.atomic():
                erased = [erasure.erase_contact(contact, by=current_user(request)) for contact in queryset]
        except PermissionDenied as refusal:
            self.message_user(request, str(refusal), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext("%(count)d contact erased.", "%(count)d contacts erased.", len(erased))
            % {"count": len(erased)},
            messages.SUCCESS,
        )


@admin.register(Relationship)
class RelationshipAdmin(admin.ModelAdmin):
    """Read-only: levels change through the service so that history is always written."""

    list_display = ("contact", "user", "level", "updated_at")
    list_filter = ("level",)
    search_fields = ("contact__name", "user__username")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RelationshipChange)
class RelationshipChangeAdmin(admin.ModelAdmin):
    list_display = ("contact", "user", "from_level", "to_level", "changed_by", "changed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Influence)
class InfluenceAdmin(admin.ModelAdmin):
    list_display = ("source", "target", "note")
    autocomplete_fields = ("source", "target")


@admin.register(RelationshipRequirement)
class RelationshipRequirementAdmin(admin.ModelAdmin):
    """The relationship score's rules: administrators tune them here."""

    list_display = ("from_stage", "decision_role", "min_level", "no_opposition", "min_contacts", "active")
    list_filter = ("from_stage__process", "active", "decision_role")
    list_editable = ("min_level", "no_opposition", "min_contacts", "active")
    list_select_related = ("from_stage", "from_stage__process")


@admin.register(RelationshipPolicy)
class RelationshipPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "key_min_influence", "top_rank_min_level", "power_min_influence")

    def has_add_permission(self, request):
        return not RelationshipPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
