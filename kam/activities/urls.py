from django.urls import path

from kam.activities import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list, name="list"),
    path("new/", views.activity_create, name="create"),
    path("week/", views.my_week, name="week"),
    path("panel/", views.panel, name="panel"),
    path("<id:pk>/", views.activity_detail, name="detail"),
    path("<id:pk>/edit/", views.activity_edit, name="edit"),
    path("<id:pk>/delete/", views.activity_delete, name="delete"),
    path("<id:pk>/done/", views.mark_done, name="done"),
]
