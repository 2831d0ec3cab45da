"""The pool page (公海): the pool list with its filters, the claim, the owner's customers about to
return, the return requests a manager decides, and the top bar's count. Thin: parse, call, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kam.access.visibility import get_visible_customer, get_visible_pool_customer
from kam.core.web import current_user
from kam.customers.pool import selectors, services
from kam.customers.pool.duplicates import DuplicatesFound
from kam.customers.pool.forms import ClaimForm, DecisionForm, PoolFilterForm


@login_required
@require_GET
def pool_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = selectors.PoolFilters.parse(request.GET)
    page = Paginator(selectors.pool_rows(filters), selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "nav": "pool",
        "page": page,
        "filters": filters,
        "filter_query": query.urlencode(),
        "allowance": selectors.allowance(user),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, "customers/pool/page.html#table", context)
    context.update(
        filter_form=PoolFilterForm(request.GET or None, choices=selectors.pool_choices()),
        about_to_return=selectors.about_to_return(user),
        requests=list(selectors.pending_requests(user)),
        rules=list(selectors.rules()),
    )
    return render(request, "customers/pool/page.html", context)


@login_required
@require_GET
def pool_badge(request: HttpRequest) -> HttpResponse:
    """The top bar's count of the user's customers about to return (loaded by htmx after the page,
    so no other page pays for it)."""
    count = len(selectors.about_to_return(current_user(request)))
    return render(request, "customers/pool/badge.html", {"count": count})


@login_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    customer = get_visible_pool_customer(user, pk)
    form = ClaimForm(request.POST)
    confirmed = form.is_valid() and form.cleaned_data["confirm_duplicates"]
    try:
        services.claim_customer(customer, by=user, confirm_duplicates=confirmed)
    except DuplicatesFound as error:
        return render(
            request,
            "customers/pool/claim.html",
            {"nav": "pool", "customer": customer, "matches": error.matches, "form": ClaimForm()},
            status=409,
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        return redirect("customers:pool")
    messages.success(request, _("%(name)s is yours now.") % {"name": customer})
    return redirect("customers:detail", pk=customer.pk)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or reject."))
        return redirect("customers:pool")
    decide_with = (
        services.approve_return if form.cleaned_data["decision"] == "approve" else services.reject_return
    )
    try:
        decide_with(customer, by=user, note=form.cleaned_data["note"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Decision on %(name)s saved.") % {"name": customer})
    return redirect("customers:pool")
