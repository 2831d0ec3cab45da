"""Fishbone (鱼骨图): the causes that decide a deal, each on one bone, with an owner and an action
(DOMAIN.md §8). The win/loss review links its findings to these causes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.opportunities.models import Opportunity

TEXT_MAX = 200
ACTION_MAX = 500


class Bone(models.TextChoices):
    """The bones, in the order the diagram draws them (top row first, from the head backwards)."""

    RELATIONSHIP = "relationship", _("Customer relationship")
    COMPETITOR = "competitor", _("Competitor")
    SOLUTION = "solution", _("Solution")
    COMMERCIAL = "commercial", _("Commercial")
    SERVICE = "service", _("Service")
    RESOURCES = "resources", _("Internal resources")


class CauseStatus(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")


class FishboneCause(models.Model):
    """One cause on one bone of a deal's fishbone: what decides the deal, who acts on it, by when."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="fishbone_causes", verbose_name=_("opportunity")
    )
    bone = models.CharField(_("bone"), max_length=20, choices=Bone.choices)
    text = models.CharField(_("cause"), max_length=TEXT_MAX)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("owner"),
    )
    action = models.CharField(_("action"), max_length=ACTION_MAX, blank=True, default="")
    due_date = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=CauseStatus.choices, default=CauseStatus.OPEN
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["opportunity", "bone", "id"]
        indexes = [models.Index(fields=["opportunity", "status"], name="fishbone_cause_opp_status")]
        verbose_name = _("fishbone cause")
        verbose_name_plural = _("fishbone causes")

    def __str__(self) -> str:
        return self.text


class FishboneChange(models.Model):
    """Append-only history of a deal's causes: created, edited, deleted (it outlives the cause)."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        DELETED = "deleted", _("Deleted")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    cause = models.ForeignKey(
        FishboneCause, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    cause_label = models.CharField(max_length=TEXT_MAX, blank=True, default="")
    action = models.CharField(max_length=10, choices=Action.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    # {field: [before, after]} for edits; the whole cause for a creation or a deletion.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["opportunity", "-changed_at"], name="fishbone_change_opp_at")]
        verbose_name = _("fishbone change")
        verbose_name_plural = _("fishbone changes")

    def __str__(self) -> str:
        return f"{self.action} {self.cause_label}"
