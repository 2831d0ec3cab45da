from __future__ import annotations

from django.urls import path

from kam.planning.checklists import views

app_name = "planning_checklists"

urlpatterns = [
    path("opportunity/<id:pk>/checklists/", views.opportunity_checklist, name="opportunity"),
    path(
        "opportunity/<id:pk>/checklists/questions/<id:question_id>/",
        views.answer_question,
        name="answer",
    ),
]
