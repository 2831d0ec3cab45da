"""Pickers that search as you type: a customer, a person or a contact chosen by id, found by name.

A picker is a text input holding the chosen record's id. `kam/static/js/picker.js` fills a
<datalist> from the search endpoint (`/pick/customers/?q=…`, `/pick/users/?q=…`,
`/pick/contacts/?q=…&customer=…`, the top `PICK_LIMIT` visible matches) as the user types, so no
page renders every customer, person or contact; without JavaScript the input takes an id, or a
visible record's exact name. The form field validates the id through `kam.access.visibility`, so an
id outside the user's view is refused like an unknown one. Next to the input the chosen record's
name is shown: rendered by the server when the form already holds the record (an initial instance,
or a value it validated), otherwise looked up by picker.js through the same endpoint.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.db.models import Model, Q, QuerySet
from django.urls import reverse_lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from kam.access.visibility import contacts_for, customers_for
from kam.core import pinyin
from kam.customers.models import Customer
from kam.org.models import User
from kam.org.visibility import visible_users
from kam.relationships.models import Contact

PICK_LIMIT = 20
QUERY_MAX = 100
_ID = re.compile(r"^\s*#?(\d{1,18})\s*$")

# `/pick/users/?scope=…`: whose work the user sees (owners, filters), or every active colleague (a
# deal team may take presales or delivery people from any team).
SCOPE_VISIBLE = "visible"
SCOPE_COLLEAGUES = "colleagues"


def _matching(qs: QuerySet, q: str, *fields: str, key: str = "") -> QuerySet:
    """`qs` narrowed to rows whose fields contain `q`, whose search key holds its pinyin (full or
    initials, kam.core.pinyin), or whose id it is (`12` or `#12`)."""
    text = q.strip()[:QUERY_MAX]
    if not text:
        return qs
    condition = Q()
    for field in fields:
        condition |= Q(**{f"{field}__icontains": text})
    if key:
        condition |= pinyin.matches(key, text)
    match = _ID.match(text)
    if match:
        condition |= Q(pk=int(match.group(1)))
    return qs.filter(condition)


def search_customers(user: User, q: str, *, limit: int = PICK_LIMIT) -> list[dict[str, Any]]:
    """The first `limit` visible customers whose name or short name contains `q` or its pinyin (full
    or initials), by name (one query)."""
    qs = _matching(customers_for(user, Customer.objects.all()), q, "name", "short_name", key="search_key")
    rows = qs.order_by("name", "id").values("id", "name", "short_name")[:limit]
    return [{"id": r["id"], "label": customer_label(r["name"], r["short_name"])} for r in rows]


def search_users(
    user: User, q: str, *, scope: str = SCOPE_VISIBLE, limit: int = PICK_LIMIT
) -> list[dict[str, Any]]:
    """The first `limit` active people whose name or username contains `q`: those whose work the
    user may see, or with `scope=SCOPE_COLLEAGUES` every active colleague."""
    people = User.objects.all() if scope == SCOPE_COLLEAGUES else visible_users(user)
    qs = _matching(people.filter(is_active=True), q, "name", "username", key="search_key")
    rows = qs.order_by("username", "id").values("id", "name", "username")[:limit]
    return [{"id": r["id"], "label": r["name"] or r["username"]} for r in rows]


def search_contacts(
    user: User, q: str, *, customer: int | None = None, limit: int = PICK_LIMIT
) -> list[dict[str, Any]]:
    """The first `limit` contacts the user may see (of `customer` when given) whose name or title
    contains `q`, by name (one query). Without a customer the label names the contact's customer."""
    base = Contact.objects.all() if customer is None else Contact.objects.filter(customer_id=customer)
    qs = _matching(contacts_for(user, base), q, "name", "title", key="search_key")
    rows = qs.order_by("name", "id").values("id", "name", "title", "customer__name")[:limit]
    return [
        {
            "id": r["id"],
            "label": contact_label(r["name"], r["title"], r["customer__name"] if customer is None else ""),
        }
        for r in rows
    ]


def customer_label(name: str, short_name: str = "") -> str:
    return f"{name} ({short_name})" if short_name and short_name != name else name


def contact_label(name: str, title: str = "", customer: str = "") -> str:
    return " · ".join(part for part in (name, title, customer) if part)


class Picked(str):
    """A picker's value as rendered: the id (a str, so templates and comparisons see the id) with
    the chosen record's name when the form already knows it."""

    label: str

    def __new__(cls, pk: Any, label: str = "") -> Picked:
        value = super().__new__(cls, str(pk))
        value.label = label
        return value


class PickerInput(forms.TextInput):
    """A text input holding an id, with the search endpoint for picker.js, a hint, and the chosen
    record's name beside it (an <output> the input is described by, so a screen reader reads it)."""

    template_name = "access/widgets/picker.html"

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
        if isinstance(value, Model):
            return str(value.pk)
        return super().format_value(value)

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        widget = context["widget"]
        widget["attrs"]["data-picker"] = str(self.attrs["data-picker"])
        widget["chosen"] = value.label if isinstance(value, Picked) else ""
        element_id = widget["attrs"].get("id")
        if element_id:
            widget["chosen_id"] = f"{element_id}_chosen"
            described = widget["attrs"].get("aria-describedby", "")
            widget["attrs"]["aria-describedby"] = f"{described} {widget['chosen_id']}".strip()
        return context


