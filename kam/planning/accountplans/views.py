"""The account plan pages: the list of the plans a user may see, a new plan, one plan with every
section of §9 (edited section by section while a draft), its team, shares, five-year forecast,
approval, revisions and history, and the customer 360° page's panel.

A section's edit form opens in place through htmx (or as a page of its own without JavaScript);
every write posts a form and comes back to the plan page, so each form on it carries the plan's
current version. A form from a plan changed since it was read is refused with a 409 page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kam.access import permissions
from kam.access.visibility import get_visible_account_plan, get_visible_customer
from kam.core.errors import ConflictError, RuleViolation
from kam.core.forms import apply_validation_error, labelled_errors
from kam.core.web import current_user
from kam.customers.models import Segment
from kam.planning.accountplans import selectors, services
from kam.planning.accountplans.forms import (
    SECTIONS,
    ForecastForm,
    MemberEditForm,
    MemberForm,
    PlanCreateForm,
    ShareForm,
    VersionForm,
    section,
    section_form_class,
)
from kam.planning.accountplans.models import (
    AccountPlan,
    MemberRole,
    PlanForecastYear,
    PlanMember,
    PlanShare,
    PlanStatus,
)

PAGE_SIZE = 25
# The forms the page shows once, so a refused one comes back in place with its messages.
ADD_FORMS = ("member_form", "share_form", "forecast_form")
DETAIL = "planning/accountplans/detail.html"


def _is_htmx(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.history_restore_request  # type: ignore[union-attr]


def _plan(request: HttpRequest, pk: int) -> AccountPlan:
    return get_visible_account_plan(current_user(request), pk)


# The list ----------------------------------------------------------------------------------------


@login_required
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = selectors.PlanFilters.parse(request.GET)
    page = Paginator(selectors.plans(user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = filters.as_query()
    context = {
        "nav": "accountplans",
        "page": page,
        "plans": list(page.object_list),
        "filters": filters,
        "query": query,
        "has_filters": bool(query),
        "base_query": urlencode({**query, "sort": filters.sort}),
        "statuses": PlanStatus.choices,
        "segments": Segment.choices,
        "owners": selectors.owner_choices(user),
        "years": selectors.year_choices(user),
        "sort_links": _sort_links(request, filters),
        "create_form": PlanCreateForm(user=user),
    }
    return render(request, "planning/accountplans/list.html", context)


def _sort_links(request: HttpRequest, filters: selectors.PlanFilters) -> dict[str, dict[str, str]]:
    """Per column: the link that sorts by it (ascending, or descending when already ascending)."""
    links = {}
    for column in ("customer", "year", "status", "owner", "review"):
        current = filters.sort.lstrip("-") == column
        descending = filters.sort.startswith("-")
        target = f"-{column}" if current and not descending else column
        params = request.GET.copy()
        params["sort"] = target
        params.pop("page", None)
        links[column] = {
            "url": "?" + params.urlencode(),
            "state": ("descending" if descending else "ascending") if current else "none",
        }
    return links


# A new plan --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def plan_create(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if request.method == "POST":
        form = PlanCreateForm(request.POST, user=user)
        if form.is_valid():
            customer = form.cleaned_data["customer"]
            if not permissions.may_create_account_plan(user, customer):
                form.add_error("customer", _("Claim the customer from the public pool before planning it."))
            else:
                try:
                    plan = services.create_plan(customer=customer, year=form.cleaned_data["year"], by=user)
                except ValidationError as error:
                    apply_validation_error(form, error)
                else:
                    messages.success(request, _("Account plan created: %(plan)s.") % {"plan": plan})
                    return redirect(plan.get_absolute_url())
        status = 400
    else:
        initial: dict[str, Any] = {}
        customer_id = request.GET.get("customer", "")
        if customer_id.isdecimal() and len(customer_id) <= 18:
            initial["customer"] = get_visible_customer(user, int(customer_id))
        form = PlanCreateForm(user=user, initial=initial)
        status = 200
    return render(
        request, "planning/accountplans/create.html", {"nav": "accountplans", "form": form}, status=status
    )


# One plan ----------------------------------------------------------------------------------------


def _sections(plan: AccountPlan) -> list[dict[str, Any]]:
    rows = []
    for key, title, names in SECTIONS:
        fields = []
        for name in names:
            field = AccountPlan._meta.get_field(name)
            value = getattr(plan, name)
            kind = field.get_internal_type()
            if name == "covers_group":
                value = _("yes") if value else _("no")
            fields.append(
                {
                    "name": name,
                    "label": getattr(field, "verbose_name", name),
                    "value": value,
                    "money": kind == "DecimalField" and name != "target_share",
                    "text": kind == "TextField",
                }
            )
        rows.append({"key": key, "title": title, "fields": fields})
    return rows


def _change_label(name: str) -> str:
    """A history key as people read it: a plan field, a share's or member's field, or a forecast
    cell (`revenue 2028`)."""
    field, _space, year = name.partition(" ")
    for model in (AccountPlan, PlanShare, PlanMember, PlanForecastYear):
        try:
            label = str(getattr(model._meta.get_field(field), "verbose_name", field))
        except FieldDoesNotExist:
            continue
        return f"{label} {year}".strip()
    return name


def _history(plan: AccountPlan) -> list[dict[str, Any]]:
    """The history lines, each edit's fields named as people read them ({field: [old, new]})."""
    rows = []
    for change in selectors.history(plan):
        pairs = []
        if change.action == "edited" and isinstance(change.changes, dict):
            for name, pair in change.changes.items():
                # The team's lines say who joined or left in their summary already.
                if name == "member" or not isinstance(pair, list) or len(pair) != 2 or pair == [None, None]:
                    continue
                label = _change_label(name)
                pairs.append({"label": label, "old": pair[0], "new": pair[1]})
        rows.append({"change": change, "pairs": pairs})
    return rows


