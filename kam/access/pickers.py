"""Pickers that search as you type: a customer or a person chosen by id, found by name.

A picker is a text input holding the chosen record's id. `kam/static/js/picker.js` fills a
<datalist> from the search endpoint (`/pick/customers/?q=…`, `/pick/users/?q=…`, the top
`PICK_LIMIT` visible matches) as the user types, so no page renders every customer or person;
without JavaScript the input takes an id, or a visible record's exact name. The form field
validates the id through `kam.access.visibility`, so an id outside the user's view is refused
like an unknown one.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from kam.access.visibility import customers_for
from kam.customers.models import Customer
from kam.org.models import User
from kam.org.visibility import visible_users

PICK_LIMIT = 20
QUERY_MAX = 100
_ID = re.compile(r"^\s*#?(\d{1,18})\s*$")


def search_customers(user: User, q: str, *, limit: int = PICK_LIMIT) -> list[dict[str, Any]]:
    """The first `limit` visible customers whose name, short name or English name contains `q`,
    by name (one query)."""
    qs = customers_for(user, Customer.objects.all())
    text = q.strip()[:QUERY_MAX]
    if text:
        match = _ID.match(text)
        condition = Q(name__icontains=text) | Q(short_name__icontains=text)
        if match:
            condition |= Q(pk=int(match.group(1)))
        qs = qs.filter(condition)
    rows = qs.order_by("name", "id").values("id", "name", "short_name")[:limit]
    return [{"id": r["id"], "label": customer_label(r["name"], r["short_name"])} for r in rows]


def search_users(user: User, q: str, *, limit: int = PICK_LIMIT) -> list[dict[str, Any]]:
    """The first `limit` active people the user may see whose name or username contains `q`."""
    qs = visible_users(user).filter(is_active=True)
    text = q.strip()[:QUERY_MAX]
    if text:
        match = _ID.match(text)
        condition = Q(name__icontains=text) | Q(username__icontains=text)
        if match:
            condition |= Q(pk=int(match.group(1)))
        qs = qs.filter(condition)
    rows = qs.order_by("username", "id").values("id", "name", "username")[:limit]
    return [{"id": r["id"], "label": r["name"] or r["username"]} for r in rows]


def customer_label(name: str, short_name: str = "") -> str:
    return f"{name} ({short_name})" if short_name and short_name != name else name


class PickerInput(forms.TextInput):
    """A text input holding an id, with the search endpoint for picker.js and a hint."""

    def __init__(self, url: Any, attrs: dict[str, Any] | None = None):
        base = {
            "data-picker": url,
            "autocomplete": "off",
            "inputmode": "search",
            "size": 24,
            "placeholder": _("Type to search, or an id"),
        }
        super().__init__({**base, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, Customer | User):
            return str(value.pk)
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-picker"] = str(self.attrs["data-picker"])
        return context


class VisiblePickField(forms.Field):
    """A record chosen by id (or exact name) among those the user may see; anything else is refused
    as "not found", the same for an unknown id and one outside the user's view."""

    default_error_messages = {
        "invalid_choice": _("Select one from the list (type to search)."),
    }
    url: Any = ""

    def __init__(self, *, user: User | None = None, **kwargs: Any):
        kwargs.setdefault("widget", PickerInput(self.url))
        super().__init__(**kwargs)
        self.user = user

    def visible(self) -> QuerySet:
        raise NotImplementedError

    @property
    def queryset(self) -> QuerySet:
        """What the field accepts (a query, never rendered: the page lists none of it)."""
        return self.visible().order_by("pk")

    def by_name(self, qs: QuerySet, text: str) -> QuerySet:
        raise NotImplementedError

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if isinstance(value, Customer | User):
            value = value.pk
        text = str(value).strip()[:QUERY_MAX]
        qs = self.visible()
        match = _ID.match(text)
        found = list(qs.filter(pk=int(match.group(1)))[:1] if match else self.by_name(qs, text)[:2])
        if len(found) != 1:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return found[0]

    def prepare_value(self, value: Any) -> Any:
        return value.pk if isinstance(value, Customer | User) else value

    def has_changed(self, initial: Any, data: Any) -> bool:
        initial_pk = initial.pk if isinstance(initial, Customer | User) else initial
        return str(initial_pk or "") != str(data or "").strip()


class VisibleCustomerField(VisiblePickField):
    """`keep`: a customer that stays a valid choice though the user could not pick it (the current
    parent); `exclude`: one that never is (the customer itself, as its own parent)."""

    url = reverse_lazy("pick_customers")

    def __init__(self, *, keep: int | None = None, exclude: int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.keep, self.exclude = keep, exclude

    def visible(self) -> QuerySet:
        assert self.user is not None, "VisibleCustomerField needs the user"
        qs = customers_for(self.user, Customer.objects.all())
        if self.keep:
            qs = Customer.objects.filter(Q(pk__in=qs.values("pk")) | Q(pk=self.keep))
        return qs.exclude(pk=self.exclude) if self.exclude else qs

    def by_name(self, qs: QuerySet, text: str) -> QuerySet:
        return qs.filter(Q(name__iexact=text) | Q(short_name__iexact=text))


class VisibleUserField(VisiblePickField):
    url = reverse_lazy("pick_users")

    def visible(self) -> QuerySet:
        assert self.user is not None, "VisibleUserField needs the user"
        return visible_users(self.user).filter(is_active=True)

    def by_name(self, qs: QuerySet, text: str) -> QuerySet:
        return qs.filter(Q(username__iexact=text) | Q(name__iexact=text))
