"""Pages of the rolling cycle: the reviews due, a plan's reviews (the panel the plan page loads and
its printable page) with the form to record one, the collective review, the year's planning cycle,
the owner's reminder badge, and the manager's portfolio of key and important accounts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kam.access import permissions
from kam.access.visibility import get_visible_account_plan
from kam.core.errors import ConflictError
from kam.core.forms import apply_validation_error
from kam.core.web import current_user
from kam.customers.models import Segment
from kam.org.visibility import visible_teams, visible_users
from kam.planning.accountplans.models import AccountPlan, PlanStatus
from kam.planning.accountplans.reviews import portfolio as portfolios
from kam.planning.accountplans.reviews import selectors, services
from kam.planning.accountplans.reviews.export import XLSX, portfolio_workbook
from kam.planning.accountplans.reviews.forms import (
    CollectiveForm,
    CycleForm,
    DueFilterForm,
    PortfolioFilterForm,
    ReviewForm,
)

NAV = "accountplans"
PAGE_SIZE = 25


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _query(request: HttpRequest, *drop: str) -> str:
    query = request.GET.copy()
    for name in ("page", *drop):
        query.pop(name, None)
    return query.urlencode()


# Reviews due -------------------------------------------------------------------------------------


@login_required
@require_GET
def due(request: HttpRequest) -> HttpResponse:
    """The active plans whose review is due within their segment's reminder window, or overdue."""
    user = current_user(request)
    today = timezone.localdate()
    form = DueFilterForm(request.GET, owners=visible_users(user).order_by("name", "username"))
    filters = form.filters()
    days = selectors.remind_days()
    qs = selectors.reviews_due(user, today=today, days=days, **filters)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # The segment tabs count under the other filters.
    unfiltered = selectors.reviews_due(
        user,
        today=today,
        days=days,
        mine=filters["mine"],
        owner=filters["owner"],
        overdue_only=filters["overdue_only"],
    )
    counts = selectors.due_counts_by_segment(unfiltered)
    segments = [
        {
            "value": value,
            "label": label,
            "count": counts.get(value, 0),
            "current": filters["segment"] == value,
            "remind": days[value],
        }
        for value, label in Segment.choices
    ]
    context = {
        "nav": NAV,
        "form": form,
        "filters": filters,
        "page": page,
        "rows": selectors.due_rows(list(page.object_list), today),
        "segments": segments,
        "total": sum(counts.values()),
        "today": today,
        "query": _query(request),
        "segment_query": _query(request, "segment"),
        "collective": selectors.collective_segments(),
    }
    return render(request, "planning/accountplans/reviews/due.html", context)


@login_required
@require_GET
def badge(request: HttpRequest) -> HttpResponse:
    """The owner's reminder in the top bar: a link to their reviews due, shown only when some are."""
    count = selectors.reminder_count(current_user(request))
    return render(request, "planning/accountplans/reviews/badge.html", {"count": count})


# A plan's reviews --------------------------------------------------------------------------------


def _panel_context(
    request: HttpRequest, plan: AccountPlan, form: ReviewForm | None = None, **state: Any
) -> dict:
    user = current_user(request)
    today = timezone.localdate()
    if form is None and plan.status == PlanStatus.ACTIVE:
        form = ReviewForm(
            participants=selectors.participant_candidates(user, plan),
            initial={"version": plan.version},
            auto_id=f"id_review{plan.pk}_%s",
        )
    days = (plan.next_review_due - today).days if plan.next_review_due else None
    remind = selectors.remind_days().get(plan.customer.segment, selectors.DEFAULT_REMIND_DAYS)
    return {
        "nav": NAV,
        "plan": plan,
        "reviews": selectors.plan_reviews(plan),
        "form": form,
        "days": days,
        "overdue": days is not None and days < 0,
        "days_overdue": -days if days is not None and days < 0 else 0,
        "due_soon": days is not None and 0 <= days <= remind,
        "record_url": reverse("planning_reviews:record", kwargs={"pk": plan.pk}),
        "plan_url": reverse("planning_reviews:plan", kwargs={"pk": plan.pk}),
        "plan_detail_url": plan.get_absolute_url(),
        **state,
    }


def _show_panel(request: HttpRequest, plan: AccountPlan, *, status: int = 200, **state: Any) -> HttpResponse:
    context = _panel_context(request, plan, **state)
    if _is_htmx(request):
        # htmx swaps only successful answers: a refused form comes back as 200 with its messages.
        return render(request, "planning/accountplans/reviews/plan.html#panel", context)
    return render(request, "planning/accountplans/reviews/plan.html", context, status=status)


@login_required
@require_GET
def panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The reviews section the plan page loads through htmx (opened as a link: the reviews page)."""
    plan = get_visible_account_plan(current_user(request), pk)
    if not _is_htmx(request):
        return redirect("planning_reviews:plan", pk=plan.pk)
    return _show_panel(request, plan)


@login_required
@require_GET
def plan_page(request: HttpRequest, pk: int) -> HttpResponse:
    """A plan's reviews as a page of its own: printable, and the form without JavaScript."""
    plan = get_visible_account_plan(current_user(request), pk)
    return render(request, "planning/accountplans/reviews/plan.html", _panel_context(request, plan))