def _context(request: HttpRequest, plan: AccountPlan, **state: Any) -> dict[str, Any]:
    user = current_user(request)
    shares = selectors.shares(plan)
    forecast_rows = selectors.forecast(plan)
    request_, decisions = selectors.approval(plan)
    forecast_form = state.pop("forecast_form", None) or ForecastForm(
        years=[row.year for row in forecast_rows],
        initial={
            "version": plan.version,
            **{
                f"{name}_{row.year}": getattr(row, name)
                for row in forecast_rows
                for name in services.FORECAST_FIELDS
            },
        },
    )
    context = {
        "nav": "accountplans",
        "plan": plan,
        "customer": plan.customer,
        "sections": _sections(plan),
        "editable": plan.is_editable,
        "team_editable": plan.status in (PlanStatus.DRAFT, PlanStatus.ACTIVE),
        "members": selectors.members(plan),
        "shares": shares,
        "share_totals": selectors.share_totals(shares),
        "forecast": forecast_rows,
        "forecast_form": forecast_form,
        "member_form": state.pop("member_form", None) or MemberForm(initial={"version": plan.version}),
        "share_form": state.pop("share_form", None) or ShareForm(initial={"version": plan.version}),
        "approval": request_,
        "decisions": decisions,
        "revisions": selectors.revisions(plan),
        "history": _history(plan),
        "missing": [
            (name, services.field_label(name))
            for name in (services.missing_to_submit(plan) if plan.status == PlanStatus.DRAFT else {})
        ],
        "member_roles": MemberRole.choices,
        "may_withdraw": bool(
            plan.status == PlanStatus.SUBMITTED
            and request_ is not None
            and request_.requested_by_id == user.pk
        ),
        # The OGSM page and the reviews panel are other parts of this app: reached by their address.
        "ogsm_url": reverse("planning_ogsm:cascade", kwargs={"pk": plan.pk}),
        "reviews_panel_url": reverse("planning_reviews:panel", kwargs={"pk": plan.pk}),
    }
    context.update(state)
    return context


def _page(request: HttpRequest, plan: AccountPlan, *, status: int = 200, **state: Any) -> HttpResponse:
    return render(request, DETAIL, _context(request, plan, **state), status=status)


def _back(request: HttpRequest, plan: AccountPlan, notice: str, anchor: str = "") -> HttpResponse:
    messages.success(request, notice)
    fragment = f"#{anchor}" if anchor else ""
    if _is_htmx(request):
        # The whole page again: every form on it then carries the plan's new version. The version
        # in the address makes it a new one, so the browser loads it rather than only scrolling.
        response = HttpResponse(status=204)
        response["HX-Redirect"] = f"{plan.get_absolute_url()}?v={plan.version}{fragment}"
        return response
    return redirect(plan.get_absolute_url() + fragment)


