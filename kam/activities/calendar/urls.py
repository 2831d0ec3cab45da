from django.urls import path

from kam.activities.calendar import views

urlpatterns = [
    path("calendar/", views.settings_page, name="settings"),
    path("calendar/<str:token>.ics", views.ics_feed, name="feed"),
]
