from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.core.bilingual import in_english
from kam.core.money import MONEY_DIGITS
from kam.core.money_unit import MoneyUnit
from kam.core.pinyin import PinyinKeyField


class Role(models.TextChoices):
    REP = "rep", _("Sales rep")
    MANAGER = "manager", _("Sales manager")
    DIRECTOR = "director", _("Sales director")
    ADMIN = "admin", _("Administrator")


class Team(models.Model):
    """A sales team; teams form a tree so a manager sees the whole subtree below them."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    # Shown instead of `name` to a reader working in English (kam.core.bilingual).
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent team"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    manager = models.ForeignKey(
        "org.User",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.name_en and in_english():
            return self.name_en
        return self.name


class User(AbstractUser):
    """One name field, as our users expect (no surname/given-name split)."""

    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    name = models.CharField(_("name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.REP)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    # 元 or 万元 in lists and charts; blank: the language's default (kam.core.money_unit).
    money_unit = models.CharField(
        _("amounts in"), max_length=4, choices=MoneyUnit.choices, blank=True, default=""
    )
    # The name's pinyin and initials, for the people picker (kam.core.pinyin).
    search_key = PinyinKeyField(sources=("name",))

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self) -> str:
        return self.name or self.username

    def save(self, *args, **kwargs) -> None:
        # The administrator role is what opens Django's admin: keep the flags in step with it.
        if self.role == Role.ADMIN:
            self.is_staff = True
            self.is_superuser = True
        super().save(*args, **kwargs)

    def get_full_name(self) -> str:
        return self.name or self.username

    def get_short_name(self) -> str:
        return self.name or self.username

    @property
    def sees_everything(self) -> bool:
        return self.is_superuser or self.role in (Role.DIRECTOR, Role.ADMIN)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is stored, the raw value is shown once."""

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=8, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate_raw() -> str:
        return "kam_" + secrets.token_urlsafe(32)


class TokenFailure(models.Model):
    """Failed API token attempts from one address in the current window (kam.org.auth throttles
    on it). In the database, so every gunicorn worker counts the same failures."""

    ip_address = models.GenericIPAddressField(_("address"), unique=True)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    window_started_at = models.DateTimeField(_("window started at"), db_index=True)

    class Meta:
        verbose_name = _("failed API token attempt")
        verbose_name_plural = _("failed API token attempts")

    def __str__(self) -> str:
        return f"{self.ip_address}: {self.failures}"


class Target(models.Model):
    """A sales target (quota) for one person or one team over a period (month, quarter or year)."""

    user = models.ForeignKey(
        User,
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.CASCADE, related_name="targets"
    )
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    amount = models.DecimalField(_("target amount"), max_digits=MONEY_DIGITS, decimal_places=2)
    set_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["period_start", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False) & models.Q(team__isnull=True))
                | (models.Q(user__isnull=True) & models.Q(team__isnull=False)),
                name="target_user_xor_team",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")), name="target_period"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="target_amount_not_negative"),
            models.UniqueConstraint(fields=["user", "period_start", "period_end"], name="target_user_period"),
            models.UniqueConstraint(fields=["team", "period_start", "period_end"], name="target_team_period"),
        ]

    def __str__(self) -> str:
        return f"{self.user or self.team} {self.period_start}–{self.period_end}: {self.amount}"
