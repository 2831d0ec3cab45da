from django.urls import path

from . import views

app_name = "opportunities"

urlpatterns: list = [
    path("", views.pipeline, name="pipeline"),
    path("board/", views.board, name="board"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/close/", views.close, name="close"),
    path("<int:pk>/criteria/<int:criterion_id>/", views.criterion, name="criterion"),
    path("<int:pk>/members/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:user_id>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/contacts/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:entry_id>/remove/", views.contact_remove, name="contact_remove"),
    path("<int:pk>/competitors/", views.competitor_add, name="competitor_add"),
]
