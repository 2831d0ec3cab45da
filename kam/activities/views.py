"""Activity pages: the list, one activity with its history, the log form, edit, delete, my week, and
the panel the opportunity, contact and decision-chain pages load through htmx."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kam.access.visibility import (
    get_visible_activity,
    get_visible_contact,
    get_visible_customer,
    get_visible_opportunity,
)
from kam.activities import selectors, services
from kam.activities.forms import ActivityFilterForm, ActivityForm, CustomerChoiceForm, apply_validation_error
from kam.activities.models import ActivityStatus
from kam.core.errors import ConflictError
from kam.core.ids import parse_id
from kam.core.web import current_user


def _next_url(request: HttpRequest) -> str | None:
    """Where to go after the form (the page it was opened from): a local address only."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


# The list ---------------------------------------------------------------------------------------


def filter_form(request: HttpRequest) -> ActivityFilterForm:
    return ActivityFilterForm(request.GET or None, by=current_user(request))


@login_required
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    form = filter_form(request)
    filters = form.filters()
    qs = selectors.with_people(selectors.filtered(current_user(request), filters))
    page = Paginator(qs, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    sortless = query.copy()
    sortless.pop("sort", None)
    context = {
        "nav": "activities",
        "form": form,
        "page": page,
        "rows": list(page.object_list),
        "filter_query": query.urlencode(),
        "sortless_query": sortless.urlencode(),
        "sort": filters.sort,
        "sort_columns": [
            ("start", _("Start")),
            ("customer", _("Customer")),
            ("kind", _("Kind")),
            ("owner", _("Owner")),
            ("status", _("Status")),
        ],
    }
    return render(request, "activities/list.html", context)


# One activity -----------------------------------------------------------------------------------


@login_required
@require_GET
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_visible_activity(current_user(request), pk)
    context = {
        "nav": "activities",
        "activity": activity,
        "contacts": list(activity.contacts.order_by("name", "id")),
        "people": list(activity.our_people.order_by("username", "id")),
        "history": selectors.history_rows(activity),
    }
    return render(request, "activities/detail.html", context)


def _form_context(request: HttpRequest, form: ActivityForm, **extra: Any) -> dict[str, Any]:
    return {
        "nav": "activities",
        "form": form,
        "customer": form.customer,
        "next_url": _next_url(request),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def activity_create(request: HttpRequest) -> HttpResponse:
    """Log an activity. Opened from a customer, an opportunity or a contact, those are preset;
    opened from elsewhere, the customer is asked first."""
    user = current_user(request)
    source = request.GET
    opportunity = contact = None
    if request.method == "POST":
        # The form names its customer; the opportunity and contacts it sends are the customer's.
        customer = get_visible_customer(user, parse_id(request.POST.get("customer")))
    elif parse_id(source.get("opportunity")):
        opportunity = get_visible_opportunity(user, parse_id(source.get("opportunity")))
        customer = get_visible_customer(user, opportunity.customer_id)
    elif parse_id(source.get("contact")):
        contact = get_visible_contact(user, parse_id(source.get("contact")))
        customer = get_visible_customer(user, contact.customer_id)
    elif parse_id(source.get("customer")):
        customer = get_visible_customer(user, parse_id(source.get("customer")))
    else:
        choice = CustomerChoiceForm(request.GET or None, by=user)
        if choice.is_bound and choice.is_valid():
            query = request.GET.copy()
            query["customer"] = str(choice.cleaned_data["customer"].pk)
            return redirect(f"{reverse('activities:create')}?{query.urlencode()}")
        context = {"nav": "activities", "choice": choice, "next_url": _next_url(request)}
        return render(
            request, "activities/choose_customer.html", context, status=400 if choice.is_bound else 200
        )
    if request.method != "POST":
        form = ActivityForm(by=user, customer=customer)
        if opportunity is not None:
            form.initial["opportunity"] = opportunity.pk
        if contact is not None:
            form.initial["contacts"] = [contact.pk]
        # A suggested action (e.g. an approach path) names its people and summary; the form offers
        # only the customer's contacts, so ids from elsewhere are dropped.
        offered = {choice.contact.pk for choice in form.contact_choices}
        suggested = [pk for pk in map(parse_id, source.getlist("contacts")) if pk in offered]
        if suggested:
            form.initial["contacts"] = suggested
        people = [pk for pk in map(parse_id, source.getlist("our_people")) if pk]
        if people:
            form.initial["our_people"] = people
        if source.get("summary"):
            form.initial["summary"] = source["summary"][:200]
        planned_on = parse_date(request.GET.get("day") or "")
        if planned_on is not None:
            form.initial["status"] = ActivityStatus.PLANNED
            form.initial["start"] = dt.datetime.combine(planned_on, dt.time(9, 0))
        else:
            form.initial["start"] = timezone.localtime().replace(second=0, microsecond=0, tzinfo=None)
        return render(request, "activities/form.html", _form_context(request, form))
    form = ActivityForm(request.POST, by=user, customer=customer)
    if form.is_valid():
        try:
            activity = services.create_activity(
                by=user, customer=customer, level_changes=form.level_changes(), **form.values()
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Activity logged: %(summary)s.") % {"summary": activity.summary})
            return redirect(_next_url(request) or reverse("activities:detail", args=[activity.pk]))
    return render(request, "activities/form.html", _form_context(request, form), status=400)


@login_required
@require_http_methods(["GET", "POST"])
def activity_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    activity = get_visible_activity(user, pk)
    customer = activity.customer
    if request.method != "POST":
        form = ActivityForm(
            by=user, customer=customer, activity=activity, initial=ActivityForm.initial_from(activity)
        )
        return render(request, "activities/form.html", _form_context(request, form, activity=activity))
    form = ActivityForm(request.POST, by=user, customer=customer, activity=activity)
    status = 400
    if form.is_valid():
        try:
            services.update_activity(
                activity,
                by=user,
                version=form.cleaned_data["version"],
                level_changes=form.level_changes(),
                **form.values(),
            )
        except ConflictError as error:
            form.add_error(None, str(error))
            status = 409
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Activity saved: %(summary)s.") % {"summary": activity.summary})
            return redirect(_next_url(request) or reverse("activities:detail", args=[activity.pk]))
    return render(
        request, "activities/form.html", _form_context(request, form, activity=activity), status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: confirm; POST: delete through the service (the history stays)."""
    user = current_user(request)
    activity = get_visible_activity(user, pk)
    if request.method == "POST":
        customer_id = activity.customer_id
        services.delete_activity(activity, by=user)
        messages.success(request, _("Activity deleted: %(summary)s.") % {"summary": activity.summary})
        return redirect(_next_url(request) or f"{reverse('activities:list')}?customer={customer_id}")
    context = {"nav": "activities", "activity": activity, "next_url": _next_url(request)}
    return render(request, "activities/confirm_delete.html", context)


@login_required
@require_POST
def mark_done(request: HttpRequest, pk: int) -> HttpResponse:
    """My week's quick "mark done": a planned activity becomes done as it stands."""
    user = current_user(request)
    activity = get_visible_activity(user, pk)
    try:
        services.update_activity(
            activity, by=user, version=parse_id(request.POST.get("version")) or 0, status=ActivityStatus.DONE
        )
    except ConflictError as error:
        messages.error(request, str(error))
    except ValidationError as error:
        messages.error(request, " ".join(m for ms in error.message_dict.values() for m in ms))
    else:
        messages.success(request, _("Marked done: %(summary)s.") % {"summary": activity.summary})
    return redirect(_next_url(request) or reverse("activities:week"))


# My week ----------------------------------------------------------------------------------------


@login_required
@require_GET
def my_week(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    chosen = parse_date(request.GET.get("week") or "") or timezone.localdate()
    monday = selectors.week_start(chosen)
    rows = selectors.week(user, monday)
    days = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        days.append({"day": day, "rows": [a for a in rows if timezone.localdate(a.start) == day]})
    context = {
        "nav": "week",
        "monday": monday,
        "sunday": monday + dt.timedelta(days=6),
        "previous": monday - dt.timedelta(days=7),
        "following": monday + dt.timedelta(days=7),
        "days": days,
        "today": timezone.localdate(),
        "planned": sum(1 for a in rows if a.status == ActivityStatus.PLANNED),
        "done": sum(1 for a in rows if a.status == ActivityStatus.DONE),
        "hours": sum((a.hours for a in rows if a.status == ActivityStatus.DONE), start=0),
        "here": request.get_full_path(),
    }
    return render(request, "activities/week.html", context)


# The panel on other records' pages --------------------------------------------------------------


@login_required
@require_GET
def panel(request: HttpRequest) -> HttpResponse:
    """The latest activities of a customer, opportunity or contact, for its page to load (htmx)."""
    user = current_user(request)
    params: dict[str, Any] = {}
    if parse_id(request.GET.get("opportunity")):
        params["opportunity"] = get_visible_opportunity(user, parse_id(request.GET.get("opportunity")))
    elif parse_id(request.GET.get("contact")):
        params["contact"] = get_visible_contact(user, parse_id(request.GET.get("contact")))
    elif parse_id(request.GET.get("customer")):
        params["customer"] = get_visible_customer(user, parse_id(request.GET.get("customer")))
    else:
        raise Http404(_("Say whose activities to show."))
    key, subject = next(iter(params.items()))
    context = {
        **selectors.panel(user, **params),
        "key": key,
        "subject": subject,
        "next_url": _next_url(request) or "",
    }
    return render(request, "activities/_panel.html", context)
