"""API shapes for the customer analysis and its revisions; choice fields carry their codes."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from kam.core.api.helpers import MAX_LIMIT, InputSchema, Offset, Ref
from kam.core.limits import NOTE_MAX
from kam.customers.models import Attention, DecisionMode, PurchaseSpeed

TEXT_MAX = NOTE_MAX
_SPEED = "One of " + ", ".join(f"`{v}`" for v in PurchaseSpeed.values) + ", or empty."
_MODE = "One of " + ", ".join(f"`{v}`" for v in DecisionMode.values) + ", or empty."
_ATTENTION = "One of " + ", ".join(f"`{v}`" for v in Attention.values) + ", or empty."


class AnalysisFieldsOut(Schema):
    needs_history: str = ""
    purchase_speed: str = Field("", description=_SPEED)
    market_competition: str = ""
    latent_needs_work: str = ""
    latent_needs_personal: str = ""
    decision_mode: str = Field("", description=_MODE)
    hidden_influencers: str = ""
    price_attention: str = Field("", description=_ATTENTION)
    competition_attention: str = Field("", description=_ATTENTION)
    outside_influences: str = ""
    finances: str = ""
    business_status: str = ""
    reputation: str = ""
    direction: str = ""
    population_geography: str = ""
    economic_strength: str = ""
    key_investments: str = ""
    development_plans: str = ""


class AnalysisOut(AnalysisFieldsOut):
    customer: int
    revision: int = Field(..., description="0 when the customer has no analysis yet; also the ETag.")
    created_by: Ref | None = None
    created_at: dt.datetime | None = None


class SavedAnalysisOut(AnalysisOut):
    created: bool = Field(..., description="False when nothing changed: no revision was made.")
    changed: list[str] = Field(..., description="Fields this save changed.")


class AnalysisFieldChangeOut(Schema):
    field: str
    old: str = Field(..., description="The value in the revision before (a choice's code).")
    new: str


class RevisionOut(AnalysisOut):
    changes: list[AnalysisFieldChangeOut] = Field(..., description="Against the revision before this one.")


class RevisionListOut(Schema):
    count: int = Field(..., description="All revisions; page with limit and offset, newest first.")
    items: list[RevisionOut]


class RevisionQuery(Schema):
    limit: int = Field(50, ge=1, le=MAX_LIMIT, description="Page size, at most 200.")
    offset: Offset = Field(0, description="Revisions to skip.")


class AnalysisIn(InputSchema):
    """The fields to set; any left out keep the value of the revision named in If-Match.
    null or "" empties a field."""

    needs_history: str | None = Field(None, max_length=TEXT_MAX)
    purchase_speed: str | None = Field(None, max_length=20, description=_SPEED)
    market_competition: str | None = Field(None, max_length=TEXT_MAX)
    latent_needs_work: str | None = Field(None, max_length=TEXT_MAX)
    latent_needs_personal: str | None = Field(None, max_length=TEXT_MAX)
    decision_mode: str | None = Field(None, max_length=20, description=_MODE)
    hidden_influencers: str | None = Field(None, max_length=TEXT_MAX)
    price_attention: str | None = Field(None, max_length=20, description=_ATTENTION)
    competition_attention: str | None = Field(None, max_length=20, description=_ATTENTION)
    outside_influences: str | None = Field(None, max_length=TEXT_MAX)
    finances: str | None = Field(None, max_length=TEXT_MAX)
    business_status: str | None = Field(None, max_length=TEXT_MAX)
    reputation: str | None = Field(None, max_length=TEXT_MAX)
    direction: str | None = Field(None, max_length=TEXT_MAX)
    population_geography: str | None = Field(None, max_length=TEXT_MAX)
    economic_strength: str | None = Field(None, max_length=TEXT_MAX)
    key_investments: str | None = Field(None, max_length=TEXT_MAX)
    development_plans: str | None = Field(None, max_length=TEXT_MAX)
