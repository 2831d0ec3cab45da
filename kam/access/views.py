"""A person's own access to kam: the API tokens they issue and revoke (a token is theirs alone),
and how kam shows them amounts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from kam.access import pickers
from kam.access.visibility import get_visible_token
from kam.core.ids import parse_id
from kam.core.money_unit import MoneyUnit
from kam.core.web import current_user
from kam.org.models import ApiToken
from kam.org.services import issue_token, revoke_token, set_money_unit


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"), max_length=100, help_text=gettext_lazy("What uses this token.")
    )


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """Personal API tokens: issued here, shown once, stored only as a hash."""
    user = current_user(request)
    new_token = None
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        _token, new_token = issue_token(user, form.cleaned_data["name"])
        form = TokenForm()
    return render(
        request,
        "org/tokens.html",
        {
            "tokens": ApiToken.objects.filter(user=user).order_by("-created_at"),
            "form": form,
            "new_token": new_token,
        },
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_visible_token(current_user(request), pk)
    revoke_token(token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("tokens")


class DisplayForm(forms.Form):
    money_unit = forms.ChoiceField(
        label=gettext_lazy("Show amounts in lists, boards and charts in"),
        choices=[
            ("", gettext_lazy("The language's default (万元 in Chinese, yuan in English)")),
            *MoneyUnit.choices,
        ],
        required=False,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("Forms, an opportunity's own page and exports always show exact yuan."),
    )


@login_required
def display(request: HttpRequest) -> HttpResponse:
    """A person's display preferences: the unit amounts show in (元 / 万元)."""
    user = current_user(request)
    form = DisplayForm(request.POST or None, initial={"money_unit": user.money_unit})
    if request.method == "POST" and form.is_valid():
        set_money_unit(user, form.cleaned_data["money_unit"])
        messages.success(request, _("Display preferences saved."))
        return redirect("display_preferences")
    return render(request, "access/display.html", {"form": form})


def _pick(request: HttpRequest, search: Callable[..., list[dict[str, Any]]], **options: Any) -> JsonResponse:
    """The top matches of a picker's search, as JSON: {"items": [{"id": …, "label": …}, …]}."""
    user = current_user(request)
    return JsonResponse({"items": search(user, request.GET.get("q", ""), **options)})


@login_required
@require_GET
def pick_customers(request: HttpRequest) -> JsonResponse:
    """Customers the user may see, for the customer pickers (kam.access.pickers)."""
    return _pick(request, pickers.search_customers)


@login_required
@require_GET
def pick_users(request: HttpRequest) -> JsonResponse:
    """People the user may see, for the owner pickers; `scope=colleagues`: every active colleague,
    for the deal team (kam.access.pickers)."""
    scope = request.GET.get("scope")
    return _pick(
        request,
        pickers.search_users,
        scope=pickers.SCOPE_COLLEAGUES if scope == pickers.SCOPE_COLLEAGUES else pickers.SCOPE_VISIBLE,
    )


@login_required
@require_GET
def pick_contacts(request: HttpRequest) -> JsonResponse:
    """Contacts the user may see, of `customer` when given, for the contact pickers
    (kam.access.pickers); an unusable customer id finds no one rather than everyone."""
    raw = request.GET.get("customer", "").strip()
    customer = parse_id(raw) if raw else None
    if raw and customer is None:
        return JsonResponse({"items": []})
    return _pick(request, pickers.search_contacts, customer=customer)
