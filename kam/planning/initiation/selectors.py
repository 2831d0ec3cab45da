"""Initiation reads: what the report shows from the deal (its four elements, competitors and
decision chain, live while a draft), a deal's report with its history, the tool's state."""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.utils.translation import gettext as _

from kam.opportunities.models import Opportunity, OpportunityCompetitor, OpportunityContact, OpportunityMember
from kam.planning.initiation.models import InitiationReport, InitiationStatus


def four_elements(opportunity: Opportunity) -> dict[str, Any]:
    """The four elements (and the report's other facts from the deal) as plain JSON values."""
    lead = opportunity.customer_lead
    return {
        "project_number": opportunity.project_number,
        "name": opportunity.name,
        "customer": str(opportunity.customer),
        "stage": f"{opportunity.stage.code} {opportunity.stage.display_name}",
        "amount": str(opportunity.amount) if opportunity.amount is not None else None,
        "amount_low": str(opportunity.amount_low) if opportunity.amount_low is not None else None,
        "amount_high": str(opportunity.amount_high) if opportunity.amount_high is not None else None,
        "sign_date": opportunity.sign_date.isoformat() if opportunity.sign_date else None,
        "sign_date_display": opportunity.sign_date_display,
        "customer_lead": str(lead) if lead is not None else "",
        "owner": str(opportunity.owner),
    }


def competitors(opportunity: Opportunity) -> list[dict[str, str]]:
    entries = OpportunityCompetitor.objects.filter(opportunity=opportunity).select_related("competitor")
    return [
        {"name": e.competitor.name, "strengths": e.strengths, "weaknesses": e.weaknesses, "notes": e.notes}
        for e in entries.order_by("competitor__name")
    ]


def decision_chain(opportunity: Opportunity) -> list[dict[str, Any]]:
    """Each decision-chain entry: the contact, their role and stance, and the company's relationship
    level with them (the highest any of our people holds)."""
    entries = (
        OpportunityContact.objects.filter(opportunity=opportunity)
        .select_related("contact")
        .annotate(level=Max("contact__relationships__level"))
        .order_by("contact__name", "decision_role")
    )
    return [
        {
            "contact": e.contact.name,
            "title": e.contact.title,
            "rank": e.contact.get_rank_display(),
            "role": e.get_decision_role_display(),
            "stance": e.stance,
            "stance_display": e.get_stance_display(),
            "level": f"CR{e.level}" if e.level else "",
        }
        for e in entries
    ]


def deal_team(opportunity: Opportunity) -> str:
    """The deal team as a line per person, to prefill the resources the report asks for."""
    members = OpportunityMember.objects.filter(opportunity=opportunity).select_related("user").order_by("id")
    return "\n".join(
        f"{m.user} · {m.get_role_display()}" + (f" · {m.part}" if m.part else "") for m in members
    )


def report_for(opportunity: Opportunity) -> InitiationReport | None:
    return (
        InitiationReport.objects.filter(opportunity=opportunity)
        .select_related("approval", "approval__current_step")
        .first()
    )


def history(report: InitiationReport) -> list[Any]:
    """The report's changes, newest first, each with the names of the fields an edit changed."""
    changes = list(report.changes.select_related("changed_by").order_by("-changed_at", "-id"))
    for change in changes:
        change.fields_display = [  # type: ignore[attr-defined]
            field_label(name) for name in change.changes
        ]
    return changes


def state(opportunity: Opportunity, user: Any = None) -> str:
    """The strategy panel's one-line state (one query)."""
    status = InitiationReport.objects.filter(opportunity=opportunity).values_list("status", flat=True).first()
    return state_label(status)


def field_label(name: str) -> str:
    """A report field's name as the form labels it."""
    field = InitiationReport._meta.get_field(name)
    return str(getattr(field, "verbose_name", name))


def state_label(status: str | None) -> str:
    labels: dict[str | None, str] = {
        None: _("not started"),
        InitiationStatus.DRAFT: _("draft"),
        InitiationStatus.PENDING: _("awaiting approval"),
        InitiationStatus.APPROVED: _("approved"),
        InitiationStatus.REJECTED: _("rejected"),
    }
    return labels.get(status, "")


def is_approved(opportunity: Opportunity) -> bool:
    return InitiationReport.objects.filter(opportunity=opportunity, status=InitiationStatus.APPROVED).exists()
