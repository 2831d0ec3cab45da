from django.urls import path

from kam.access.mfa import views

urlpatterns = [
    path("account/security/", views.security, name="security"),
    path("account/security/setup/", views.setup, name="mfa_setup"),
    path("account/security/disable/", views.disable, name="mfa_disable"),
    path("accounts/verify/", views.verify, name="mfa_verify"),
]
