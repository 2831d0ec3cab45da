"""Tags, included under /customers/ in the `customers` namespace."""

from django.urls import path

from kam.customers.tags import views as tag_views

urlpatterns = [
    path("tags/", tag_views.tag_list, name="tags"),
    path("tags/new/", tag_views.tag_create, name="tag_create"),
    path("tags/<id:tag_pk>/edit/", tag_views.tag_edit, name="tag_edit"),
    path("tags/<id:tag_pk>/delete/", tag_views.tag_delete, name="tag_delete"),
    path("<id:pk>/tags/add/", tag_views.customer_tag_add, name="tag_add"),
    path("<id:pk>/tags/<id:tag_pk>/remove/", tag_views.customer_tag_remove, name="tag_remove"),
]
