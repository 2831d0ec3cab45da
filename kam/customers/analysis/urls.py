from django.urls import path

from kam.customers.analysis import views as analysis_views

urlpatterns = [
    path("<id:pk>/analysis/", analysis_views.analysis_edit, name="analysis"),
    path("<id:pk>/analysis/history/", analysis_views.analysis_history, name="analysis_history"),
]
