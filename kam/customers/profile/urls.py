"""Sections of the 360° customer page (included under /customers/ in the namespace "customers")."""

from django.urls import path

from kam.customers.profile import views as detail_views

urlpatterns = [
    path("<id:pk>/facts/", detail_views.facts, name="facts"),
    path("<id:pk>/sections/profile/", detail_views.profile_section, name="profile_section"),
    path("<id:pk>/sections/orgchart/", detail_views.orgchart_section, name="orgchart_section"),
    path("<id:pk>/sections/opportunities/", detail_views.opportunities_section, name="opportunities_section"),
    path("<id:pk>/sections/forecast/", detail_views.forecast_section, name="forecast_section"),
    path("<id:pk>/sections/history/", detail_views.history_section, name="history_section"),
]
