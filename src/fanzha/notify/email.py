"""E-mail over SMTP (stdlib ``smtplib``): one session per batch, one message per item.

A message accepted by the relay ends as ``accepted`` (bounces are not read back). Each
message has ``Message-ID: <ref@fanzha>`` so a recipient system can drop a copy, but SMTP
relays do not detect resends: the channel is not idempotent. A 4xx answer or a lost
connection is retryable; a 5xx answer (a refused address) is permanent.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage

from fanzha.errors import NotifyError, PermanentSendError, RetryableSendError
from fanzha.notify.channel import Outgoing, Receipt, SendResult


@dataclass(frozen=True)
class SmtpConfig:
    """The relay and the sender address."""

    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0


class SmtpChannel:
    """E-mail warnings (see the module docstring)."""

    idempotent = False

    def __init__(self, name: str, config: SmtpConfig) -> None:
        self.name = name
        self._config = config

    def _connect(self) -> smtplib.SMTP:
        config = self._config
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        if config.starttls:
            smtp.starttls(context=ssl.create_default_context())
        if config.username and config.password:
            smtp.login(config.username, config.password)
        return smtp

    def send_batch(self, items: Sequence[Outgoing]) -> list[SendResult | NotifyError]:
        """Send every item over one SMTP session."""
        try:
            smtp = self._connect()
        except (OSError, smtplib.SMTPException) as exc:
            error = RetryableSendError("SMTP relay unreachable", channel=self.name)
            error.__cause__ = exc
            return [error for _ in items]
        try:
            return [self._send(smtp, item) for item in items]
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()

    def _send(self, smtp: smtplib.SMTP, item: Outgoing) -> SendResult | NotifyError:
        message = EmailMessage()
        message["From"] = self._config.sender
        message["To"] = item.recipient
        message["Subject"] = item.title
        message["Message-ID"] = f"<{item.ref}@fanzha>"
        message.set_content(item.body)
        try:
            smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused:
            return PermanentSendError("address refused", channel=self.name)
        except smtplib.SMTPResponseException as exc:
            kind = RetryableSendError if 400 <= exc.smtp_code < 500 else PermanentSendError
            return kind("relay refused the message", channel=self.name, code=exc.smtp_code)
        except (OSError, smtplib.SMTPException):
            # the relay may have taken it before the connection broke: not resent
            return PermanentSendError("outcome unknown", channel=self.name)
        return SendResult((item.ref,), final_status="accepted")

    def poll_receipts(self) -> list[Receipt]:
        """None: bounces are not read back."""
        return []

    def confirm(self, receipts: Sequence[Receipt]) -> None:
        """Nothing to acknowledge."""

    def close(self) -> None:
        """Nothing held open between batches."""
