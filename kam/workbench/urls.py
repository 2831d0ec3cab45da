from django.urls import path

from kam.workbench import views

app_name = "workbench"

urlpatterns = [
    path("", views.home, name="home"),
    path("next-steps/", views.next_steps, name="next_steps"),
    path("changes/", views.changes, name="changes"),
    path("quiet-accounts/", views.quiet_accounts, name="quiet_accounts"),
]
