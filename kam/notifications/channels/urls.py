"""A manager's group robots and the delivery log, under /notifications/channels/."""

from django.urls import path

from kam.notifications.channels import views

app_name = "notification_channels"

urlpatterns = [
    path("", views.channel_list, name="list"),
    path("new/", views.channel_create, name="create"),
    path("log/", views.delivery_log, name="log"),
    path("<id:pk>/edit/", views.channel_edit, name="edit"),
    path("<id:pk>/delete/", views.channel_delete, name="delete"),
    path("<id:pk>/test/", views.channel_test, name="test"),
]
