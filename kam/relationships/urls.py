from django.urls import path

from kam.relationships import views

app_name = "relationships"

urlpatterns = [
    path("new/", views.contact_create, name="create"),
    path("<id:pk>/", views.contact_detail, name="detail"),
    path("<id:pk>/edit/", views.contact_edit, name="edit"),
    path("<id:pk>/delete/", views.contact_delete, name="delete"),
    path("<id:pk>/level/", views.set_level, name="set_level"),
    path("<id:pk>/influence/", views.add_influence, name="add_influence"),
]
