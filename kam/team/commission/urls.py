from django.urls import path

from kam.team.commission import views

app_name = "team_commission"

urlpatterns = [
    path("commission/", views.statement_list, name="statements"),
    path("commission/plans/", views.plan_list, name="plans"),
    path("commission/statements/<id:pk>/", views.statement_detail, name="statement"),
    path("commission/statements/<id:pk>/export.xlsx", views.statement_export, name="export"),
    path("commission/statements/<id:pk>/<slug:action>/", views.statement_action, name="action"),
    path("commission/deals/<id:pk>/split/", views.split, name="split"),
]
