from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from accounts import views as account_views
from utilityclerk.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says.
    path("favicon.ico", views.favicon),
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/second-factor/", views.second_factor_view, name="second_factor"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("search/", account_views.search, name="search"),
    path("accounts/", include("accounts.urls")),
    path("contacts/", include("accounts.contacts.urls")),
    path("reports/", include("reports.urls")),
    path("workorders/", include("workorders.urls")),
    path("billing/", include("billing.urls")),
    path("payments/", include("payments.urls")),
    path("closeout/", include("payments.closeout.urls")),
    path("deposits/", include("payments.deposits.urls")),
    path("refunds/", include("payments.refunds.urls")),
    path("runs/", include("utilityclerk.runs.urls")),
    path("collections/", include("collections_app.urls")),
    path("disputes/", include("collections_app.disputes.urls")),
    path("permits/", include("permits.urls")),
]

# A database that did not answer is a 503 that says to send the form again.
handler500 = "utilityclerk.core.views.server_error"
