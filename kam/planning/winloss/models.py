"""Win/loss review (项目总结): one review record per closed deal (DOMAIN.md §5 "Closing") — when the
team met, who took part, what decided the deal, what worked, what failed, what the competitor did,
the lessons, and the fishbone causes it bears out — with its append-only history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.opportunities.models import Opportunity
from kam.planning.fishbone.models import FishboneCause

# The review's own texts: a few paragraphs each.
REVIEW_TEXT_MAX = 5_000
PARTICIPANTS_MAX = 500

# The fields a review edit may change, in the order the page and the history show them.
REVIEW_FIELDS = (
    "meeting_date",
    "our_people",
    "other_participants",
    "decided_by",
    "worked",
    "failed",
    "competitor_did",
    "lessons",
    "causes",
)


class WinLossReview(models.Model):
    opportunity = models.OneToOneField(
        Opportunity, on_delete=models.CASCADE, related_name="winloss_review", verbose_name=_("opportunity")
    )
    meeting_date = models.DateField(_("meeting date"))
    our_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("our participants")
    )
    other_participants = models.CharField(
        _("other participants"),
        max_length=PARTICIPANTS_MAX,
        blank=True,
        help_text=_("People outside kam: partners, the customer's coach, …"),
    )
    decided_by = models.TextField(_("what decided it"))
    worked = models.TextField(_("what worked"), blank=True)
    failed = models.TextField(_("what failed"), blank=True)
    competitor_did = models.TextField(_("what the competitor did"), blank=True)
    lessons = models.TextField(_("lessons"), blank=True)
    causes = models.ManyToManyField(
        FishboneCause, blank=True, related_name="winloss_reviews", verbose_name=_("fishbone causes")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("win/loss review")
        verbose_name_plural = _("win/loss reviews")
        indexes = [models.Index(fields=["meeting_date"], name="winloss_review_meeting")]

    def __str__(self) -> str:
        return f"{self.opportunity_id} {self.meeting_date:%Y-%m-%d}"


class WinLossReviewChange(models.Model):
    """Append-only history of a deal's review: written, edited ({field: [before, after]})."""

    class Action(models.TextChoices):
        CREATED = "created", _("Written")
        EDITED = "edited", _("Edited")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="+")
    review = models.ForeignKey(
        WinLossReview, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True, db_index=True)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("win/loss review change")
        verbose_name_plural = _("win/loss review changes")

    def __str__(self) -> str:
        return f"{self.action} {self.opportunity_id}"
