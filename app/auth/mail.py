"""Outgoing e-mail through the SMTP server named in the configuration (``SMTP_*``)."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app

TIMEOUT = 15


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server."""


def mail_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text message; raises ``MailError`` when the server refuses or is away."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    security = config.get("SMTP_SECURITY", "starttls")
    host, port = config["SMTP_HOST"], int(config.get("SMTP_PORT") or 587)
    try:
        if security == "ssl":
            server = smtplib.SMTP_SSL(host, port, timeout=TIMEOUT,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=TIMEOUT)
        with server:
            if security == "starttls":
                server.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                server.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(str(exc)) from exc