def _conflict(request: HttpRequest, plan: AccountPlan, error: Exception) -> HttpResponse:
    plan.refresh_from_db()
    return _page(request, plan, status=409, error=str(error))


@login_required
@require_GET
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _page(request, _plan(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, pk: int, key: str) -> HttpResponse:
    """GET: the section's form (in place through htmx, else a page). POST: save it."""
    user = current_user(request)
    plan = _plan(request, pk)
    found = section(key)
    if found is None:
        raise Http404
    _key, title, names = found
    form_class = section_form_class(names)
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, instance=AccountPlan.objects.get(pk=plan.pk), user=user)
        if form.is_valid():
            changes = {name: form.cleaned_data[name] for name in names}
            try:
                services.update_plan(plan, by=user, version=form.cleaned_data["version"], **changes)
            except ConflictError as error:
                form.add_error(None, str(error))
                status = 409
            except RuleViolation as error:
                form.add_error(None, str(error))
                status = 409
            except ValidationError as error:
                apply_validation_error(form, error)  # type: ignore[arg-type]
                status = 400
            else:
                return _back(request, plan, _("Saved: %(section)s.") % {"section": title}, f"section-{key}")
        else:
            status = 400
    else:
        if not plan.is_editable:
            messages.info(request, _("Only a draft plan's sections are edited."))
            return redirect(plan.get_absolute_url() + f"#section-{key}")
        form = form_class(instance=plan, initial={"version": plan.version}, user=user)
    context = {"plan": plan, "form": form, "key": key, "title": title, "nav": "accountplans"}
    if _is_htmx(request):
        # htmx swaps only successful answers: a refused form comes back as 200 with its messages.
        return render(request, "planning/accountplans/_section_form.html", context)
    return render(request, "planning/accountplans/section_edit.html", context, status=status)


def _version(request: HttpRequest) -> int | None:
    form = VersionForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else None


def _lifecycle(request: HttpRequest, pk: int, write: Any, notice: str) -> HttpResponse:
    user = current_user(request)
    plan = _plan(request, pk)
    version = _version(request)
    if version is None:
        return _page(
            request,
            plan,
            status=400,
            error=_("This page was out of date or incomplete: reload it and try again."),
        )
    try:
        write(plan, by=user, version=version)
    except ConflictError as error:
        return _conflict(request, plan, error)
    except RuleViolation as error:
        return _page(request, plan, status=409, error=str(error))
    except ValidationError as error:
        labels = {n: services.field_label(n) for n in error.message_dict if n != "__all__"}
        lines = [f"{labels.get(n, '')}: {m}".lstrip(": ") for n, ms in error.message_dict.items() for m in ms]
        return _page(request, plan, status=400, error=" ".join(lines))
    return _back(request, plan, notice, "status")


@login_required
@require_POST
def plan_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(request, pk, services.submit_plan, _("Submitted for approval."))


@login_required
@require_POST
def plan_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(request, pk, services.withdraw_plan, _("Withdrawn: the plan is a draft again."))


@login_required
@require_POST
def plan_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _lifecycle(request, pk, services.close_plan, _("The plan is closed."))


# Team, shares, forecast --------------------------------------------------------------------------


def _write(
    request: HttpRequest, plan: AccountPlan, form: Any, write: Any, notice: str, anchor: str, key: str
) -> HttpResponse:
    """Run `write()` for a valid form; errors come back on the form, a stale plan as a 409."""
    status = 400
    if form.is_valid():
        try:
            write()
        except ConflictError as error:
            form.add_error(None, str(error))
            status = 409
        except RuleViolation as error:
            form.add_error(None, str(error))
            status = 409
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return _back(request, plan, notice, anchor)
    if status == 409:
        plan.refresh_from_db()
    if key in ADD_FORMS:
        return _page(request, plan, status=status, **{key: form})
    # A row's own form has no place of its own to show its messages: they go on top of the page.
    return _page(request, plan, status=status, error=" ".join(labelled_errors(form)))


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    plan = _plan(request, pk)
    form = MemberForm(request.POST)

    def write() -> None:
        data = form.cleaned_data
        services.add_member(
            plan,
            by=user,
            version=data["version"],
            user=data["user"],
            role=data["role"],
            responsibility=data["responsibility"],
            time_share=data["time_share"],
        )

    return _write(request, plan, form, write, _("Added to the team."), "team", "member_form")


