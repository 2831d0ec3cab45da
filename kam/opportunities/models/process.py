"""Sales processes as data: stages with their probability, key node and exit criteria."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.core.bilingual import in_english


class SalesProcess(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    is_default = models.BooleanField(_("default"), default=False)

    class Meta:
        verbose_name = _("sales process")
        verbose_name_plural = _("sales processes")
        ordering = ["-is_default", "name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The name in the reader's language (kam.core.bilingual)."""
        if self.name_en and in_english():
            return self.name_en
        return self.name


class Stage(models.Model):
    """One stage of a sales process. Its rules (probability, gate, four-element strictness) are data."""

    process = models.ForeignKey(
        SalesProcess, verbose_name=_("sales process"), on_delete=models.CASCADE, related_name="stages"
    )
    order = models.PositiveSmallIntegerField(_("order"))
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    probability = models.PositiveSmallIntegerField(
        _("win probability (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    key_node = models.CharField(_("key node"), max_length=100)
    key_node_en = models.CharField(_("key node (English)"), max_length=100, blank=True)
    requires_exact_amount = models.BooleanField(
        _("requires a single amount"),
        default=False,
        help_text=_("From this stage on an amount range is not enough."),
    )
    requires_exact_date = models.BooleanField(
        _("requires a day-precision sign date"),
        default=False,
        help_text=_("From this stage on a month or quarter is not enough."),
    )
    blocks_on_open_criteria = models.BooleanField(
        _("blocks on open exit criteria"),
        default=False,
        help_text=_("Refuse to leave this stage forward while exit criteria are open (otherwise only warn)."),
    )
    requires_initiation = models.BooleanField(
        _("requires an approved initiation"),
        default=False,
        help_text=_("An opportunity enters this stage only with its initiation report (立项) approved."),
    )
    forecast_category = models.CharField(
        _("default forecast category"),
        max_length=12,
        choices=[
            ("commit", _("Commit")),
            ("best_case", _("Best case")),
            ("pipeline", pgettext_lazy("forecast category", "Pipeline")),
        ],
        default="pipeline",
        help_text=_("What an opportunity in this stage counts as unless its owner says otherwise."),
    )
    is_won = models.BooleanField(_("won stage"), default=False)
    is_lost = models.BooleanField(_("lost stage"), default=False)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["process_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["process", "order"], name="stage_process_order_unique"),
            models.UniqueConstraint(fields=["process", "code"], name="stage_process_code_unique"),
            # The same rule led by the order: the pipeline's stage sort walks the stages by (order,
            # process), one stage at a time, into each stage's deals in id order (no sort).
            models.UniqueConstraint(fields=["order", "process"], name="stage_order_process_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.display_name}"

    @property
    def display_name(self) -> str:
        return self.name_en if self.name_en and in_english() else self.name

    @property
    def display_key_node(self) -> str:
        if self.key_node_en and in_english():
            return self.key_node_en
        return self.key_node


class ExitCriterion(models.Model):
    """A checklist item of work a stage requires before it is left."""

    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="exit_criteria"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("text"), max_length=200)
    text_en = models.CharField(_("English text"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("exit criterion")
        verbose_name_plural = _("exit criteria")
        ordering = ["stage_id", "order", "id"]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        if self.text_en and in_english():
            return self.text_en
        return self.text


class CloseOutcome(models.TextChoices):
    WON = "won", _("Won")
    LOST = "lost", _("Lost")
    DROPPED = "dropped", _("Dropped")


class CloseReason(models.Model):
    """A reason an opportunity closes, from a list per outcome that administrators keep."""

    outcome = models.CharField(_("outcome"), max_length=10, choices=CloseOutcome.choices)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    needs_competitor = models.BooleanField(
        _("names a competitor"), default=False, help_text=_("A loss for this reason names the competitor.")
    )

    class Meta:
        verbose_name = _("close reason")
        verbose_name_plural = _("close reasons")
        ordering = ["outcome", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["outcome", "code"], name="close_reason_outcome_code_unique")
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_en if self.name_en and in_english() else self.name
