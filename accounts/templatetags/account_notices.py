"""The notices other apps give an account (accounts.extensions.account_notice), for the
header and the payment dialog alike."""

from django import template

from accounts import extensions

register = template.Library()


@register.simple_tag
def account_notices(account):
    return extensions.notices_for(account)
