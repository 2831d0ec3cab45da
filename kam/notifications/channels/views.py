"""A manager's group robots (list, add, edit, remove, send a test message) and the delivery log.
Thin: parse, call kam.notifications.channels.services or selectors, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kam.access import permissions
from kam.access.visibility import get_visible_team_channel
from kam.core.errors import ConflictError
from kam.core.forms import apply_validation_error
from kam.core.web import current_user
from kam.notifications.channels import selectors, services, webhooks
from kam.notifications.channels.forms import LogFilterForm, TeamChannelForm
from kam.notifications.models import NotificationKind, TeamChannel
from kam.org.models import User

LOG_PAGE_SIZE = 50


def _require_configurer(user: User) -> None:
    if not permissions.may_configure_team_channels(user):
        raise PermissionDenied(_("Only a manager of the team configures its group robots."))


def _teams(user: User) -> list[tuple[int, str]]:
    return [(team.pk, team.name) for team in selectors.configurable_teams(user)]


@login_required
def channel_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    _require_configurer(user)
    rows = [
        {
            "channel": channel,
            "host": webhooks.host_of(channel.webhook_url),
            "kinds": [
                NotificationKind(kind).label for kind in channel.kinds if kind in NotificationKind.values
            ],
        }
        for channel in selectors.team_channels(user)
    ]
    return render(
        request,
        "notifications/channels/list.html",
        {"nav": "robots", "rows": rows, "can_read_log": permissions.may_view_delivery_log(user)},
    )


def _form_page(
    request: HttpRequest, form: TeamChannelForm, channel: TeamChannel | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "notifications/channels/form.html",
        {"nav": "robots", "form": form, "channel": channel},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def channel_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    _require_configurer(user)
    teams = _teams(user)
    initial = {"kinds": [NotificationKind.APPROVAL_WAITING, NotificationKind.DEAL_FLAGGED], "is_active": True}
    if len(teams) == 1:
        initial["team"] = teams[0][0]
    form = TeamChannelForm(request.POST or None, teams=teams, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        team = next(t for t in selectors.configurable_teams(user) if t.pk == data["team"])
        try:
            channel = services.create_team_channel(
                by=user,
                team=team,
                service=data["service"],
                webhook_url=data["webhook_url"],
                secret=data["secret"],
                kinds=data["kinds"],
                is_active=data["is_active"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request, _("Robot added for %(team)s. Send a test message to check it.") % {"team": team.name}
            )
            return redirect(f"{_list_url()}#channel-{channel.pk}")
    return _form_page(request, form, None, status=422 if form.errors else 200)


def _list_url() -> str:
    return reverse("notification_channels:list")


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    channel = get_visible_team_channel(user, pk)
    initial: dict[str, Any] = {
        "service": channel.service,
        "webhook_url": channel.webhook_url,
        "kinds": channel.kinds,
        "is_active": channel.is_active,
        "version": channel.version,
    }
    form = TeamChannelForm(request.POST or None, teams=_teams(user), editing=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_team_channel(
                channel,
                by=user,
                version=data["version"],
                service=data["service"],
                webhook_url=data["webhook_url"],
                secret=data["secret"],
                keep_secret=True,
                kinds=data["kinds"],
                is_active=data["is_active"],
            )
        except ConflictError:
            form.add_error(
                None, _("Someone else changed this robot meanwhile: reload it and apply your change again.")
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Robot saved."))
            return redirect(f"{_list_url()}#channel-{channel.pk}")
    return _form_page(request, form, channel, status=422 if form.errors else 200)


@login_required
@require_POST
def channel_delete(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    channel = get_visible_team_channel(user, pk)
    services.delete_team_channel(channel, by=user)
    messages.success(request, _("Robot removed; its sends stay in the delivery log."))
    return redirect(_list_url())


@login_required
@require_POST
def channel_test(request: HttpRequest, pk: int) -> HttpResponse:
    """Post a test message now and show the robot's answer (inline for htmx, else as a message)."""
    user = current_user(request)
    channel = get_visible_team_channel(user, pk)
    delivery = services.send_test(channel, by=user)
    if request.headers.get("HX-Request"):
        return render(request, "notifications/channels/test_result.html", {"delivery": delivery})
    if delivery.last_error:
        messages.error(
            request, _("The test message was not accepted: %(error)s") % {"error": delivery.last_error}
        )
    else:
        messages.success(request, _("Test message sent: look for it in the group."))
    return redirect(f"{_list_url()}#channel-{channel.pk}")


@login_required
def delivery_log(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if not permissions.may_view_delivery_log(user):
        raise PermissionDenied(_("The delivery log is for managers."))
    form = LogFilterForm(request.GET)
    filters = form.filters()
    page = Paginator(selectors.delivery_log(user, filters), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    base_query = urlencode({k: v for k, v in (("status", filters.status), ("channel", filters.channel)) if v})
    return render(
        request,
        "notifications/channels/log.html",
        {
            "nav": "robots",
            "form": form,
            "page": page,
            "rows": list(page.object_list),
            "base_query": base_query,
        },
    )
