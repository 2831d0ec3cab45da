"""Pages of the inbox: the list (read/unread and kind filters, pages), opening a notification
(marks it read and goes to its record), marking read, the bell in the top bar and the preferences
per kind and channel."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kam.core.web import current_user
from kam.notifications import selectors, services
from kam.notifications.models import Channel, Notification, NotificationKind
from kam.notifications.texts import title_for_reader

PAGE_SIZE = 30


def _with_titles(notifications: list[Notification]) -> list[Notification]:
    """Each notification's title in the reader's language, from its params."""
    for n in notifications:
        n.display_title = title_for_reader(n.kind, n.params, n.title, n.title_en)  # type: ignore[attr-defined]
    return notifications


def _back(request: HttpRequest) -> HttpResponse:
    """Back to the list as it was filtered (only a path of this site), else the plain list."""
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    state = request.GET.get("state") or selectors.ALL
    state = state if state in selectors.STATES else selectors.ALL
    kind = request.GET.get("kind") or ""
    kind = kind if kind in NotificationKind.values else ""
    page = Paginator(selectors.inbox(user, state=state, kind=kind), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = {k: v for k, v in (("state", state if state != selectors.ALL else ""), ("kind", kind)) if v}
    context: dict[str, Any] = {
        "nav": "notifications",
        "page": page,
        "notifications": _with_titles(list(page.object_list)),
        "state": state,
        "kind": kind,
        "states": [
            (selectors.ALL, _("All")),
            (selectors.UNREAD, _("Unread")),
            (selectors.READ, pgettext("notifications", "Read")),
        ],
        "kinds": NotificationKind.choices,
        "base_query": urlencode(query),
        "here": request.get_full_path(),
        "unread": selectors.unread_count(user),
    }
    return render(request, "notifications/inbox.html", context)


@login_required
@require_GET
def open_notification(request: HttpRequest, pk: int) -> HttpResponse:
    """Follow a notification to its record, marking it read on the way."""
    user = current_user(request)
    notification = selectors.get_own_notification(user, pk)
    services.mark_read(user, notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:inbox")


@login_required
@require_POST
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    services.mark_read(user, selectors.get_own_notification(user, pk))
    return _back(request)


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(current_user(request))
    if count:
        messages.success(request, _("All notifications marked read."))
    return _back(request)


@login_required
@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    """The bell in the top bar, with the unread count (loaded by htmx after the page)."""
    return render(
        request,
        "notifications/badge.html",
        {"count": selectors.unread_count(current_user(request)), "inbox_url": reverse("notifications:inbox")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """Per kind × channel checkboxes; an unticked box is a channel turned off for that kind."""
    user = current_user(request)
    if request.method == "POST":
        choices = {
            (kind, channel): f"{kind}__{channel}" in request.POST
            for kind in NotificationKind.values
            for channel in Channel.values
        }
        services.set_preferences(user, choices)
        messages.success(request, _("Your notification preferences are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {
            "nav": "notifications",
            "rows": selectors.preferences(user),
            "channels": Channel.choices,
        },
    )
