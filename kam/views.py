from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Everyone starts the day on the workbench (工作台); the pipeline table is one click from it."""
    return redirect("workbench:home")