def _member(plan: AccountPlan, member_id: int) -> PlanMember:
    member = PlanMember.objects.select_related("user").filter(plan=plan, pk=member_id).first()
    if member is None:
        raise Http404
    member.plan = plan
    return member


@login_required
@require_POST
def member_edit(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    user = current_user(request)
    plan = _plan(request, pk)
    member = _member(plan, member_id)
    form = MemberEditForm(request.POST)

    def write() -> None:
        data = form.cleaned_data
        services.update_member(
            member,
            by=user,
            version=data["version"],
            role=data["role"],
            responsibility=data["responsibility"],
            time_share=data["time_share"],
        )

    return _write(request, plan, form, write, _("Team member saved."), "team", "member_edit_form")


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, member_id: int) -> HttpResponse:
    user = current_user(request)
    plan = _plan(request, pk)
    member = _member(plan, member_id)
    form = VersionForm(request.POST)

    def write() -> None:
        services.remove_member(member, by=user, version=form.cleaned_data["version"])

    return _write(request, plan, form, write, _("Removed from the team."), "team", "member_remove_form")


def _share(plan: AccountPlan, share_id: int) -> PlanShare:
    share = PlanShare.objects.filter(plan=plan, pk=share_id).first()
    if share is None:
        raise Http404
    share.plan = plan
    return share


def _share_values(form: ShareForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in services.SHARE_FIELDS}


@login_required
@require_POST
def share_add(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    plan = _plan(request, pk)
    form = ShareForm(request.POST)

    def write() -> None:
        services.add_share(plan, by=user, version=form.cleaned_data["version"], **_share_values(form))

    return _write(request, plan, form, write, _("Share row added."), "shares", "share_form")


@login_required
@require_POST
def share_edit(request: HttpRequest, pk: int, share_id: int) -> HttpResponse:
    user = current_user(request)
    plan = _plan(request, pk)
    share = _share(plan, share_id)
    form = ShareForm(request.POST, instance=PlanShare(plan=plan))

    def write() -> None:
        services.update_share(share, by=user, version=form.cleaned_data["version"], **_share_values(form))

    return _write(request, plan, form, write, _("Share row saved."), "shares", "share_edit_form")


@login_required
@require_POST
def share_remove(request: HttpRequest, pk: int, share_id: int) -> HttpResponse:
    user = current_user(request)
    plan = _plan(request, pk)
    share = _share(plan, share_id)
    form = VersionForm(request.POST)

    def write() -> None:
        services.remove_share(share, by=user, version=form.cleaned_data["version"])

    return _write(request, plan, form, write, _("Share row removed."), "shares", "share_remove_form")


@login_required
@require_POST
def forecast_save(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    plan = _plan(request, pk)
    form = ForecastForm(request.POST, years=[row.year for row in selectors.forecast(plan)])

    def write() -> None:
        services.update_forecast(plan, by=user, version=form.cleaned_data["version"], rows=form.rows())

    return _write(request, plan, form, write, _("Five-year forecast saved."), "forecast", "forecast_form")


# Revisions ---------------------------------------------------------------------------------------


@login_required
@require_GET
def revision_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    plan = _plan(request, pk)
    found = selectors.revision(plan, number)
    if found is None:
        raise Http404
    data = found.snapshot
    labels = {name: services.field_label(name) for name in services.SECTION_FIELDS}
    context = {
        "nav": "accountplans",
        "plan": plan,
        "revision": found,
        "data": data,
        "sections": [
            {"label": labels[name], "value": (data.get("sections") or {}).get(name)}
            for name in services.SECTION_FIELDS
        ],
    }
    return render(request, "planning/accountplans/revision.html", context)


# The customer 360° page's panel ------------------------------------------------------------------


@login_required
@require_GET
def customer_panel(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    if not _is_htmx(request):
        return redirect(reverse("planning_accountplans:list") + f"?customer={customer.pk}")
    context = {
        "customer": customer,
        "plans": [{"plan": p, "state": selectors.state(p)} for p in selectors.customer_plans(user, customer)],
        "may_create": permissions.may_create_account_plan(user, customer),
    }
    return render(request, "planning/accountplans/_customer_panel.html", context)