class VisiblePickField(forms.Field):
    """A record chosen by id (or exact name) among those the user may see; anything else is refused
    as "not found", the same for an unknown id and one outside the user's view.

    `keep`: a record that stays a valid choice though the user could not pick it (the current owner,
    parent or lead, so an edit does not fail on a value someone else set); `exclude`: one that never
    is (a customer as its own parent, a contact as its own influencer)."""

    default_error_messages = {
        "invalid_choice": _("Select one from the list (type to search)."),
    }
    url: Any = ""

    def __init__(
        self,
        *,
        user: User | None = None,
        keep: int | None = None,
        exclude: int | None = None,
        **kwargs: Any,
    ):
        kwargs.setdefault("widget", PickerInput(self.url))
        super().__init__(**kwargs)
        self.user = user
        self.keep, self.exclude = keep, exclude
        # The records this field found while cleaning, by the text it was given: a re-rendered form
        # shows their names without asking the database again.
        self.found: dict[str, Model] = {}

    def candidates(self) -> QuerySet:
        """The records the user may pick (visibility); `visible` adds `keep` and `exclude`."""
        raise NotImplementedError

    def visible(self) -> QuerySet:
        qs = self.candidates()
        if self.keep:
            qs = qs.model._default_manager.filter(Q(pk__in=qs.values("pk")) | Q(pk=self.keep))
        return qs.exclude(pk=self.exclude) if self.exclude else qs

    @property
    def queryset(self) -> QuerySet:
        """What the field accepts (a query, never rendered: the page lists none of it)."""
        return self.visible().order_by("pk")

    def by_name(self, qs: QuerySet, text: str) -> QuerySet:
        raise NotImplementedError

    def label_of(self, obj: Any) -> str:
        return str(obj)

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if isinstance(value, Model):
            value = value.pk
        text = str(value).strip()[:QUERY_MAX]
        qs = self.visible()
        match = _ID.match(text)
        found = list(qs.filter(pk=int(match.group(1)))[:1] if match else self.by_name(qs, text)[:2])
        if len(found) != 1:
            raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        self.found[str(value)] = found[0]
        return found[0]

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Model):
            return Picked(value.pk, self.label_of(value))
        known = self.found.get(str(value)) if value not in self.empty_values else None
        if known is not None:
            # A name typed without JavaScript is shown as the id it matched.
            return Picked(known.pk, self.label_of(known))
        return value

    def has_changed(self, initial: Any, data: Any) -> bool:
        initial_pk = initial.pk if isinstance(initial, Model) else initial
        return str(initial_pk or "") != str(data or "").strip()


class VisibleCustomerField(VisiblePickField):
    url = reverse_lazy("pick_customers")

    def candidates(self) -> QuerySet:
        assert self.user is not None, "VisibleCustomerField needs the user"
        return customers_for(self.user, Customer.objects.all())

    def by_name(self, qs: QuerySet, text: str) -> QuerySet:
        return qs.filter(Q(name__iexact=text) | Q(short_name__iexact=text))

    def label_of(self, obj: Any) -> str:
        return customer_label(obj.name, obj.short_name)


class VisibleUserField(VisiblePickField):
    """An active person whose work the user may see (an owner, "our person")."""

    url = reverse_lazy("pick_users")

    def candidates(self) -> QuerySet:
        assert self.user is not None, "VisibleUserField needs the user"
        return visible_users(self.user).filter(is_active=True)

    def by_name(self, qs: QuerySet, text: str) -> QuerySet:
        return qs.filter(Q(username__iexact=text) | Q(name__iexact=text))


class ColleagueField(VisibleUserField):
    """Any active colleague, whoever the user is: a deal team takes people from other teams too."""

    url = format_lazy("{}?scope={}", reverse_lazy("pick_users"), SCOPE_COLLEAGUES)

    def candidates(self) -> QuerySet:
        return User.objects.filter(is_active=True)


class VisibleContactField(VisiblePickField):
    """A contact the user may see: of `customer` when the form knows it; `customer_field` names the
    form's customer picker, whose value picker.js sends along so the search offers its contacts."""

    url = reverse_lazy("pick_contacts")

    def __init__(self, *, customer: int | None = None, customer_field: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.customer = customer
        if customer is not None:
            self.widget.attrs["data-picker"] = format_lazy("{}?customer={}", self.url, customer)
        if customer_field:
            self.widget.attrs["data-picker-customer-field"] = customer_field

    def candidates(self) -> QuerySet:
        assert self.user is not None, "VisibleContactField needs the user"
        base = (
            Contact.objects.all()
            if self.customer is None
            else Contact.objects.filter(customer_id=self.customer)
        )
        return contacts_for(self.user, base)

    def by_name(self, qs: QuerySet, text: str) -> QuerySet:
        return qs.filter(name__iexact=text)

    def label_of(self, obj: Any) -> str:
        return contact_label(obj.name, obj.title)
