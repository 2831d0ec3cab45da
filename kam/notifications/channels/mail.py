"""E-mail through Django's mail backend (SMTP from the KAM_EMAIL_* settings, the console in
development, locmem in tests)."""

from __future__ import annotations

import smtplib

from django.conf import settings
from django.core.mail import BadHeaderError, EmailMultiAlternatives

from kam.notifications.channels.errors import SendError

MAX_SUBJECT = 200


def send_email(to: str, subject: str, text: str, html: str = "") -> None:
    """Send one e-mail; raises SendError when the backend refuses it or cannot reach the server."""
    if not to:
        raise SendError("no e-mail address")
    # A line break in a subject would be a header injection: Django refuses it, so fold it first.
    one_line = " ".join(subject.split())[:MAX_SUBJECT]
    message = EmailMultiAlternatives(one_line, text, settings.DEFAULT_FROM_EMAIL, [to])
    if html:
        message.attach_alternative(html, "text/html")
    try:
        message.send()
    except (smtplib.SMTPException, OSError, BadHeaderError, ValueError) as error:
        raise SendError(f"{type(error).__name__}: {error}"[:500]) from error
