from django.urls import path

from kam.activities.policy import views

urlpatterns = [
    path("", views.policy_page, name="page"),
    path("what-if/", views.what_if, name="what_if"),
    path("rows/", views.policy_create, name="create"),
    path("rows/<id:pk>/", views.policy_edit, name="edit"),
    path("rows/<id:pk>/delete/", views.policy_delete, name="delete"),
    path("capacity/", views.capacity_set, name="capacity"),
    path("under-visited/", views.under_visited_page, name="under_visited"),
]
