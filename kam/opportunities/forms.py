"""Forms of the opportunity workspace. They only parse input: the rules live in services."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from kam.access.pickers import (
    ColleagueField,
    VisibleContactField,
    VisibleCustomerField,
    VisiblePickField,
    VisibleUserField,
)
from kam.core.forms import HiddenErrorsShown
from kam.core.limits import NOTE_MAX, SEARCH_MAX, SHORT_TEXT_MAX
from kam.opportunities.models import (
    CloseOutcome,
    CloseReason,
    Competitor,
    ForecastCategory,
    MemberRole,
    Opportunity,
    OpportunityStatus,
    Stage,
)
from kam.org.models import Team, User
from kam.org.visibility import managed_team_ids
from kam.relationships.models import DecisionRole, Stance

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def model_field(name: str, **kwargs: Any) -> forms.Field:
    """A form field built from the model field, so labels are the model's verbose names."""
    field = Opportunity._meta.get_field(name).formfield(**kwargs)  # type: ignore[union-attr]
    assert field is not None
    return field


def model_label(name: str) -> str:
    return str(capfirst(Opportunity._meta.get_field(name).verbose_name))  # type: ignore[union-attr]


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class StageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.code} {obj.display_name} · {obj.process}"


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form's fields; unknown keys become non-field errors."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            target = name if name in form.fields else None
            for error in errors:
                form.add_error(target, error.messages)
    else:
        form.add_error(None, exc.messages)


class OpportunityForm(HiddenErrorsShown):
    """Edit form (`opportunity`: the one edited); `OpportunityCreateForm` adds customer and stage.

    Owner and customer-side lead are searched as you type (kam.access.pickers): the page lists no
    person and no contact. The current owner and lead stay valid choices on an edit even when the
    editor could not pick them; the lead is searched among the customer's contacts (on a new
    opportunity, those of the customer picked in the form)."""

    FIELD_ORDER = (
        "name",
        "customer",
        "owner",
        "stage",
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
    )

    def __init__(self, *args: Any, user: User, opportunity: Opportunity | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["name"] = model_field("name")
        self.fields["owner"] = VisibleUserField(
            user=user,
            keep=opportunity.owner_id if opportunity is not None else None,
            label=model_label("owner"),
        )
        for name in ("amount", "amount_low", "amount_high", "gross_margin", "expense_budget"):
            self.fields[name] = model_field(name, required=False)
        self.fields["sign_date"] = model_field("sign_date", widget=DATE_WIDGET, required=False)
        self.fields["sign_date"].help_text = _(
            "For a month or quarter, pick any day in it and set the precision."
        )
        self.fields["sign_date_precision"] = model_field("sign_date_precision")
        self.fields["product_line"] = model_field("product_line", required=False)
        self.fields["customer_lead"] = VisibleContactField(
            user=user,
            required=False,
            label=model_label("customer_lead"),
            customer=opportunity.customer_id if opportunity is not None else None,
            customer_field=None if opportunity is not None else "customer",
            keep=opportunity.customer_lead_id if opportunity is not None else None,
        )
        self.fields["initiated_at"] = model_field("initiated_at", widget=DATE_WIDGET, required=False)
        self.fields["forecast_category"] = forms.ChoiceField(
            label=model_label("forecast_category"),
            required=False,
            choices=[("", _("Stage default"))] + list(ForecastCategory.choices),
            help_text=_("Commit, best case or pipeline in the forecast; empty follows the stage."),
        )
        self.order_fields([name for name in self.FIELD_ORDER if name in self.fields])

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        data["product_line"] = data.get("product_line") or ""
        data["forecast_category"] = data.get("forecast_category") or ""
        return data


class OpportunityEditForm(OpportunityForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class OpportunityCreateForm(OpportunityForm):
    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, user=user, **kwargs)
        # Searched as you type (kam.access.pickers): the page never lists every customer.
        self.fields["customer"] = VisibleCustomerField(user=user, label=model_label("customer"))
        self.fields["stage"] = StageChoiceField(
            queryset=Stage.objects.select_related("process").order_by(
                "-process__is_default", "process_id", "order"
            ),
            label=model_label("stage"),
        )
        self.order_fields([name for name in self.FIELD_ORDER if name in self.fields])


class MoveForm(HiddenErrorsShown):
    to_stage = forms.ModelChoiceField(queryset=Stage.objects.all(), label=_("Move to stage"))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    key_node_confirmed = forms.BooleanField(required=False, label=_("Key node reached"))
    note = forms.CharField(
        required=False, max_length=SHORT_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}), label=_("Note")
    )
    # The stage summary (阶段总结) of the stage being left, written on a forward move.
    achieved = forms.CharField(
        required=False,
        max_length=SHORT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Achieved against the key node"),
    )
    carry_over = forms.CharField(
        required=False,
        max_length=SHORT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Carries over to the next stage"),
    )


