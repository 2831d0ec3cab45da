"""Forms of the activity pages. They only parse input; the services validate and write."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kam.access.pickers import VisibleCustomerField, VisibleUserField
from kam.access.visibility import opportunities_for
from kam.activities import selectors
from kam.activities.models import Activity, ActivityKind, ActivityStatus
from kam.activities.selectors import ContactChoice
from kam.core.forms import HiddenErrorsShown, apply_validation_error, limit_length
from kam.core.ids import MAX_ID
from kam.core.limits import NOTE_MAX
from kam.customers.models import Customer
from kam.opportunities.models import Opportunity
from kam.org.models import User
from kam.relationships.models import Contact, RelationshipLevel

__all__ = ["ActivityFilterForm", "ActivityForm", "CustomerChoiceForm", "ImportForm", "apply_validation_error"]

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
LEVEL_PREFIX = "level_"


class CustomerChoiceForm(forms.Form):
    """The first step when the log form is opened without a customer."""

    def __init__(self, *args: Any, by: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"] = VisibleCustomerField(user=by, label=_("Customer"))


class ActivityForm(HiddenErrorsShown):
    """One activity of one customer: the customer is chosen before (it decides the opportunities
    and contacts offered). Per contact, an optional new relationship level the user proposes."""

    kind = forms.ModelChoiceField(label=_("Kind"), queryset=ActivityKind.objects.none())
    status = forms.ChoiceField(label=_("Status"), choices=ActivityStatus.choices)
    start = forms.DateTimeField(label=_("Start"), widget=DATETIME_WIDGET)
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), initial=60)
    opportunity = forms.ModelChoiceField(
        label=_("Opportunity"), queryset=Opportunity.objects.none(), required=False
    )
    contacts = forms.ModelMultipleChoiceField(
        label=_("Contacts"),
        queryset=Contact.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    our_people = forms.ModelMultipleChoiceField(
        label=_("Our people"), queryset=User.objects.none(), required=False
    )
    summary = forms.CharField(label=_("Summary"), max_length=200)
    outcome = forms.CharField(label=_("Outcome"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=200)
    next_step_due = forms.DateField(label=_("Next step due"), required=False, widget=DATE_WIDGET)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        by: User,
        customer: Customer,
        activity: Activity | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.by, self.customer, self.activity = by, customer, activity
        limit_length(self.fields["outcome"], NOTE_MAX)
        kinds = ActivityKind.objects.filter(active=True)
        if activity is not None:
            kinds = ActivityKind.objects.filter(pk__in=kinds.values("pk")) | ActivityKind.objects.filter(
                pk=activity.kind_id
            )
        self._field("kind").queryset = kinds
        self._field("opportunity").queryset = opportunities_for(
            by, Opportunity.objects.filter(customer_id=customer.pk)
        ).order_by("-created_at", "-id")
        self.contact_choices: list[ContactChoice] = selectors.contact_choices(by, customer)
        self._field("contacts").queryset = Contact.objects.filter(
            pk__in=[choice.contact.pk for choice in self.contact_choices]
        ).order_by("name", "id")
        people = User.objects.filter(is_active=True)
        if activity is not None:
            # Someone who has since left stays on the activity they took part in.
            people = people | User.objects.filter(activities_joined=activity)
        self._field("our_people").queryset = people.distinct().order_by("username")
        self.fields["version"].required = activity is not None
        # Logging and editing alike: a meeting written up later can still move the relationship.
        for choice in self.contact_choices:
            self.fields[f"{LEVEL_PREFIX}{choice.contact.pk}"] = forms.TypedChoiceField(
                label=_("Propose a new level with %(name)s") % {"name": choice.contact.name},
                choices=[("", _("Keep"))] + [(v, lbl) for v, lbl in RelationshipLevel.choices],
                coerce=int,
                empty_value=None,
                required=False,
            )
        if not self.is_bound and activity is None:
            self.initial.setdefault("status", ActivityStatus.DONE)
            self.initial.setdefault(
                "kind", ActivityKind.objects.filter(code="visit").values_list("pk", flat=True).first()
            )

    def _field(self, name: str) -> Any:
        return self.fields[name]

    @staticmethod
    def initial_from(activity: Activity) -> dict[str, Any]:
        return {
            "kind": activity.kind_id,
            "status": activity.status,
            "start": timezone.localtime(activity.start).replace(second=0, microsecond=0, tzinfo=None),
            "duration_minutes": activity.duration_minutes,
            "opportunity": activity.opportunity_id,
            "contacts": [c.pk for c in activity.contacts.all()],
            "our_people": [p.pk for p in activity.our_people.all()],
            "summary": activity.summary,
            "outcome": activity.outcome,
            "next_step": activity.next_step,
            "next_step_due": activity.next_step_due,
            "version": activity.version,
        }

    def rows(self) -> list[dict[str, Any]]:
        """Each offered contact with its checkbox, the current level and the proposal field."""
        chosen = {str(v) for v in (self["contacts"].value() or [])}
        rows = []
        for choice in self.contact_choices:
            key = f"{LEVEL_PREFIX}{choice.contact.pk}"
            rows.append(
                {
                    "contact": choice.contact,
                    "level": choice.level,
                    "checked": str(choice.contact.pk) in chosen,
                    "proposal": self[key] if key in self.fields else None,
                }
            )
        return rows

    def values(self) -> dict[str, Any]:
        """The cleaned values, as the services take them."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "status": data["status"],
            "start": data["start"],
            "duration_minutes": data["duration_minutes"],
            "opportunity": data["opportunity"],
            "contacts": list(data["contacts"]),
            "our_people": list(data["our_people"]),
            "summary": data["summary"],
            "outcome": data["outcome"],
            "next_step": data["next_step"],
            "next_step_due": data["next_step_due"],
        }

    def level_changes(self) -> dict[int, int]:
        """Proposed levels for the chosen contacts that differ from the user's current one."""
        chosen = {c.pk for c in self.cleaned_data["contacts"]}
        current = {choice.contact.pk: choice.level for choice in self.contact_choices}
        changes = {}
        for contact_id in chosen:
            level = self.cleaned_data.get(f"{LEVEL_PREFIX}{contact_id}")
            if level is not None and level != current.get(contact_id):
                changes[contact_id] = level
        return changes


