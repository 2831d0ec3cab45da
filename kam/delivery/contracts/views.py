"""Contract pages: the list, one contract (status actions, approval, amendments, attachments,
history), the new and edit forms, and the panels the opportunity and customer pages load.

Action forms post through htmx and get the contract's body back; without JavaScript they post
and redirect. A form posted from a stale version gets a 409 with the contract as it stands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from kam.access.visibility import (
    customers_for,
    get_visible_contract,
    get_visible_customer,
    get_visible_opportunity,
)
from kam.core.errors import ConflictError, RuleViolation
from kam.core.ids import parse_id
from kam.core.web import current_user
from kam.delivery.contracts import selectors, services
from kam.delivery.contracts.forms import (
    AmendmentForm,
    AttachmentForm,
    ContractForm,
    NewContractForm,
    StatusForm,
    VersionForm,
)
from kam.delivery.models import Contract, ContractAttachment, ContractStatus
from kam.opportunities.models import Opportunity, OpportunityStatus
from kam.org.models import User

PAGE_SIZE = 25
DETAIL = "delivery/contracts/detail.html"
FORM = "delivery/contracts/form.html"


def _stale_message() -> str:
    return _("Someone changed this contract meanwhile: here it is as it stands now. Apply your change again.")


def _int(value: str | None) -> int | None:
    return parse_id(value) if value else None


# The list ----------------------------------------------------------------------------------------


def _filters(request: HttpRequest) -> selectors.ContractFilters:
    year = request.GET.get("year", "")
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    return selectors.ContractFilters(
        status=request.GET.get("status", "") if request.GET.get("status") in ContractStatus.values else "",
        customer=_int(request.GET.get("customer")),
        owner=_int(request.GET.get("owner")),
        year=int(year) if year.isdecimal() and 1900 < int(year) < 3000 else None,
        q=request.GET.get("q", "")[:100],
        sort=sort if sort in selectors.SORTS else selectors.DEFAULT_SORT,
    )


SORT_COLUMNS = ("number", "title", "customer", "status", "amount", "sign_date")


def _sort_links(filters: selectors.ContractFilters, base: dict[str, Any]) -> dict[str, dict[str, str]]:
    links = {}
    for column in SORT_COLUMNS:
        if filters.sort == column:
            state, target = "ascending", "-" + column
        elif filters.sort == "-" + column:
            state, target = "descending", column
        else:
            state, target = "none", column
        links[column] = {"state": state, "url": "?" + urlencode({**base, "sort": target})}
    return links


@login_required
@require_GET
def contract_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    filters = _filters(request)
    page = Paginator(selectors.contract_list(user, filters), PAGE_SIZE).get_page(request.GET.get("page"))
    base = {
        k: v
        for k, v in {
            "status": filters.status,
            "customer": filters.customer or "",
            "owner": filters.owner or "",
            "year": filters.year or "",
            "q": filters.q,
        }.items()
        if v
    }
    has_filters = bool(base)
    return render(
        request,
        "delivery/contracts/list.html",
        {
            "nav": "contracts",
            "page": page,
            "contracts": list(page.object_list),
            "filters": filters,
            "has_filters": has_filters,
            "customers": selectors.customers_with_contracts(user),
            "statuses": ContractStatus.choices,
            "owners": User.objects.filter(is_active=True)
            .order_by("name", "username")
            .only("pk", "name", "username"),
            "years": selectors.years(user),
            "base_query": urlencode({**base, "sort": filters.sort}),
            "sort_links": _sort_links(filters, base),
        },
    )


# One contract ------------------------------------------------------------------------------------


def _contract(request: HttpRequest, pk: int, **kwargs: Any) -> Contract:
    return get_visible_contract(current_user(request), pk, **kwargs)


def _context(request: HttpRequest, contract: Contract, errors: list[str] | None = None) -> dict[str, Any]:
    user = current_user(request)
    details = selectors.detail(contract)
    approval = details["approval"]
    return {
        "nav": "contracts",
        "contract": contract,
        "errors": errors or [],
        **details,
        "moves": [(s, ContractStatus(s).label) for s in services.allowed_moves(contract)],
        "may_withdraw": bool(
            approval and contract.status == ContractStatus.IN_APPROVAL and approval.requested_by_id == user.pk
        ),
        "may_amend": contract.status in (ContractStatus.SIGNED, ContractStatus.IN_FORCE),
        "editable": bool(services.EDITABLE[contract.status]),
        "allowed_types": ", ".join(services.attachment_types()),
        "max_mb": f"{services.max_attachment_bytes() / 1048576:g}",
        "amendment_form": AmendmentForm(initial={"version": contract.version}),
        "attachment_form": AttachmentForm(),
    }


def _show(
    request: HttpRequest, contract: Contract, *, status: int = 200, errors: list[str] | None = None
) -> HttpResponse:
    context = _context(request, contract, errors)
    template = DETAIL + "#body" if getattr(request, "htmx", False) else DETAIL
    return render(request, template, context, status=status)


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _show(request, _contract(request, pk))


def _field_errors(error: ValidationError) -> list[str]:
    out: list[str] = []
    for field, field_messages in error.message_dict.items():
        label = services.field_label(field) if field in services.FIELDS else ""
        out.extend(f"{label}: {m}" if label else m for m in field_messages)
    return out


def _act(
    request: HttpRequest,
    pk: int,
    form_class: type,
    action: Callable[[Contract, User, dict[str, Any]], Any],
    done: str,
) -> HttpResponse:
    contract = _contract(request, pk)
    form = form_class(request.POST)
    if not form.is_valid():
        errors = [
            f"{form.fields[f].label or ''}: {m}".lstrip(": ")
            for f, ms in form.errors.items()
            if f in form.fields
            for m in ms
        ]
        return _show(
            request, contract, status=422, errors=errors or [_("The form was incomplete: reload the page.")]
        )
    try:
        action(contract, current_user(request), form.cleaned_data)
    except ConflictError:
        contract = _contract(request, pk)
        return _show(request, contract, status=409, errors=[_stale_message()])
    except ValidationError as error:
        return _show(request, _contract(request, pk), status=422, errors=_field_errors(error))
    except RuleViolation as error:
        return _show(request, _contract(request, pk), status=409, errors=[str(error)])
    messages.success(request, done)
    if getattr(request, "htmx", False):
        return _show(request, _contract(request, pk))
    return redirect(contract)


@login_required
@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        VersionForm,
        lambda c, by, d: services.submit_for_approval(c, by=by, version=d["version"]),
        _("The contract is sent for approval."),
    )


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        VersionForm,
        lambda c, by, d: services.withdraw_approval(c, by=by, version=d["version"]),
        _("The approval request is withdrawn: the contract is a draft again."),
    )


@login_required
@require_POST
def status(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        StatusForm,
        lambda c, by, d: services.change_status(
            c, by=by, to=d["to"], reason=d["reason"], version=d["version"]
        ),
        _("The contract's status is changed."),
    )


@login_required
@require_POST
def amend(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(
        request,
        pk,
        AmendmentForm,
        lambda c, by, d: services.add_amendment(
            c,
            by=by,
            amount_change=d["amount_change"],
            reason=d["reason"],
            signed_on=d["signed_on"],
            version=d["version"],
        ),
        _("The amendment is recorded and the amount changed."),
    )


@login_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _show(
            request, contract, status=422, errors=[str(m) for ms in form.errors.values() for m in ms]
        )
    try:
        services.add_attachment(contract, by=current_user(request), upload=form.cleaned_data["file"])
    except ValidationError as error:
        return _show(
            request, contract, status=422, errors=[m for ms in error.message_dict.values() for m in ms]
        )
    messages.success(request, _("The file is attached."))
    if getattr(request, "htmx", False):
        return _show(request, contract)
    return redirect(contract)


def _attachment(request: HttpRequest, pk: int, attachment_id: int) -> ContractAttachment:
    contract = _contract(request, pk)
    attachment = ContractAttachment.objects.filter(pk=attachment_id, contract=contract).first()
    if attachment is None:
        raise Http404
    attachment.contract = contract
    return attachment


@login_required
@require_GET
def download(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    """The file, for whoever may see the contract: never a public media URL."""
    attachment = _attachment(request, pk, attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    response = FileResponse(handle, as_attachment=True, filename=attachment.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def delete_attachment(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    attachment = _attachment(request, pk, attachment_id)
    services.delete_attachment(attachment, by=current_user(request))
    messages.success(request, _("The attachment is deleted."))
    if getattr(request, "htmx", False):
        return _show(request, attachment.contract)
    return redirect(attachment.contract)


# New and edit ------------------------------------------------------------------------------------


def _values(form: ContractForm, editable: frozenset[str] | None = None) -> dict[str, Any]:
    return {
        name: form.cleaned_data[name]
        for name in services.FIELDS
        if name in form.cleaned_data and (editable is None or name in editable)
    }


def _add_errors(form: ContractForm, error: ValidationError | RuleViolation) -> None:
    if isinstance(error, RuleViolation):
        form.add_error(None, str(error))
        return
    for field, field_errors in error.message_dict.items():
        form.add_error(field if field in form.fields else None, field_errors)


@login_required
@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    """A standalone contract for a customer (`?customer=<id>`)."""
    user = current_user(request)
    customer_id = _int(request.POST.get("customer") or request.GET.get("customer"))
    customer = get_visible_customer(user, customer_id) if customer_id else None
    if customer is None:
        return render(
            request,
            FORM,
            {
                "nav": "contracts",
                "pick_customer": True,
                "customers": customers_for(user).order_by("name").only("pk", "name")[:500],
            },
        )
    if request.method == "GET":
        form = NewContractForm(initial={"customer": customer.pk, "owner": user.pk, "version": 0})
        return render(request, FORM, {"nav": "contracts", "form": form, "customer": customer})
    form = NewContractForm(request.POST)
    if form.is_valid():
        try:
            contract = services.create_contract(by=user, customer=customer, **_values(form))
        except (ValidationError, RuleViolation) as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("Contract %(number)s is created as a draft.") % {"number": contract.number}
            )
            return redirect(contract)
    return render(request, FORM, {"nav": "contracts", "form": form, "customer": customer}, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def create_from_opportunity(request: HttpRequest, pk: int) -> HttpResponse:
    """A contract prefilled from the won deal; an open or lost deal is refused with the reason."""
    user = current_user(request)
    deal = get_visible_opportunity(user, pk, queryset=Opportunity.objects.select_related("customer", "owner"))
    refusal = services.won_refusal(deal)
    context: dict[str, Any] = {"nav": "contracts", "customer": deal.customer, "opportunity": deal}
    if refusal:
        return render(request, FORM, {**context, "refusal": refusal}, status=409)
    if request.method == "GET":
        initial = services.prefill(deal)
        initial["owner"] = deal.owner_id
        form = NewContractForm(initial={**initial, "customer": deal.customer_id, "version": 0})
        return render(request, FORM, {**context, "form": form})
    form = NewContractForm(request.POST)
    if form.is_valid():
        try:
            contract = services.create_contract(
                by=user, customer=deal.customer, opportunity=deal, **_values(form)
            )
        except (ValidationError, RuleViolation) as error:
            _add_errors(form, error)
        else:
            messages.success(
                request, _("Contract %(number)s is created as a draft.") % {"number": contract.number}
            )
            return redirect(contract)
    return render(request, FORM, {**context, "form": form}, status=422)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    editable = services.EDITABLE[contract.status]
    context: dict[str, Any] = {"nav": "contracts", "contract": contract, "customer": contract.customer}
    if request.method == "GET":
        form = ContractForm(instance=contract, initial={"version": contract.version}, editable=editable)
        return render(request, FORM, {**context, "form": form})
    form = ContractForm(request.POST, instance=contract, editable=editable)
    if form.is_valid():
        try:
            services.update_contract(
                contract,
                by=current_user(request),
                version=form.cleaned_data["version"] or 0,
                **_values(form, editable),
            )
        except ConflictError:
            fresh = _contract(request, pk)
            form = ContractForm(instance=fresh, initial={"version": fresh.version}, editable=editable)
            return render(
                request,
                FORM,
                {**context, "contract": fresh, "form": form, "errors": [_stale_message()]},
                status=409,
            )
        except (ValidationError, RuleViolation) as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The contract is saved."))
            return redirect(contract)
    return render(request, FORM, {**context, "form": form}, status=422)


# Panels ------------------------------------------------------------------------------------------


@login_required
@require_GET
def opportunity_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """On the opportunity page: a won deal's contracts, or the way to create one."""
    user = current_user(request)
    deal = get_visible_opportunity(user, pk, queryset=Opportunity.objects.only("pk", "status", "name"))
    return render(
        request,
        "delivery/contracts/opportunity_panel.html",
        {
            "opportunity": deal,
            "won": deal.status == OpportunityStatus.WON,
            "contracts": selectors.for_opportunity(user, deal)
            if deal.status == OpportunityStatus.WON
            else [],
        },
    )


@login_required
@require_GET
def customer_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """On the customer 360° page: the customer's contracts with status and amount."""
    user = current_user(request)
    customer = get_visible_customer(user, pk)
    return render(
        request,
        "delivery/contracts/customer_panel.html",
        {"customer": customer, "contracts": selectors.for_customer(user, customer)},
    )
