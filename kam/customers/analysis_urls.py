from django.urls import path

from . import analysis_views

urlpatterns = [
    path("<int:pk>/analysis/", analysis_views.analysis_edit, name="analysis"),
    path("<int:pk>/analysis/history/", analysis_views.analysis_history, name="analysis_history"),
]
