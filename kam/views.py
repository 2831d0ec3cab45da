from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The pipeline table is everyone's home page: it is the manager's main tool."""
    return redirect("opportunities:pipeline")
