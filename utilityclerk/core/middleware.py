import re
import uuid

from django.contrib import messages
from django.template.loader import render_to_string

from utilityclerk.request_context import RequestContext, current_request

_REQUEST_ID = re.compile(r"^[0-9a-fA-F-]{8,36}$")


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
    page's message area, unless the fragment already rendered them."""

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
        if storage.used or not len(storage):
            return response
        html = render_to_string(
            "partials/_messages.html", {"messages": storage, "oob": True}, request=request
        )
        response.content += html.encode()
        return response
