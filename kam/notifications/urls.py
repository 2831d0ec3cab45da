from django.urls import path

from kam.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("badge/", views.badge, name="badge"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("preferences/", views.preferences, name="preferences"),
    path("<id:pk>/", views.open_notification, name="open"),
    path("<id:pk>/read/", views.mark_read, name="mark_read"),
]
