"""Strategy checklists (DOMAIN.md §8): sections of questions as data an administrator edits, each
question optionally tied to the stages where it applies, answered per deal yes / partly / no.

The completeness of a section is its points over the questions that apply to the deal's stage:
yes 1, partly ½, no or unanswered 0. The points are kept in halves (2 / 1 / 0) so every sum in SQL
is an integer; kam.insights' weak-checklist rule computes them over these tables."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, IntegerField, Q, Value, When
from django.utils.translation import gettext_lazy as _

from kam.core.bilingual import in_english
from kam.opportunities.models import Opportunity, Stage

QUESTION_MAX = 300


class ChecklistSection(models.Model):
    """A group of questions: customer, competition, product, commercial, service strategy, contingency plans."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("checklist section")
        verbose_name_plural = _("checklist sections")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name_en if self.name_en and in_english() else self.name


class QuestionQuerySet(models.QuerySet):
    def in_use(self) -> QuestionQuerySet:
        return self.filter(is_active=True, section__is_active=True)

    def applicable(self, stage: Any) -> QuestionQuerySet:
        """The questions in use at `stage` (a Stage, its id or an OuterRef to one): those tied to
        no stage and those tied to it. A question tied to several stages matches one row at most."""
        return self.in_use().filter(Q(stages__isnull=True) | Q(stages=stage))


class ChecklistQuestion(models.Model):
    section = models.ForeignKey(
        ChecklistSection, on_delete=models.PROTECT, related_name="questions", verbose_name=_("section")
    )
    text = models.CharField(_("question"), max_length=QUESTION_MAX)
    text_en = models.CharField(_("English question"), max_length=QUESTION_MAX, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    stages = models.ManyToManyField(
        Stage,
        blank=True,
        related_name="+",
        verbose_name=_("stages"),
        help_text=_("Where the question applies; none: at every stage."),
    )

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["section__order", "order", "id"]
        verbose_name = _("checklist question")
        verbose_name_plural = _("checklist questions")

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        return self.text_en if self.text_en and in_english() else self.text


class AnswerValue(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


# Points in halves: yes is a whole point, partly half of one.
HALF_POINTS = {AnswerValue.YES: 2, AnswerValue.PARTLY: 1, AnswerValue.NO: 0}


def half_points() -> Case:
    """An answer's points in halves, in SQL."""
    return Case(
        *(When(value=value, then=Value(points)) for value, points in HALF_POINTS.items()),
        default=Value(0),
        output_field=IntegerField(),
    )


class ChecklistAnswer(models.Model):
    """One deal's answer to one question, with a note."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="checklist_answers", verbose_name=_("opportunity")
    )
    question = models.ForeignKey(
        ChecklistQuestion, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    value = models.CharField(_("answer"), max_length=10, choices=AnswerValue.choices)
    note = models.TextField(_("note"), blank=True, default="")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    answered_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["opportunity", "question"], name="checklist_answer_once_per_deal")
        ]
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")

    def __str__(self) -> str:
        return f"{self.question_id}: {self.value}"

    @property
    def half_points(self) -> int:
        return HALF_POINTS.get(AnswerValue(self.value), 0) if self.value in AnswerValue.values else 0


class ChecklistChange(models.Model):
    """Append-only history of a deal's answers: answered, changed, cleared."""

    class Action(models.TextChoices):
        ANSWERED = "answered", _("Answered")
        CHANGED = "changed", _("Changed")
        CLEARED = "cleared", _("Cleared")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    question = models.ForeignKey(ChecklistQuestion, null=True, on_delete=models.SET_NULL, related_name="+")
    question_label = models.CharField(max_length=QUESTION_MAX, blank=True, default="")
    action = models.CharField(max_length=10, choices=Action.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    # {"value": [before, after], "note": [before, after]}: only what changed.
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["opportunity", "-changed_at"], name="checklist_change_opp_at")]
        verbose_name = _("checklist change")
        verbose_name_plural = _("checklist changes")

    def __str__(self) -> str:
        return f"{self.action} {self.question_label}"
