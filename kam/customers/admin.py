from django.contrib import admin

from .models import Customer, CustomerChange


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
    readonly_fields = ("version",)


@admin.register(CustomerChange)
class CustomerChangeAdmin(admin.ModelAdmin):
    list_display = ("customer", "summary", "changed_by", "changed_at")
    readonly_fields = ("customer", "summary", "changed_by", "changed_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
