"""Placeholder: filled in by the scoring work."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors
from .views import current_user


@login_required
def score_section(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_detail(current_user(request), pk)
    return render(request, "customers/sections/score.html", {"customer": customer})
