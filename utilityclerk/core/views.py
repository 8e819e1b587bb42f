import sys

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET

from utilityclerk.core import second_factor
from utilityclerk.core.forms import LockoutAuthenticationForm, SecondFactorForm


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


class SecondFactorLoginMixin:
    """A supervisor's or admin's right password leads to the second factor, not in
    (utilityclerk.core.second_factor); everyone else is signed in as Django does."""

    def form_valid(self, form):
        user = form.get_user()
        if not second_factor.required_for(user):
            return super().form_valid(form)
        second_factor.begin(self.request, user)
        query = urlencode({"next": self.get_success_url()})
        return redirect(f"{reverse('second_factor')}?{query}")


class LoginView(SecondFactorLoginMixin, auth_views.LoginView):
    template_name = "core/login.html"
    authentication_form = LockoutAuthenticationForm
    redirect_authenticated_user = True


class AdminLoginView(SecondFactorLoginMixin, auth_views.LoginView):
    """The admin's sign-in page, through the same second factor."""


@login_not_required
@never_cache
@sensitive_post_parameters("token")
def second_factor_view(request):
    user = second_factor.pending_user(request)
    if user is None:
        messages.info(request, "Sign in again: the sign-in waited too long for its code.")
        return redirect("login")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = ""
    device = second_factor.confirmed_device(user)
    enrolling = device is None
    if enrolling:
        device = second_factor.enrolment_device(user)
    form = SecondFactorForm(request.POST or None)
    if form.is_valid():
        try:
            signed_in = second_factor.verify(request, user, device, form.cleaned_data["token"])
        except second_factor.WaitBeforeTrying as wait:
            form.add_error(
                "token",
                f"Wrong codes were typed: wait {wait.seconds} second"
                f"{'' if wait.seconds == 1 else 's'}, then type the code the app shows.",
            )
        else:
            if signed_in:
                if enrolling:
                    messages.success(request, "Your authenticator app is set up.")
                return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
            form.add_error("token", "That code is not right. Type the code the app shows now.")
    context = {"form": form, "enrolling": enrolling, "next": next_url, "person": user}
    if enrolling:
        context["qr"] = second_factor.qr_data_uri(device)
        context["key"] = second_factor.key_for_typing(device)
    return render(request, "core/second_factor.html", context)


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


def server_error(request):
    """handler500. When the database itself did not answer (a restart, a failover), say so
    with a 503 and Retry-After: the clerk sends the form again, and its form key makes that
    safe. Anything else is the plain 500 page. Renders from the template alone: no query."""
    from django.db import InterfaceError, OperationalError
    from django.http import HttpResponse, HttpResponseServerError
    from django.template import loader

    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = "5"
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())
