import re
import time
import uuid
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import Http404, QueryDict
from django.template.loader import render_to_string
from django.utils.csp import CSP, build_policy

from utilityclerk.forms import clean_text
from utilityclerk.request_context import RequestContext, current_request

_REQUEST_ID = re.compile(r"^[0-9a-fA-F-]{8,36}$")


class NulInAddressMiddleware:
    """An address with a NUL in it names no record: PostgreSQL refuses NUL in any text, so
    looking one up (/workorders/WO-1%00/) would fail with a server error. Not found."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path:
            raise Http404("No such page.")
        return self.get_response(request)


class RequestContextMiddleware:
    """Give each request an id (kept from a proxy's X-Request-ID when well-formed) for the
    audit trail and the logs, and echo it back in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else str(uuid.uuid4())
        request.request_id = request_id
        token = current_request.set(
            RequestContext(request_id=request_id, ip_address=request.META.get("REMOTE_ADDR"))
        )
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request_id
        return response


class HtmxMessagesMiddleware:
    """Show messages after HTMX requests too: append them as an out-of-band swap of the
    page's message area, unless the fragment already rendered them. An action posted with
    no message of its own clears the last one: "Note added." must not stand above the error
    of the next note."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not getattr(request, "htmx", False) or request.htmx.boosted:
            return response
        if response.streaming or "text/html" not in response.get("Content-Type", ""):
            return response
        if 300 <= response.status_code < 400 or "HX-Redirect" in response:
            return response
        storage = messages.get_messages(request)
        if storage.used or (not len(storage) and request.method != "POST"):
            return response
        html = render_to_string(
            "partials/_messages.html", {"messages": storage, "oob": True}, request=request
        )
        response.content += html.encode()
        return response


class IdleSessionMiddleware:
    """Idle sign-out: the session expires SESSION_COOKIE_AGE after the last request.

    Renewing it writes the session row, so it is renewed at most once a minute rather than on
    every request (Django's SESSION_SAVE_EVERY_REQUEST): a clerk's screens stay within their
    query budget and the sessions table is not rewritten on every keystroke's search.
    """

    RENEW_AFTER_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            if now - session.get("_renewed_at", 0) >= self.RENEW_AFTER_SECONDS:
                session["_renewed_at"] = now
        return self.get_response(request)


class UnreadableHtmxHeaderMiddleware:
    """HX-Current-URL is what the browser says its address is; a client can send anything
    (`http://[::1`), and django-htmx's current_url_abs_path would raise reading it. A header
    that is no address is dropped, as if an older htmx had sent none."""

    HEADER = "HTTP_HX_CURRENT_URL"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        value = request.META.get(self.HEADER)
        if value is not None:
            try:
                split = urlsplit(value)
                split.port  # noqa: B018 - raises for a port out of range
            except ValueError:
                del request.META[self.HEADER]
        return self.get_response(request)


class CleanTextMiddleware:
    """Every value a request brings in (query string and form) without control characters
    or bidi overrides, through utilityclerk.forms.clean_text: one door for every form and
    every search, the admin's and those of apps still to be written. Passwords are left as
    typed (a password is compared, never shown or stored)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = _cleaned(request.GET)
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            request.POST = _cleaned(request.POST)
        return self.get_response(request)


def _cleaned(query: QueryDict) -> QueryDict:
    dirty = [
        key
        for key, values in query.lists()
        if "password" not in key and any(clean_text(v) != v for v in values)
    ]
    if not dirty:
        return query
    query = query.copy()
    for key in dirty:
        query.setlist(key, [clean_text(v) for v in query.getlist(key)])
    query._mutable = False
    return query


class SecurityHeadersEverywhereMiddleware:
    """The outermost middleware: every response carries the security headers, also one made
    from an exception raised inside another middleware. A request with an unknown Host is
    refused inside SecurityMiddleware itself (its HTTPS redirect reads the host), so
    that 400 would otherwise leave without a single header. Headers already set stay."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        headers = {
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": settings.X_FRAME_OPTIONS,
            "Referrer-Policy": settings.SECURE_REFERRER_POLICY,
            "Cross-Origin-Opener-Policy": settings.SECURE_CROSS_ORIGIN_OPENER_POLICY,
        }
        if settings.SECURE_CSP:
            headers[str(CSP.HEADER_ENFORCE)] = build_policy(settings.SECURE_CSP)
        for name, value in headers.items():
            if value and name not in response:
                response[name] = value
        return response


class HealthCheckMiddleware:
    """/healthz answered before anything reads the Host header or redirects to HTTPS: the
    load balancer probes each app server by its address over plain HTTP (Host: 10.0.0.7),
    which ALLOWED_HOSTS rightly refuses for every other page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            from utilityclerk.core.views import healthz

            return healthz(request)
        return self.get_response(request)
