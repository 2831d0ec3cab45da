"""Placeholder: filled in by the analysis work."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors
from .views import current_user


@login_required
def analysis_section(request: HttpRequest, pk: int) -> HttpResponse:
    customer = selectors.customer_detail(current_user(request), pk)
    return render(request, "customers/sections/analysis.html", {"customer": customer})
