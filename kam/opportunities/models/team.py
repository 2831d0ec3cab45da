"""Who works an opportunity: our deal team, the customer's people in its decision chain, and its competitors."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kam.opportunities.models.opportunity import Competitor, Opportunity
from kam.relationships.models import DecisionRole, Stance


class MemberRole(models.TextChoices):
    LEADER = "leader", _("Leader")
    MEMBER = "member", _("Member")
    MONITOR = "monitor", _("Monitor")
    SPONSOR = "sponsor", _("Executive sponsor")


class OpportunityMember(models.Model):
    # Neither key has an index of its own: member_unique starts with the opportunity and
    # member_user_idx with the user, so each would only be two more entries written per member.
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, db_index=False, related_name="members"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        db_index=False,
        related_name="deal_memberships",
    )
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices, default=MemberRole.MEMBER)
    part = models.CharField(_("part"), max_length=200, blank=True)
    # Whether this member owns the deal (kept by the services that open, reassign and staff it):
    # a rep's deal-team deals owned by others are then a range of the member index.
    is_owner = models.BooleanField(_("owns the deal"), default=False, editable=False)

    class Meta:
        verbose_name = _("deal team member")
        verbose_name_plural = _("deal team")
        constraints = [models.UniqueConstraint(fields=["opportunity", "user"], name="member_unique")]
        # A rep's visibility starts from "the deals I am a member of", and their totals and list
        # add "the deals I am on the team of and do not own": (user, is_owner, opportunity)
        # answers both from the index alone.
        indexes = [models.Index(fields=["user", "is_owner", "opportunity"], name="member_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} ({self.role})"


class OpportunityContact(models.Model):
    # No index of its own: opportunity_contact_role_unique starts with it.
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, db_index=False, related_name="contact_roles"
    )
    contact = models.ForeignKey(
        "relationships.Contact",
        verbose_name=_("contact"),
        on_delete=models.CASCADE,
        related_name="opportunity_roles",
    )
    decision_role = models.CharField(_("decision role"), max_length=20, choices=DecisionRole.choices)
    stance = models.CharField(_("stance"), max_length=1, choices=Stance.choices, default=Stance.NEUTRAL)

    class Meta:
        verbose_name = _("decision-chain contact")
        verbose_name_plural = _("decision chain")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "contact", "decision_role"], name="opportunity_contact_role_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} ({self.decision_role}, {self.stance})"


class OpportunityCompetitor(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="competitor_entries")
    competitor = models.ForeignKey(
        Competitor, verbose_name=_("competitor"), on_delete=models.PROTECT, related_name="entries"
    )
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("competitor entry")
        verbose_name_plural = _("competitor entries")
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity", "competitor"], name="opportunity_competitor_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id}: {self.competitor_id}"