CLOSE_STATUS_CHOICES = [
    (OpportunityStatus.WON.value, OpportunityStatus.WON.label),
    (OpportunityStatus.LOST.value, OpportunityStatus.LOST.label),
    (OpportunityStatus.DROPPED.value, OpportunityStatus.DROPPED.label),
]


def close_reason_choices() -> list[Any]:
    """The active reasons grouped by outcome (one query): a select that needs no script to show
    which reasons belong to which outcome."""
    groups: dict[str, list[tuple[str, str]]] = {value: [] for value in CloseOutcome.values}
    for reason in CloseReason.objects.filter(is_active=True).order_by("outcome", "order", "id"):
        groups.setdefault(reason.outcome, []).append((str(reason.pk), reason.display_name))
    labels = dict(CloseOutcome.choices)
    return [("", "---------")] + [
        (str(labels.get(outcome, outcome)), options) for outcome, options in groups.items() if options
    ]


class CloseReasonField(forms.ChoiceField):
    """A reason from the list, by id; the choices are read when the select is drawn. Whether the
    reason fits the outcome, is still in use and asks for a competitor is the close service's
    rule, so every caller gets the same message."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=close_reason_choices, **kwargs)
        self.error_messages["required"] = _("Choose the reason from the list.")

    def to_python(self, value: Any) -> CloseReason | None:  # type: ignore[override]
        if value in self.empty_values:
            return None
        try:
            pk = int(value)
        except (TypeError, ValueError):
            pk = 0
        found = CloseReason.objects.filter(pk=pk).first() if pk > 0 else None
        if found is None:
            raise ValidationError(_("Choose the reason from the list."), code="invalid_choice")
        return found

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)


class CloseForm(HiddenErrorsShown):
    status = forms.ChoiceField(choices=CLOSE_STATUS_CHOICES, label=_("Outcome"), widget=forms.RadioSelect)
    reason_choice = CloseReasonField(
        label=_("Reason"), help_text=_("From the list under the outcome you chose.")
    )
    lost_to = forms.ModelChoiceField(
        queryset=Competitor.objects.all(),
        required=False,
        label=_("Lost to"),
        help_text=_("Only for a lost opportunity; required when the reason names a competitor."),
    )
    reason = forms.CharField(
        label=_("In your words"),
        required=False,
        max_length=SHORT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    lessons = forms.CharField(
        label=_("Lessons"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What to repeat or avoid next time."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class MemberForm(forms.Form):
    # Any active colleague, searched as you type (kam.access.pickers): the page lists no one.
    user = ColleagueField(label=_("Person"))
    role = forms.ChoiceField(choices=MemberRole.choices, label=_("Role"), initial=MemberRole.MEMBER)
    part = forms.CharField(required=False, max_length=200, label=_("Part"))


class ContactRoleForm(forms.Form):
    """A contact of the opportunity's customer, searched as you type among those the user may see."""

    decision_role = forms.ChoiceField(choices=DecisionRole.choices, label=_("Decision role"))
    stance = forms.ChoiceField(choices=Stance.choices, label=_("Stance"), initial=Stance.NEUTRAL)

    def __init__(self, *args: Any, user: User, opportunity: Opportunity, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["contact"] = VisibleContactField(
            user=user, customer=opportunity.customer_id, label=_("Contact")
        )
        self.order_fields(["contact", "decision_role", "stance"])


class CompetitorForm(forms.Form):
    competitor = forms.ModelChoiceField(queryset=Competitor.objects.all(), label=_("Competitor"))
    strengths = forms.CharField(
        required=False,
        max_length=SHORT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Strengths"),
    )
    weaknesses = forms.CharField(
        required=False,
        max_length=SHORT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Weaknesses"),
    )
    notes = forms.CharField(
        required=False, max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 2}), label=_("Notes")
    )


