from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from kam.access import views as access_views
from kam.api import api
from kam.views import home

urlpatterns = [
    path("", home, name="home"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/tokens/", access_views.tokens, name="tokens"),
    path("account/tokens/<id:pk>/revoke/", access_views.token_revoke, name="token_revoke"),
    path("pick/customers/", access_views.pick_customers, name="pick_customers"),
    path("pick/users/", access_views.pick_users, name="pick_users"),
    path("pick/contacts/", access_views.pick_contacts, name="pick_contacts"),
    path("", include("kam.access.mfa.urls")),
    path("admin/", admin.site.urls),
    path("audit/", include("kam.audit.urls")),
    path("api/v1/", api.urls),
    path("opportunities/", include("kam.opportunities.urls")),
    path("opportunities/", include(("kam.opportunities.chain.urls", "chain"))),
    path("customers/", include(("kam.relationships.coverage.urls", "coverage"))),
    path("customers/", include("kam.customers.urls")),
    path("insights/", include(("kam.insights.health.urls", "health"))),
    path("insights/", include(("kam.insights.forecast.urls", "forecast"))),
    path("insights/", include(("kam.insights.review.urls", "analysis"))),
    path("contacts/", include("kam.relationships.urls")),
    path("reports/", include("kam.reports.urls")),
    path("imports/", include("kam.imports.urls")),
    path("activities/", include("kam.activities.urls")),
    path("activities/", include(("kam.activities.exchange.urls", "exchange"))),
    path("activities/", include(("kam.activities.calendar.urls", "calendar"))),
    path("activities/", include(("kam.activities.time.urls", "activity_time"))),
    path("insights/", include(("kam.insights.loss.urls", "loss"))),
    path("activities/", include(("kam.activities.metrics.urls", "process_metrics"))),
    path("activities/plans/", include(("kam.activities.plans.urls", "plans"))),
    path("activities/policy/", include(("kam.activities.policy.urls", "policy"))),
    path("planning/", include("kam.planning.urls")),
    path("planning/", include("kam.planning.approvals.urls")),
    path("planning/", include("kam.planning.initiation.urls")),
    path("planning/", include("kam.planning.bids.urls")),
    path("planning/", include("kam.planning.competition.urls")),
    path("planning/", include("kam.planning.swot.urls")),
    path("planning/", include("kam.planning.checklists.urls")),
    path("planning/", include("kam.planning.fishbone.urls")),
    path("planning/", include("kam.planning.winloss.urls")),
    path("planning/", include("kam.planning.accountplans.urls")),
    path("planning/", include("kam.planning.accountplans.ogsm.urls")),
    path("planning/", include("kam.planning.accountplans.reviews.urls")),
]
