"""Contests (战役活动 / PK): people or teams compete on one metric over a period for a bonus table."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kam.core.money import MONEY_DIGITS


class Metric(models.TextChoices):
    WON_AMOUNT = "won_amount", _("Won amount")
    NEW_KEY_ACCOUNTS = "new_key_accounts", _("New key accounts")
    DECISION_MAKER_VISITS = "decision_maker_visits", _("Visits to decision makers")


class ParticipantKind(models.TextChoices):
    PEOPLE = "people", _("People")
    TEAMS = "teams", _("Teams")


class ContestState(models.TextChoices):
    UPCOMING = "upcoming", _("Upcoming")
    RUNNING = "running", _("Running")
    ENDED = "ended", _("Ended (awaiting results)")
    FINISHED = "finished", _("Finished")


class Contest(models.Model):
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"))
    metric = models.CharField(_("metric"), max_length=30, choices=Metric.choices)
    participant_kind = models.CharField(
        _("participants are"), max_length=10, choices=ParticipantKind.choices, default=ParticipantKind.PEOPLE
    )
    people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("people"), blank=True, related_name="contests"
    )
    teams = models.ManyToManyField("org.Team", verbose_name=_("teams"), blank=True, related_name="contests")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Set when the results are frozen after the period: the ranking then no longer moves.
    finished_at = models.DateTimeField(_("results frozen at"), null=True, blank=True)
    finished_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("contest")
        verbose_name_plural = _("contests")
        ordering = ["-period_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gte=models.F("period_start")), name="contest_period_order"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def state(self, today: dt.date) -> str:
        if self.finished_at is not None:
            return ContestState.FINISHED
        if today < self.period_start:
            return ContestState.UPCOMING
        if today <= self.period_end:
            return ContestState.RUNNING
        return ContestState.ENDED


class ContestBonus(models.Model):
    """One row of the bonus table: the bonus for finishing at a rank."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="bonuses")
    rank = models.PositiveSmallIntegerField(_("rank"))
    bonus = models.DecimalField(_("bonus"), max_digits=MONEY_DIGITS, decimal_places=2)

    class Meta:
        verbose_name = _("bonus")
        verbose_name_plural = _("bonus table")
        ordering = ["contest", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["contest", "rank"], name="contest_bonus_rank_unique"),
            models.CheckConstraint(condition=Q(rank__gte=1), name="contest_bonus_rank_positive"),
            models.CheckConstraint(condition=Q(bonus__gte=0), name="contest_bonus_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.rank}: {self.bonus}"


class ContestResult(models.Model):
    """The frozen ranking of a finished contest: one row per participant (a person or a team)."""

    contest = models.ForeignKey(Contest, on_delete=models.CASCADE, related_name="results")
    rank = models.PositiveIntegerField(_("rank"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    team = models.ForeignKey("org.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    label = models.CharField(_("participant"), max_length=200)
    score = models.DecimalField(_("score"), max_digits=MONEY_DIGITS, decimal_places=2)
    bonus = models.DecimalField(_("bonus"), max_digits=MONEY_DIGITS, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("contest result")
        verbose_name_plural = _("contest results")
        ordering = ["contest", "rank", "label"]

    def __str__(self) -> str:
        return f"{self.rank}. {self.label}"