@login_required
@require_POST
def record(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    plan = get_visible_account_plan(user, pk)
    form = ReviewForm(
        request.POST,
        participants=selectors.participant_candidates(user, plan),
        auto_id=f"id_review{plan.pk}_%s",
    )
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            review = services.record_review(
                plan,
                by=user,
                held_on=data["held_on"],
                conclusions=data["conclusions"],
                changes=data["changes"],
                kind=data["kind"],
                participants=data["participants"],
                version=data["version"],
            )
        except ConflictError as error:
            form.add_error(None, str(error))
            status = 409
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            plan.refresh_from_db()
            notice = _("Review of %(date)s recorded: the next one is due on %(due)s.") % {
                "date": review.held_on.isoformat(),
                "due": review.next_due.isoformat() if review.next_due else "—",
            }
            if _is_htmx(request):
                return _show_panel(request, plan, notice=notice, focus_review=review.pk)
            messages.success(request, notice)
            return redirect(reverse("planning_reviews:plan", kwargs={"pk": plan.pk}) + f"#review-{review.pk}")
    return _show_panel(request, plan, status=status, form=form)


# The collective review ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def collective(request: HttpRequest) -> HttpResponse:
    """One review for several plans of a segment reviewed together (the seeded: general accounts)."""
    user = current_user(request)
    cadences = selectors.collective_segments()
    segment = request.GET.get("segment") or request.POST.get("segment") or ""
    chosen_cadence = next((c for c in cadences if c.segment == segment), cadences[0] if cadences else None)
    plans = list(selectors.collective_plans(user, chosen_cadence.segment)) if chosen_cadence else []
    status = 200
    if request.method == "POST" and chosen_cadence:
        form = CollectiveForm(request.POST, plans=plans)
        status = 400
        if form.is_valid():
            try:
                reviews = services.record_collective_review(
                    form.chosen(),
                    by=user,
                    held_on=form.cleaned_data["held_on"],
                    conclusions=form.cleaned_data["conclusions"],
                    changes=form.cleaned_data["changes"],
                    own_conclusions=form.own_conclusions(),
                    versions=form.versions(),
                )
            except ConflictError as error:
                form.add_error(None, str(error))
                status = 409
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(
                    request,
                    _("Collective review recorded for %(count)d plans.") % {"count": len(reviews)},
                )
                return redirect(f"{reverse('planning_reviews:collective')}?segment={chosen_cadence.segment}")
    else:
        form = CollectiveForm(plans=plans, initial={})
    context = {
        "nav": NAV,
        "cadences": cadences,
        "cadence": chosen_cadence,
        "form": form,
        "plans": plans,
        "today": timezone.localdate(),
    }
    return render(request, "planning/accountplans/reviews/collective.html", context, status=status)


# The planning cycle ------------------------------------------------------------------------------


def _year(request: HttpRequest, today: dt.date) -> int:
    value = request.GET.get("year") or request.POST.get("year") or ""
    year = int(value) if value.isdecimal() and len(value) == 4 else today.year
    return year if 2000 <= year <= 2100 else today.year


@login_required
@require_http_methods(["GET", "POST"])
def cycle(request: HttpRequest) -> HttpResponse:
    """The year's timetable (preparation, drafting, review, implementation) with today's phase;
    directors and administrators set it, everyone reads it."""
    user = current_user(request)
    today = timezone.localdate()
    year = _year(request, today)
    current = selectors.cycle_for(year)
    may_edit = permissions.may_edit_planning_cycle(user)
    status = 200
    form: CycleForm | None = None
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied(_("Only directors and administrators set the planning cycle."))
        form = CycleForm(request.POST, auto_id="id_cycle_%s")
        status = 400
        if form.is_valid():
            try:
                services.set_cycle(year, by=user, version=form.cleaned_data["version"], **form.values())
            except ConflictError as error:
                form.add_error(None, str(error))
                status = 409
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, _("The %(year)d planning cycle is saved.") % {"year": year})
                return redirect(f"{reverse('planning_reviews:cycle')}?year={year}")
    elif may_edit:
        initial: dict[str, Any] = {}
        if current is not None:
            initial = {name: getattr(current, name) for name in (*services.CYCLE_DATES, "expectations")}
            initial["version"] = current.version
        form = CycleForm(initial=initial, auto_id="id_cycle_%s")
    context = {
        "nav": NAV,
        "year": year,
        "cycle": current,
        "phases": selectors.timetable(current, today) if current else [],
        "phase": services.current_phase(current, today) if current else None,
        "phase_label": services.Phase.LABELS[services.current_phase(current, today)] if current else None,
        "drafting_weeks": selectors.drafting_weeks(current) if current else None,
        "may_edit": may_edit,
        "form": form,
        "years": [year - 1, year + 1],
        "today": today,
    }
    return render(request, "planning/accountplans/reviews/cycle.html", context, status=status)


# The portfolio -----------------------------------------------------------------------------------


@login_required
@require_GET
def portfolio(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    today = timezone.localdate()
    year = _year(request, today)
    form = PortfolioFilterForm(
        request.GET, teams=visible_teams(user), owners=visible_users(user).order_by("name", "username")
    )
    sort = request.GET.get("sort", "name")
    sort = sort if sort in portfolios.SORTS else "name"
    descending = request.GET.get("dir") == "desc"
    data = portfolios.portfolio(
        user, year=year, today=today, sort=sort, descending=descending, **form.filters()
    )
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(portfolio_workbook(data), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="account-plan-portfolio-{year}.xlsx"'
        return response
    context = {
        "nav": NAV,
        "data": data,
        "form": form,
        "year": year,
        "sort": sort,
        "descending": descending,
        "sort_query": _query(request, "sort", "dir", "format"),
        "export_query": _query(request, "format"),
        "sorts": [
            ("name", _("Customer")),
            ("owner", _("Owner")),
            ("status", _("Plan")),
            ("due", _("Next review")),
            ("off_track", _("Goals off track")),
        ],
    }
    return render(request, "planning/accountplans/reviews/portfolio.html", context)
