from __future__ import annotations

import datetime as dt

from ninja import Field, Schema

from kam.core.api.helpers import InputSchema, Ref

TEXT_MAX = 10000


class PlaybookEntryOut(Schema):
    stage_id: int
    stage_code: str
    stage_name: str
    process: str
    key_node: str
    version: int = Field(..., description="Send it back in If-Match to change the entry.")
    what_to_do: str = Field(
        ..., description="In the reader's language (the Chinese text where no English one)."
    )
    questions: str
    materials: str
    what_to_do_zh: str
    what_to_do_en: str
    questions_zh: str
    questions_en: str
    materials_zh: str
    materials_en: str
    updated_by: Ref | None = None


class PlaybookEntryUpdateIn(InputSchema):
    what_to_do: str | None = Field(None, max_length=TEXT_MAX, description="The Chinese text.")
    what_to_do_en: str | None = Field(None, max_length=TEXT_MAX)
    questions: str | None = Field(None, max_length=TEXT_MAX)
    questions_en: str | None = Field(None, max_length=TEXT_MAX)
    materials: str | None = Field(None, max_length=TEXT_MAX, description="One link or text per line.")
    materials_en: str | None = Field(None, max_length=TEXT_MAX)


class CertificationElementOut(Schema):
    id: int
    code: str
    name: str
    description: str


class CertificationCellOut(Schema):
    element: str = Field(..., description="The element's code.")
    state: str = Field(..., description="`none`, `passed`, `expired` or `failed`.")
    certified_on: dt.date | None = None
    certified_by: Ref | None = None
    valid_until: dt.date | None = None


class CertificationStandingOut(Schema):
    person: Ref
    certified: bool
    cells: list[CertificationCellOut]


class CertificationBoardOut(Schema):
    on: dt.date
    elements: list[CertificationElementOut]
    people: list[CertificationStandingOut]


class CertificationRecordOut(Schema):
    id: int
    person: Ref
    element: str
    passed: bool
    certified_on: dt.date
    valid_until: dt.date | None
    certified_by: Ref | None
    note: str
    recorded_at: dt.datetime


class CertificationPersonOut(CertificationStandingOut):
    records: list[CertificationRecordOut]


class CertificationRecordIn(InputSchema):
    element: str = Field(..., min_length=1, max_length=40, description="The element's code.")
    passed: bool
    certified_on: dt.date | None = Field(None, description="The day of the examination; today when left out.")
    note: str = Field("", max_length=2000)


class CertificationRuleOut(Schema):
    enforce_key_owner: bool
    key_tiers: str
    validity_days: int | None
    version: int


class CertificationRuleUpdateIn(InputSchema):
    enforce_key_owner: bool | None = None
    key_tiers: str | None = Field(None, min_length=1, max_length=20, description="Tier letters, e.g. `AB`.")
    validity_days: int | None = Field(None, ge=1, le=36500, description="null: a pass does not expire.")
