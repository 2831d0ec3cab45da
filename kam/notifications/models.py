"""Reminders and notifications (issue 17): the in-product inbox, each user's preferences per kind
and channel, a team's group robots (WeCom / DingTalk / Feishu) and the log of every send.

A notification keeps the `params` it is rendered from, so the inbox shows it in the reader's
language, and its title in both shipped languages, so a webhook or an e-mail is sent without
rendering it again."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.org.models import Team, User


class NotificationKind(models.TextChoices):
    APPROVAL_WAITING = "approval_waiting", _("Approval waiting")
    DEAL_FLAGGED = "deal_flagged", _("Deal flagged")
    SIGN_DATE_NEAR = "sign_date_near", _("Sign date near")
    DEAL_STALE = "deal_stale", _("Stale deal")
    NEXT_STEP_DUE = "next_step_due", _("Next step due")
    PAYMENT_DUE = "payment_due", _("Payment due")
    PAYMENT_OVERDUE = "payment_overdue", _("Payment overdue")
    VISIT_DUE = "visit_due", _("Visit due")
    PLAN_REVIEW_DUE = "plan_review_due", _("Plan review due")
    SLA_BREACH = "sla_breach", _("SLA breach")
    DIGEST = "digest", _("Weekly digest")


class Channel(models.TextChoices):
    INBOX = "inbox", _("Inbox")
    EMAIL = "email", _("E-mail")
    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")
    FEISHU = "feishu", _("Feishu")


class RobotService(models.TextChoices):
    """The group-robot services a team channel posts to (a subset of `Channel`)."""

    WECOM = "wecom", _("WeCom")
    DINGTALK = "dingtalk", _("DingTalk")
    FEISHU = "feishu", _("Feishu")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


# With no preference row a kind goes to the inbox; by e-mail only approvals and the weekly digest;
# to a team's group robot whenever the team's manager chose that kind for it (a person opts out).
EMAIL_BY_DEFAULT = frozenset({NotificationKind.APPROVAL_WAITING, NotificationKind.DIGEST})


def default_enabled(kind: str, channel: str) -> bool:
    """Whether `kind` is sent on `channel` for a user who has no preference row for the pair."""
    if channel == Channel.INBOX:
        return True
    if channel == Channel.EMAIL:
        return kind in EMAIL_BY_DEFAULT
    # A group robot: the robot's kinds (set by the manager) decide; the digest is e-mail only.
    return kind != NotificationKind.DIGEST


class Notification(models.Model):
    recipient = models.ForeignKey(
        User,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    # What the title and body are rendered from, in the reader's language at display time.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    title = models.CharField(_("title"), max_length=500)
    title_en = models.CharField(_("title (English)"), max_length=500, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    record_label = models.CharField(_("record"), max_length=100, blank=True)
    record_id = models.PositiveBigIntegerField(_("record id"), null=True, blank=True)
    # One notification per recipient and key: a second `kam remind` run adds nothing.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "dedupe_key"], name="notification_unique_dedupe_key")
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at", "-created_at"], name="notification_inbox_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """One user's choice for one kind on one channel; no row means `default_enabled`."""

    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "channel"], name="notification_preference_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind} {self.channel} {self.enabled}"


class TeamChannel(models.Model):
    """A manager's group robot for one team: the team's notifications of `kinds` are posted to it."""

    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.CASCADE, related_name="robot_channels"
    )
    service = models.CharField(_("service"), max_length=20, choices=RobotService.choices)
    webhook_url = models.URLField(_("webhook URL"), max_length=500)
    # DingTalk and Feishu sign each post with it; WeCom needs none.
    secret = models.CharField(_("signing secret"), max_length=200, blank=True)
    kinds = models.JSONField(_("kinds sent"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        User,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("team channel")
        verbose_name_plural = _("team channels")
        ordering = ["team_id", "service", "id"]

    def __str__(self) -> str:
        return f"{self.team_id} {self.service}"


class Delivery(models.Model):
    """One send of a notification (or of a digest) on one channel: the delivery log."""

    notification = models.ForeignKey(
        Notification,
        verbose_name=_("notification"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    team_channel = models.ForeignKey(
        TeamChannel,
        verbose_name=_("team channel"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deliveries",
    )
    # The e-mail address, or the webhook's host (never its full URL: it holds the robot's key).
    address = models.CharField(_("address"), max_length=254, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="delivery_status_idx")]

    def __str__(self) -> str:
        return f"{self.channel} {self.status}"
