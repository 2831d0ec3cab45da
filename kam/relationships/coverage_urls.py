from django.urls import path

from . import coverage_views

urlpatterns = [
    path("<int:pk>/coverage/", coverage_views.coverage_net, name="net"),
    path("<int:pk>/relationship-history/", coverage_views.relationship_history, name="history"),
]
