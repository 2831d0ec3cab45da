"""The win/loss review page of one closed opportunity (htmx swaps the workspace; without
JavaScript the form posts and the page reloads), and the win/loss page across deals."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from kam.access.visibility import get_visible_opportunity
from kam.core.errors import ConflictError, RuleViolation
from kam.core.ids import parse_page
from kam.core.web import current_user
from kam.opportunities.models import CloseReason, Competitor, Opportunity, OpportunityStatus, SalesProcess
from kam.org.models import Team, User
from kam.org.visibility import visible_teams, visible_users
from kam.planning.winloss import breakdown, excel, selectors, services
from kam.planning.winloss.forms import ReviewForm, apply_validation_error
from kam.planning.winloss.models import WinLossReview


def _htmx(request: HttpRequest) -> bool:
    return bool(request.headers.get("HX-Request"))


def _opportunity(user: User, pk: int) -> Opportunity:
    return get_visible_opportunity(
        user,
        pk,
        queryset=Opportunity.objects.select_related(
            "customer", "owner", "stage", "stage__process", "lost_to", "close_reason_choice"
        ),
    )


def _initial(review: WinLossReview) -> dict[str, Any]:
    initial: dict[str, Any] = {
        name: getattr(review, name)
        for name in (
            "meeting_date",
            "other_participants",
            "decided_by",
            "worked",
            "failed",
            "competitor_did",
            "lessons",
        )
    }
    initial["our_people"] = [p.pk for p in review.our_people.all()]
    initial["causes"] = [c.pk for c in review.causes.all()]
    initial["version"] = review.version
    return initial


def _context(
    opportunity: Opportunity,
    review: WinLossReview | None,
    *,
    form: ReviewForm | None = None,
    editing: bool = False,
) -> dict[str, Any]:
    causes = selectors.linkable_causes(opportunity) if not opportunity.is_open else []
    if form is None and not opportunity.is_open and (review is None or editing):
        people = selectors.participant_choices(opportunity, review)
        if review is None:
            form = ReviewForm(
                people=people,
                causes=causes,
                initial={"meeting_date": timezone.localdate(), "our_people": [opportunity.owner_id]},
            )
        else:
            form = ReviewForm(people=people, causes=causes, editing=True, initial=_initial(review))
    return {
        "opportunity": opportunity,
        "review": review,
        "form": form,
        "editing": editing or (form is not None and review is not None),
        "has_causes": bool(causes),
        "history": selectors.history(opportunity),
        "nav": "pipeline",
    }


def _render(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    """The workspace alone for htmx (always 200: htmx swaps only successful responses), the whole
    page otherwise, with the honest status."""
    if _htmx(request):
        return render(request, "planning/winloss/_workspace.html", context)
    return render(request, "planning/winloss/page.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def opportunity_review(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the review (or its empty state and form; `?edit=1` the edit form). POST: write it, or
    save the edit against the version the form was read at."""
    user = current_user(request)
    opportunity = _opportunity(user, pk)
    review = selectors.review_for(opportunity)
    if request.method != "POST":
        return _render(request, _context(opportunity, review, editing=request.GET.get("edit") == "1"))
    editing = review is not None
    form = ReviewForm(
        request.POST,
        people=selectors.participant_choices(opportunity, review),
        causes=selectors.linkable_causes(opportunity),
        editing=editing,
    )
    status = 400
    if form.is_valid():
        try:
            if review is None:
                services.write_review(opportunity, by=user, **form.values())
            else:
                services.update_review(review, by=user, version=form.cleaned_data["version"], **form.values())
        except ValidationError as error:
            apply_validation_error(form, error)
        except RuleViolation as error:
            form.add_error(None, str(error))
            status = 409
        except ConflictError:
            form.add_error(
                None,
                _(
                    "Someone else changed this review while you were editing it; nothing was saved. "
                    "Reload it and apply your change again."
                ),
            )
            status = 409
        else:
            if not _htmx(request):
                messages.success(request, _("Review saved."))
                return redirect(reverse("planning_winloss:opportunity", kwargs={"pk": opportunity.pk}))
            return _render(request, _context(opportunity, selectors.review_for(opportunity)))
    return _render(request, _context(opportunity, review, form=form, editing=editing), status=status)


# --- across deals -----------------------------------------------------------------------------

DEALS_PAGE_SIZE = 50


def _filter_context(request: HttpRequest, user: User) -> tuple[breakdown.WinLossFilters, dict[str, Any]]:
    filters, errors = breakdown.parse_filters(user, request.GET)
    context = {
        "nav": "winloss",
        "filters": filters,
        "errors": errors,
        "teams": list(visible_teams(user)),
        "owners": list(visible_users(user).order_by("name", "username")),
        "competitors": list(Competitor.objects.order_by("name")),
        "processes": list(SalesProcess.objects.order_by("-is_default", "id")),
        "outcomes": [
            (value, label) for value, label in OpportunityStatus.choices if value in breakdown.OUTCOMES
        ],
        "start_text": request.GET.get("start", "") if "start" in errors else filters.start.isoformat(),
        "end_text": request.GET.get("end", "") if "end" in errors else filters.end.isoformat(),
    }
    return filters, context


