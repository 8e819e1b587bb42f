from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from utilityclerk.core.forms import LockoutAuthenticationForm


def home(request):
    user = request.user
    if user.has_perm("workorders.complete_own_crew_orders") and not user.has_perm(
        "accounts.view_account"
    ):
        # Crew members work from their crew's order list on a tablet; that is their home.
        return redirect("workorders:field")
    hour = timezone.localtime().hour
    greeting = "Good morning" if hour < 12 else "Good afternoon" if hour < 17 else "Good evening"
    return render(request, "core/home.html", {"greeting": greeting})


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LockoutAuthenticationForm
    redirect_authenticated_user = True


@login_not_required
@require_GET
def favicon(request):
    # Browsers ask for /favicon.ico whatever the page says; the hashed name is known only
    # at request time (after collectstatic).
    return redirect(static("favicon.svg"), permanent=True)


@login_not_required
@never_cache
@require_GET
def healthz(request):
    """200 when the app can reach PostgreSQL, 503 when it cannot (for the load balancer)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "down"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
