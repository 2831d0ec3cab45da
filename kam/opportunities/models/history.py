"""Append-only history of an opportunity: stage moves, field changes, exit criteria checked."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.opportunities.models.opportunity import Opportunity
from kam.opportunities.models.process import ExitCriterion, Stage


class StageChange(models.Model):
    """Append-only stage history: the source of time-in-stage, conversion and cycle length."""

    # History outlives its subject: no database constraint, the rows keep the opportunity's id.
    # No index of its own: stagechange_history_idx starts with it.
    opportunity = models.ForeignKey(
        Opportunity,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="stage_changes",
    )
    from_stage = models.ForeignKey(Stage, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    to_stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(db_index=True)
    note = models.TextField(blank=True)
    # The stage summary (阶段总结) written when a deal leaves a stage: what was achieved against
    # its key node and what carries over into the next one.
    achieved = models.TextField(_("achieved against the key node"), blank=True)
    carry_over = models.TextField(_("carries over"), blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["opportunity", "changed_at", "id"], name="stagechange_history_idx")]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")

    def __str__(self) -> str:
        return f"{self.from_stage_id} → {self.to_stage_id}"

    @property
    def is_backward(self) -> bool:
        return self.from_stage is not None and self.to_stage.order < self.from_stage.order


class OpportunityChange(models.Model):
    """Append-only history of edits to an opportunity (amount, sign date, close …)."""

    # History outlives its subject: the rows keep the opportunity's id and project number.
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.DO_NOTHING, db_constraint=False, related_name="changes"
    )
    subject_label = models.CharField(max_length=30, blank=True, default="")
    field = models.CharField(max_length=40)
    old_value = models.CharField(max_length=300, blank=True)
    new_value = models.CharField(max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(fields=["opportunity", "field"], name="opportunitychange_field_idx"),
            # A field's recent edits (the workbench's deals whose sign date slipped this week).
            models.Index(fields=["field", "changed_at"], name="opportunitychange_recent_idx"),
        ]
        verbose_name = _("opportunity change")
        verbose_name_plural = _("opportunity changes")

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding and not self.subject_label and self.opportunity_id is not None:
            self.subject_label = self.opportunity.project_number
        super().save(*args, **kwargs)

    def _model_field(self) -> Any:
        try:
            return Opportunity._meta.get_field(self.field)
        except FieldDoesNotExist:  # a row of a field that no longer exists keeps its raw name
            return None

    @property
    def label(self) -> str:
        """The field's name in the reader's language."""
        field = self._model_field()
        return str(getattr(field, "verbose_name", self.field)) if field is not None else self.field

    def _shown(self, value: str) -> str:
        # Choices are stored as their codes (the API's values); people read their labels.
        field = self._model_field()
        if field is not None and field.choices:
            return str(dict(field.flatchoices).get(value, value))
        return value

    @property
    def old_shown(self) -> str:
        return self._shown(self.old_value)

    @property
    def new_shown(self) -> str:
        return self._shown(self.new_value)


class CriterionCheck(models.Model):
    """An exit criterion ticked off for one opportunity."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="criterion_checks")
    criterion = models.ForeignKey(ExitCriterion, on_delete=models.CASCADE, related_name="+")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    checked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "criterion"], name="criterion_check_unique")
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.criterion_id}"
