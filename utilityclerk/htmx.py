"""HTMX helpers shared by the apps' views."""

from django.shortcuts import redirect
from django_htmx.http import HttpResponseClientRedirect


def htmx_redirect(request, url):
    """After a successful POST: an HTMX request is told to load the page (HX-Redirect), so
    the whole page changes rather than the fragment that posted; a plain form gets a 302."""
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
