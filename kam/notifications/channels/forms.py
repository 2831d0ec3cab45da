"""A team's group robot as a form. It parses; the rules stay in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kam.core.forms import HiddenErrorsShown
from kam.notifications.channels.selectors import LogFilter
from kam.notifications.channels.services import ROBOT_KINDS, SECRET_MAX, URL_MAX
from kam.notifications.models import Channel, DeliveryStatus, NotificationKind, RobotService


class TeamChannelForm(HiddenErrorsShown):
    team = forms.TypedChoiceField(label=_("Team"), coerce=int)
    service = forms.ChoiceField(label=_("Service"), choices=RobotService.choices)
    webhook_url = forms.CharField(
        label=_("Webhook address"),
        max_length=URL_MAX,
        help_text=_("The robot's address from the group's settings (it holds the robot's key)."),
        widget=forms.URLInput(attrs={"size": 70, "autocomplete": "off"}),
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        max_length=SECRET_MAX,
        required=False,
        help_text=_(
            "DingTalk and Feishu: the secret of the robot's signature check (加签). WeCom needs none."
        ),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}, render_value=False),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Reminders posted"),
        choices=[(kind, NotificationKind(kind).label) for kind in ROBOT_KINDS],
        widget=forms.CheckboxSelectMultiple,
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(
        self, *args: Any, teams: list[tuple[int, str]], editing: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        team_field = self.fields["team"]
        assert isinstance(team_field, forms.TypedChoiceField)
        team_field.choices = teams
        if editing:
            # The team of a robot does not change (its kinds and people are that team's).
            del self.fields["team"]
            self.fields["secret"].help_text = _("Leave empty to keep the stored secret.")


class LogFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *DeliveryStatus.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("Any channel")), *[c for c in Channel.choices if c[0] != Channel.INBOX]],
    )

    def filters(self) -> LogFilter:
        """The valid filters; one that does not parse is dropped, the others still apply."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return LogFilter(status=data.get("status", ""), channel=data.get("channel", ""))
