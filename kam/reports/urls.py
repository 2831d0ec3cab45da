from django.urls import path

from kam.reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("weekly/", views.weekly, name="weekly"),
    path("weekly/export/", views.weekly_export, name="weekly_export"),
    path("review/", views.review, name="review"),
    path("review/export/", views.review_export, name="review_export"),
    path("sales/", views.sales, name="sales"),
    path("sales/export/", views.sales_export, name="sales_export"),
]
