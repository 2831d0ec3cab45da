from django.urls import path

from . import views

app_name = "relationships"

urlpatterns = [
    path("new/", views.contact_create, name="create"),
    path("<int:pk>/", views.contact_detail, name="detail"),
    path("<int:pk>/edit/", views.contact_edit, name="edit"),
    path("<int:pk>/delete/", views.contact_delete, name="delete"),
    path("<int:pk>/level/", views.set_level, name="set_level"),
    path("<int:pk>/influence/", views.add_influence, name="add_influence"),
]
