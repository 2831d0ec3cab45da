"""The columns of each import: the header the template writes, the names a header may use instead,
and what each column means in the reader's language."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kam.customers.services import CUSTOMER_FIELDS

KINDS = ("customers", "contacts", "opportunities")

MEANINGS: dict[str, Any] = {
    "name": _("name"),
    "short_name": _("short name"),
    "parent": _("group (parent customer)"),
    "owner": _("owner (username)"),
    "industry": _("industry"),
    "region": _("region"),
    "status": _("status"),
    "annual_revenue": _("annual revenue"),
    "category_purchases": _("category purchases"),
    "employees": _("employees"),
    "notes": _("notes"),
    "credit_code": _("unified social credit code"),
    "customer": _("customer"),
    "title": _("title"),
    "department": _("department"),
    "manager": _("manager (contact name)"),
    "rank": _("rank"),
    "influence": _("influence"),
    "mobile": _("mobile"),
    "phone": _("landline"),
    "email": _("e-mail"),
    "wechat": _("WeChat"),
    "project_number": _("project number"),
    "process": _("sales process"),
    "stage": _("stage"),
    "amount": _("amount"),
    "amount_low": _("amount, low end"),
    "amount_high": _("amount, high end"),
    "sign_date": _("expected sign date"),
    "sign_date_precision": _("sign date precision"),
    "product_line": _("product line"),
    "gross_margin": _("gross margin"),
    "expense_budget": _("expense budget"),
    "customer_lead": _("customer-side lead (contact name)"),
    "initiated_at": _("initiation date"),
    "forecast_category": _("forecast category"),
    "key_contacts": _("key contacts (name:role:stance; …)"),
    "row": pgettext_lazy("import", "row"),
    "header": _("header row"),
    "file": _("file"),
}

COLUMNS: dict[str, tuple[str, ...]] = {
    # A customer's columns are the fields its form and services take.
    "customers": (*CUSTOMER_FIELDS, "credit_code"),
    "contacts": (
        "customer",
        "name",
        "title",
        "department",
        "manager",
        "rank",
        "influence",
        "mobile",
        "phone",
        "email",
        "wechat",
        "notes",
    ),
    "opportunities": (
        "project_number",
        "customer",
        "name",
        "process",
        "stage",
        "owner",
        "amount",
        "amount_low",
        "amount_high",
        "sign_date",
        "sign_date_precision",
        "product_line",
        "gross_margin",
        "expense_budget",
        "customer_lead",
        "initiated_at",
        "forecast_category",
        "key_contacts",
    ),
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "customers": ("name",),
    "contacts": ("customer", "name"),
    "opportunities": ("customer", "name", "stage"),
}

# A model field's error lands on the column the file calls it.
FIELD_TO_COLUMN = {"reports_to": "manager", "__all__": "row"}


def column_label(key: str) -> str:
    """A column as the file writes it, with its meaning in the reader's language."""
    key = FIELD_TO_COLUMN.get(key, key)
    meaning = MEANINGS.get(key)
    if meaning is None:
        return key
    if key in ("row", "header", "file"):
        return str(meaning)
    return f"{key} ({meaning})"


def header_index(kind: str, header: list[Any]) -> dict[str, int]:
    """Where each column is: by its key, or by its meaning in English or Chinese."""
    names: dict[str, str] = {}
    for key in COLUMNS[kind]:
        names[key] = key
        for language in ("en", "zh-hans"):
            with translation.override(language):
                meaning = str(MEANINGS[key]).lower()
            names[meaning] = key
            names[meaning.split(" (")[0]] = key
    index: dict[str, int] = {}
    for position, cell in enumerate(header):
        text = str(cell or "").strip().lower()
        found = names.get(text) or names.get(text.replace(" ", "_"))
        if found and found not in index:
            index[found] = position
    return index
