from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from kam.org.models import ApiToken, Target, Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "name", "email", "role", "team", "is_active", "is_staff")
    list_filter = ("role", "team", "is_active", "is_staff")
    search_fields = ("username", "name", "email")
    ordering = ("username",)
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("name", "email")}),
        (_("Sales organisation"), {"fields": ("role", "team")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "name", "email", "role", "team", "password1", "password2"),
            },
        ),
    )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "parent", "manager")
    search_fields = ("name",)
    autocomplete_fields = ("parent", "manager")


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "user__username")

    def has_add_permission(self, request):
        # Tokens are issued with `kam issue_token`, which shows the raw value once.
        return False


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ("user", "team", "period_start", "period_end", "amount", "set_by")
    list_filter = ("team",)
    autocomplete_fields = ("user", "team")