class ActivityFilterForm(forms.Form):
    owner = forms.IntegerField(required=False, widget=forms.HiddenInput)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any"))] + list(ActivityStatus.choices)
    )
    kind = forms.ModelChoiceField(
        label=_("Kind"), required=False, queryset=ActivityKind.objects.all(), empty_label=_("Any")
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("To"), required=False, widget=DATE_WIDGET)
    opportunity = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    contact = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    sort = forms.ChoiceField(
        required=False, choices=[(key, key) for key in selectors.SORTS], widget=forms.HiddenInput
    )

    def __init__(self, *args: Any, by: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"] = VisibleUserField(user=by, label=_("Owner"), required=False)
        self.fields["customer"] = VisibleCustomerField(user=by, label=_("Customer"), required=False)
        self.order_fields(["owner", "customer", "kind", "status", "date_from", "date_to"])

    def filters(self) -> selectors.ActivityFilters:
        if not self.is_bound or not self.is_valid():
            return selectors.ActivityFilters()
        data = self.cleaned_data
        return selectors.ActivityFilters(
            owner=data["owner"].pk if data["owner"] else None,
            customer=data["customer"].pk if data["customer"] else None,
            kind=data["kind"].pk if data["kind"] else None,
            status=data["status"] or "",
            opportunity=data["opportunity"],
            contact=data["contact"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            sort=data["sort"] or selectors.DEFAULT_SORT,
        )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Excel workbook (.xlsx)"))
