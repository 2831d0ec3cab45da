"""Skills and training (DOMAIN.md §12): the ability × attitude matrix with a treatment per cell,
skills with their importance, each person's level per skill, and training plans.

A placement and a level are history: each setting is a new row with its date, who set it and when;
`current` marks the newest one per person (per person and skill for levels), kept by the services
so the pages read the present state without scanning the history.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.core.bilingual import in_english

LEVEL_MIN = 1
LEVEL_MAX = 5
NOTE_MAX = 300
ACTION_MAX = 300
ADVICE_MAX = 300


class Ability(models.TextChoices):
    ABLE = "able", _("Able")
    CAN_LEARN = "can_learn", _("Can learn")
    CANNOT = "cannot", _("Cannot")


class Attitude(models.TextChoices):
    WILLING = "willing", _("Willing")
    UNWILLING = "unwilling", _("Unwilling")


def _level_validators() -> list:
    return [MinValueValidator(LEVEL_MIN), MaxValueValidator(LEVEL_MAX)]


class Treatment(models.Model):
    """The suggested treatment of one cell of the matrix: data an administrator edits."""

    ability = models.CharField(_("ability"), max_length=10, choices=Ability.choices)
    attitude = models.CharField(_("attitude"), max_length=10, choices=Attitude.choices)
    advice = models.CharField(_("treatment"), max_length=ADVICE_MAX)
    advice_en = models.CharField(_("treatment (English)"), max_length=ADVICE_MAX, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("treatment")
        verbose_name_plural = _("treatments")
        ordering = ["attitude", "ability"]
        constraints = [
            models.UniqueConstraint(fields=["ability", "attitude"], name="skills_treatment_one_per_cell"),
        ]

    def __str__(self) -> str:
        return self.display_advice

    @property
    def display_advice(self) -> str:
        if self.advice_en and in_english():
            return self.advice_en
        return self.advice


class Placement(models.Model):
    """A person put in a cell of the ability × attitude matrix by their manager, on a date."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    ability = models.CharField(_("ability"), max_length=10, choices=Ability.choices)
    attitude = models.CharField(_("attitude"), max_length=10, choices=Attitude.choices)
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=NOTE_MAX, blank=True)
    current = models.BooleanField(default=False, editable=False)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    set_at = models.DateTimeField(_("set at"), auto_now_add=True)

    class Meta:
        verbose_name = _("matrix placement")
        verbose_name_plural = _("matrix placements")
        ordering = ["person", "-on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(current=True), name="skills_one_current_placement"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.ability}/{self.attitude} {self.on}"


class Skill(models.Model):
    """A skill a key account manager needs, with its importance (1–5): data an administrator edits."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    importance = models.PositiveSmallIntegerField(_("importance"), validators=_level_validators())
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("in use"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        ordering = ["order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(importance__gte=LEVEL_MIN, importance__lte=LEVEL_MAX),
                name="skills_importance_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_en and in_english():
            return self.name_en
        return self.name


class SkillLevel(models.Model):
    """A person's level (1–5) in one skill as their manager judged it on a date."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    skill = models.ForeignKey(Skill, verbose_name=_("skill"), on_delete=models.CASCADE, related_name="levels")
    level = models.PositiveSmallIntegerField(_("level"), validators=_level_validators())
    on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=NOTE_MAX, blank=True)
    current = models.BooleanField(default=False, editable=False)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    set_at = models.DateTimeField(_("set at"), auto_now_add=True)

    class Meta:
        verbose_name = _("skill level")
        verbose_name_plural = _("skill levels")
        ordering = ["person", "skill", "-on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "skill"], condition=Q(current=True), name="skills_one_current_level"
            ),
            models.CheckConstraint(
                condition=Q(level__gte=LEVEL_MIN, level__lte=LEVEL_MAX), name="skills_level_1_to_5"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} {self.skill_id}={self.level} {self.on}"


class TrainingStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class TrainingItem(models.Model):
    """One line of a person's training plan: what to do about a skill, by when."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.CASCADE, related_name="+"
    )
    skill = models.ForeignKey(
        Skill, verbose_name=_("skill"), on_delete=models.PROTECT, related_name="training_items"
    )
    action = models.CharField(_("action"), max_length=ACTION_MAX)
    due = models.DateField(_("due"))
    status = models.CharField(
        _("status"), max_length=5, choices=TrainingStatus.choices, default=TrainingStatus.OPEN
    )
    done_on = models.DateField(_("done on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("training item")
        verbose_name_plural = _("training items")
        ordering = ["person", "status", "due", "id"]
        indexes = [models.Index(fields=["person", "status", "due"], name="skills_training_plan_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", done_on__isnull=True) | Q(status="done", done_on__isnull=False),
                name="skills_training_done_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.action}"
