from django.urls import path

from kam.relationships.coverage import views as coverage_views

urlpatterns = [
    path("<id:pk>/coverage/", coverage_views.coverage_net, name="net"),
    path("<id:pk>/relationship-history/", coverage_views.relationship_history, name="history"),
]