STATUS_FILTER_CHOICES = [
    ("open", _("Open")),
    ("won", _("Won")),
    ("lost", _("Lost")),
    ("dropped", _("Dropped")),
    ("all", _("All")),
]


class PipelineFilterForm(forms.Form):
    """Renders the pipeline filters; parsing is `selectors.PipelineFilters.from_mapping`."""

    q = forms.CharField(required=False, max_length=SEARCH_MAX, label=_("Search"))
    owner = VisibleUserField(required=False, label=_("Owner"))
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, label=_("Team"))
    stage = StageChoiceField(queryset=Stage.objects.none(), required=False, label=_("Stage"))
    status = forms.ChoiceField(choices=STATUS_FILTER_CHOICES, required=False, label=_("Status"))
    sign_quarter = forms.CharField(
        required=False,
        max_length=20,
        label=_("Sign quarter"),
        widget=forms.TextInput(attrs={"placeholder": "2027 Q3", "size": 8}),
    )
    customer = VisibleCustomerField(required=False, label=_("Customer"))
    incomplete = forms.BooleanField(required=False, label=_("Incomplete only"))

    def __init__(self, *args: Any, user: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        # Owner and customer are searched as you type (kam.access.pickers), checked against the user.
        for name in ("owner", "customer"):
            cast(VisiblePickField, self.fields[name]).user = user
        teams = Team.objects.order_by("name")
        if not user.sees_everything:
            teams = teams.filter(pk__in=managed_team_ids(user) | ({user.team_id} if user.team_id else set()))
        self._choices("team", teams)
        self._choices(
            "stage",
            Stage.objects.select_related("process").order_by("-process__is_default", "process_id", "order"),
        )

    def _choices(self, name: str, queryset: QuerySet) -> None:
        cast(forms.ModelChoiceField, self.fields[name]).queryset = queryset


class ChainRolesForm(forms.Form):
    """A person's decision roles and stance on one opportunity (the decision-chain side panel)."""

    decision_role = forms.MultipleChoiceField(
        choices=DecisionRole.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Decision roles"),
        help_text=_("A person may hold several roles; untick every role to take them out of the chain."),
    )
    stance = forms.ChoiceField(choices=Stance.choices, label=_("Stance"), initial=Stance.NEUTRAL)


class RelationshipChangeForm(forms.Form):
    """Log how well one of our people now knows a contact; the service requires the note."""

    user = UserChoiceField(queryset=User.objects.none(), label=_("Our person"))
    level = forms.TypedChoiceField(
        choices=[(level, f"CR{level}") for level in range(1, 6)], coerce=int, label=_("Relationship level")
    )
    # Not required here: the service refuses an empty note with its own message, the one rule for all callers.
    note = forms.CharField(
        required=False,
        max_length=SHORT_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Why it changed"),
    )

    def __init__(self, *args: Any, people: list[User], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["user"]).queryset = User.objects.filter(
            pk__in=[p.pk for p in people]
        ).order_by("username")
