"""Competitors: the API's shapes (names unique across the whole API)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Field, Schema

from kam.core.api.helpers import Id, InputSchema, Ref
from kam.core.limits import NOTE_MAX, SEARCH_MAX, SHORT_TEXT_MAX
from kam.planning.competition.models import SCORE_MAX, SCORE_MIN


class CompetitorDirectoryFiltersIn(Schema):
    search: str = Field("", max_length=SEARCH_MAX, description="Part of the name.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=10**9)


class CompetitorSummaryOut(Schema):
    id: int
    name: str
    notes: str
    deal_count: int = Field(..., description="Deals you can see that it is on.")
    lost_to_count: int = Field(..., description="Deals you can see that were lost to it.")


class CompetitorDirectoryOut(Schema):
    items: list[CompetitorSummaryOut]
    count: int


class CompetitorRecordFigureOut(Schema):
    count: int
    amount: Decimal


class CompetitorRecordRowOut(Schema):
    key: int | None = Field(None, description="The year, or the stage order reached; null for all.")
    label: str
    won: CompetitorRecordFigureOut
    lost: CompetitorRecordFigureOut
    dropped: CompetitorRecordFigureOut


class CompetitorRecordOut(Schema):
    overall: CompetitorRecordRowOut
    by_stage: list[CompetitorRecordRowOut]
    by_year: list[CompetitorRecordRowOut]
    win_rate: int | None = Field(None, description="Of the deals decided between us, the share we won, in %.")


class CompetitorDetailOut(Schema):
    id: int
    name: str
    notes: str
    website: str
    headquarters: str
    strengths: str
    weaknesses: str
    version: int = Field(..., description="Send it back as If-Match to edit.")
    record: CompetitorRecordOut


class CompetitorCreateIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100)
    notes: str = Field("", max_length=NOTE_MAX)
    website: str = Field("", max_length=200)
    headquarters: str = Field("", max_length=100)
    strengths: str = Field("", max_length=NOTE_MAX)
    weaknesses: str = Field("", max_length=NOTE_MAX)


class CompetitorUpdateIn(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100)
    notes: str | None = Field(None, max_length=NOTE_MAX)
    website: str | None = Field(None, max_length=200)
    headquarters: str | None = Field(None, max_length=100)
    strengths: str | None = Field(None, max_length=NOTE_MAX)
    weaknesses: str | None = Field(None, max_length=NOTE_MAX)


class CompetitionDimensionOut(Schema):
    id: int
    code: str
    name: str
    name_en: str


class CompetitionCellOut(Schema):
    dimension: int
    competitor: int | None = Field(None, description="null: our own side.")
    score: int | None
    note: str
    comparison: str = Field(..., description="`lead`, `trail` or empty: our score against this competitor's.")


class CompetitionSideOut(Schema):
    competitor: Ref | None = Field(None, description="null: our own side.")
    total: int
    scored: int
    leads: int
    trails: int
    supporters: list[Ref]


class CompetitionSupporterOut(Schema):
    id: int
    contact: Ref
    competitor: Ref
    note: str


class CompetitionChangeOut(Schema):
    action: str
    summary: str
    changed_by: Ref | None
    changed_at: dt.datetime
    changes: dict


class CompetitionGridOut(Schema):
    opportunity: Ref
    version: int = Field(..., description="Send it back as If-Match to save cells.")
    dimensions: list[CompetitionDimensionOut]
    sides: list[CompetitionSideOut]
    cells: list[CompetitionCellOut]
    leading: int = Field(..., description="Dimensions where our score beats every competitor's.")
    compared: int = Field(..., description="Dimensions scored on our side and for at least one competitor.")
    supporters: list[CompetitionSupporterOut]
    history: list[CompetitionChangeOut]


class CompetitionCellIn(InputSchema):
    dimension: Id
    competitor: Id | None = Field(None, description="null: our own side.")
    score: int | None = Field(None, ge=SCORE_MIN, le=SCORE_MAX)
    note: str = Field("", max_length=SHORT_TEXT_MAX)


class CompetitionCellsIn(InputSchema):
    cells: list[CompetitionCellIn] = Field(..., max_length=500)


class CompetitionAddIn(InputSchema):
    competitor: Id | None = Field(None, description="A directory competitor's id.")
    new_name: str = Field("", max_length=100, description="Or a name: found in the directory, else added.")


class CompetitionSupporterIn(InputSchema):
    contact: Id
    competitor: Id
    note: str = Field("", max_length=200)