def _link(base: str, params: dict[str, str]) -> str:
    return f"{base}?{urlencode(params)}"


@login_required
@require_GET
def analysis(request: HttpRequest) -> HttpResponse:
    """Closed deals of a period by reason, competitor, stage reached, rep and team."""
    user = current_user(request)
    filters, context = _filter_context(request, user)
    if context["errors"]:
        return render(request, "planning/winloss/analysis.html", context, status=400)
    result = breakdown.win_loss(user, filters)
    deals_url = reverse("planning_winloss:deals")
    # Each figure's link: the filters of the page, the group's drill-down and the outcome counted.
    for rows in (
        result.reasons,
        result.competitors,
        result.stages,
        result.reps,
        result.teams,
        [result.total],
    ):
        for row in rows:
            base = {**filters.without_drills(), **{k: str(v) for k, v in row.drill.items()}}
            row.links = {  # type: ignore[attr-defined]
                "all": _link(deals_url, base),
                **{outcome: _link(deals_url, {**base, "outcome": outcome}) for outcome in breakdown.OUTCOMES},
            }
    context.update(
        result=result,
        sections=[
            ("reasons", _("By close reason"), result.reasons),
            ("competitors", _("By competitor"), result.competitors),
            ("stages", _("By stage reached"), result.stages),
            ("reps", _("By rep"), result.reps),
            ("teams", _("By team"), result.teams),
        ],
        deals_url=_link(deals_url, filters.without_drills()),
    )
    return render(request, "planning/winloss/analysis.html", context)


@login_required
@require_GET
def deals(request: HttpRequest) -> HttpResponse:
    """The deals behind a figure: the filters and drill-downs of its link, a page at a time."""
    user = current_user(request)
    filters, context = _filter_context(request, user)
    if context["errors"]:
        return render(request, "planning/winloss/deals.html", context, status=400)
    page_number = parse_page(request.GET.get("page"))
    rows = breakdown.deal_rows(user, filters)
    count = rows.count()
    pages = max(1, -(-count // DEALS_PAGE_SIZE))
    page_number = min(page_number, pages)
    offset = (page_number - 1) * DEALS_PAGE_SIZE
    listed = list(rows[offset : offset + DEALS_PAGE_SIZE]) if count else []
    stages = breakdown.stage_labels(filters)
    outcomes = dict(OpportunityStatus.choices)
    for row in listed:
        row["reason_name"] = breakdown.reason_name(row)
        row["stage_reached"] = stages.get(row["furthest_stage_order"], str(row["furthest_stage_order"]))
        row["outcome"] = outcomes.get(row["status"], row["status"])
        row["owner"] = row["owner__name"] or row["owner__username"]
    query = filters.query()
    base = reverse("planning_winloss:deals")
    context.update(
        rows=listed,
        count=count,
        page=page_number,
        pages=pages,
        previous_url=_link(base, {**query, "page": str(page_number - 1)}) if page_number > 1 else None,
        next_url=_link(base, {**query, "page": str(page_number + 1)}) if page_number < pages else None,
        export_url=_link(reverse("planning_winloss:deals_export"), query),
        analysis_url=_link(reverse("planning_winloss:analysis"), filters.without_drills()),
        drills=_drill_labels(filters),
        hidden=[(key, query[key]) for key in breakdown.DRILLS if key in query],
    )
    return render(request, "planning/winloss/deals.html", context)


def _drill_labels(filters: breakdown.WinLossFilters) -> list[str]:
    """The drill-downs in words, so the list says which figure it is behind."""
    labels = []
    if filters.reason:
        listed = (
            CloseReason.objects.filter(pk=int(filters.reason)).first() if filters.reason != "none" else None
        )
        labels.append(
            _("Reason: %(name)s") % {"name": listed.display_name if listed else _("no reason from the list")}
        )
    if filters.lost_to is not None:
        labels.append(_("Lost to: %(name)s") % {"name": filters.lost_to.name})
    if filters.reached is not None:
        stages = breakdown.stage_labels(filters)
        labels.append(_("Stage reached: %(stage)s") % {"stage": stages.get(filters.reached, filters.reached)})
    if filters.owner_team:
        team = (
            Team.objects.filter(pk=int(filters.owner_team)).first() if filters.owner_team != "none" else None
        )
        labels.append(_("Team: %(name)s") % {"name": team.name if team else _("No team")})
    return labels


@login_required
@require_GET
def deals_export(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters, errors = breakdown.parse_filters(user, request.GET)
    if errors:
        return HttpResponse(" ".join(errors.values()), status=400, content_type="text/plain; charset=utf-8")
    content, filename = excel.deals_xlsx(user, filters)
    response = HttpResponse(content, content_type=excel.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
