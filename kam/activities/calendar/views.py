"""The calendar feed's settings section (create, show the address once, revoke) and the feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kam.activities.calendar import feed, services
from kam.activities.models import CalendarFeed
from kam.core.web import current_user


@login_required
@require_http_methods(["GET", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    address = None
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            if services.revoke_feed(by=user):
                messages.success(request, _("The calendar feed is revoked: its address no longer works."))
            return redirect("calendar:settings")
        raw = services.create_feed(by=user)
        # Shown on this answer only: the secret is not kept.
        address = request.build_absolute_uri(reverse("calendar:feed", args=[raw]))
    context = {
        "nav": "activities",
        "current": CalendarFeed.objects.filter(user=user).first(),
        "address": address,
        "days_back": feed.DAYS_BACK,
    }
    return render(request, "activities/calendar.html", context)


@require_GET
def ics_feed(request: HttpRequest, token: str) -> HttpResponse:
    """No session: the secret in the address is the credential (calendar apps send no cookie)."""
    found = feed.feed_for(token)
    if found is None:
        raise Http404
    CalendarFeed.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
    response = HttpResponse(feed.ics(found), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="kam.ics"'
    response["Cache-Control"] = "private, no-store"
    return response
