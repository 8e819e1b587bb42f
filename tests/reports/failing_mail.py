"""A mail backend that refuses every message, as a mail server that is down or refuses the
addresses would: a real failure for the retry tests, not a mock of our code."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"a@city.gov": (550, b"mailbox unavailable")})
