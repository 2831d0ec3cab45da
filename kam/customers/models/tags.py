"""Tags: static ones attached by hand, dynamic ones defined by a saved filter."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.bilingual import in_english
from kam.customers.models.customer import Customer


class TagKind(models.TextChoices):
    STATIC = "static", _("Static (set by hand)")
    DYNAMIC = "dynamic", _("Dynamic (saved filter)")


class Tag(models.Model):
    """A label on customers. Static tags are attached by hand; a dynamic tag's members are the
    customers its saved filter (`rule`) matches, computed at read time and never stored."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    # Shown instead of `name` to a reader working in English (kam.core.bilingual).
    name_en = models.CharField(_("English name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=TagKind.choices, default=TagKind.STATIC)
    color = models.CharField(_("colour"), max_length=7, default="#5470c6")
    description = models.CharField(_("description"), max_length=300, blank=True)
    rule = models.JSONField(_("filter"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_en and in_english():
            return self.name_en
        return self.name


class CustomerTag(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="customer_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="customer_tags")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        constraints = [models.UniqueConstraint(fields=["customer", "tag"], name="tag_once_per_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.tag_id}"
