from django.urls import path

from kam.customers.pool import views

urlpatterns = [
    path("pool/", views.pool_page, name="pool"),
    path("pool/badge/", views.pool_badge, name="pool_badge"),
    path("<id:pk>/pool/claim/", views.claim, name="pool_claim"),
    path("<id:pk>/pool/decide/", views.decide, name="pool_decide"),
]
