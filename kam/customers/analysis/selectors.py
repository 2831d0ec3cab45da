"""Reads of the customer analysis: the latest revision, its summary and the revision history with what changed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy

from kam.customers.models import Customer, CustomerAnalysis

FIELDS: tuple[str, ...] = CustomerAnalysis.ANALYSIS_FIELDS


MODEL_FIELDS = {f.name: f for f in CustomerAnalysis._meta.fields if f.name in FIELDS}


CHOICE_FIELDS = frozenset(name for name, f in MODEL_FIELDS.items() if f.choices)


# The four parts of the template, in the order of the domain guide.
FIELDSETS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    (
        "needs",
        gettext_lazy("Needs"),
        (
            "needs_history",
            "purchase_speed",
            "market_competition",
            "latent_needs_work",
            "latent_needs_personal",
        ),
    ),
    (
        "decision",
        gettext_lazy("Decision mechanism"),
        (
            "decision_mode",
            "hidden_influencers",
            "price_attention",
            "competition_attention",
            "outside_influences",
        ),
    ),
    ("strength", gettext_lazy("Strength"), ("finances", "business_status", "reputation", "direction")),
    (
        "economy",
        gettext_lazy("Local economy"),
        ("population_geography", "economic_strength", "key_investments", "development_plans"),
    ),
)


def field_label(name: str) -> str:
    return str(MODEL_FIELDS[name].verbose_name)


def display_value(analysis: CustomerAnalysis | None, name: str) -> str:
    """The value as a person reads it: a choice's label, the text itself, "" when empty."""
    if analysis is None:
        return ""
    if name in CHOICE_FIELDS:
        return str(getattr(analysis, f"get_{name}_display")()) if getattr(analysis, name) else ""
    return str(getattr(analysis, name))


def latest_analysis(customer: Customer) -> CustomerAnalysis | None:
    return (
        CustomerAnalysis.objects.filter(customer=customer)
        .select_related("created_by")
        .order_by("-revision")
        .first()
    )


def values_of(analysis: CustomerAnalysis | None) -> dict[str, str]:
    return {name: (getattr(analysis, name) if analysis else "") for name in FIELDS}


@dataclass
class FieldChange:
    """One field a revision changed: `old`/`new` as a person reads them, `*_value` as stored."""

    name: str
    label: str
    old: str
    new: str
    old_value: str
    new_value: str


@dataclass
class RevisionEntry:
    analysis: CustomerAnalysis
    changes: list[FieldChange]

    @property
    def revision(self) -> int:
        return self.analysis.revision


def diff(before: CustomerAnalysis | None, after: CustomerAnalysis) -> list[FieldChange]:
    old_values, new_values = values_of(before), values_of(after)
    return [
        FieldChange(
            name,
            field_label(name),
            display_value(before, name),
            display_value(after, name),
            old_values[name],
            new_values[name],
        )
        for name in FIELDS
        if old_values[name] != new_values[name]
    ]


def revision_count(customer: Customer) -> int:
    return CustomerAnalysis.objects.filter(customer=customer).count()


def revision_history(customer: Customer, *, limit: int = 50, offset: int = 0) -> list[RevisionEntry]:
    """Revisions newest first, each with what it changed against the one before: one query, the
    page's rows plus the revision just below them (to diff the page's oldest one)."""
    rows = list(
        CustomerAnalysis.objects.filter(customer=customer)
        .select_related("created_by")
        .order_by("-revision")[offset : offset + limit + 1]
    )
    entries = []
    for index, analysis in enumerate(rows[:limit]):
        previous = rows[index + 1] if index + 1 < len(rows) else None
        entries.append(RevisionEntry(analysis, diff(previous, analysis)))
    return entries


def summary(analysis: CustomerAnalysis | None) -> list[tuple[str, Any, list[tuple[str, str]]]]:
    """Per fieldset, the filled-in fields as (label, value): what the 360° page shows."""
    parts = []
    for key, label, names in FIELDSETS:
        filled = [(field_label(name), display_value(analysis, name)) for name in names]
        parts.append((key, label, [(name, value) for name, value in filled if value]))
    return parts
