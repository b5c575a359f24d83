"""Hand messages to an SMTP server, saying precisely how far each attempt got.

``smtplib.sendmail`` hides *when* a connection dropped. The ledger needs to know: before the
message was handed over (certainly not delivered: send again later) or after (maybe delivered:
``uncertain``). So the MAIL/RCPT/DATA steps are spelled out here, and the message is written in
two parts: everything but the final ``.``, then (after ``on_hand_over`` has recorded it) the
``.`` that makes the server take it. A server accepts nothing before that ``.``.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass

from ..config import DigestSettings
from .errors import DigestError


class DeliveryError(DigestError):
    """This message was not accepted. ``delivered`` is False (certainly not) or None (unknown)."""

    def __init__(
        self,
        message: str,
        *,
        delivered: bool | None = False,
        connection_lost: bool = False,
        code: int | None = None,
        reply: str | None = None,
    ) -> None:
        super().__init__(message)
        self.delivered = delivered
        self.connection_lost = connection_lost
        self.code = code
        self.reply = reply  # the server's answer to the final ".", when it refused the message


class ConnectError(DigestError):
    """The SMTP server cannot be reached or refuses the session (TLS, login)."""


@dataclass(frozen=True)
class SmtpOptions:
    host: str
    port: int
    security: str = "none"  # none | starttls | ssl
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    ssl_context: ssl.SSLContext | None = None

    @classmethod
    def from_settings(cls, digest: DigestSettings, *, ssl_context: ssl.SSLContext | None = None) -> SmtpOptions:
        return cls(
            digest.smtp_host,
            digest.smtp_port,
            digest.smtp_security,
            digest.smtp_username,
            digest.smtp_password,
            ssl_context=ssl_context,
        )


def _reply(resp: bytes | str) -> str:
    text = resp.decode("utf-8", "replace") if isinstance(resp, bytes) else str(resp)
    return " ".join(text.split())[:300]


class Mailer:
    """One SMTP session, opened on first use and re-opened after a dropped connection."""

    def __init__(self, options: SmtpOptions) -> None:
        self.options = options
        self.smtp: smtplib.SMTP | None = None

    def connect(self) -> None:
        o = self.options
        where = f"{o.host}:{o.port}"
        context = o.ssl_context or ssl.create_default_context()
        try:
            if o.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(o.host, o.port, timeout=o.timeout, context=context)
            else:
                smtp = smtplib.SMTP(o.host, o.port, timeout=o.timeout)
            smtp.ehlo_or_helo_if_needed()
            if o.security == "starttls":
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    raise ConnectError(f"SMTP server {where} does not offer STARTTLS")
                smtp.starttls(context=context)
                smtp.ehlo()
            if o.username:
                smtp.login(o.username, o.password)
        except smtplib.SMTPAuthenticationError as e:
            raise ConnectError(f"SMTP server {where} refused the login: {e.smtp_code} {_reply(e.smtp_error)}") from None
        except (smtplib.SMTPException, OSError, ssl.SSLError) as e:
            raise ConnectError(f"cannot connect to SMTP server {where}: {e or type(e).__name__}") from None
        self.smtp = smtp

    def send(self, sender: str, recipient: str, data: bytes, *, on_hand_over: Callable[[], None] | None = None) -> str:
        """Deliver one message (``data``: CRLF line endings); the server's reply on success.

        ``on_hand_over`` runs after the whole message but its final ``.`` was written: if it
        raises, the connection is dropped without the ``.``, and the server discards the message.
        """
        if self.smtp is None:
            self.connect()
        smtp = self.smtp
        assert smtp is not None
        handed_over = False
        try:
            code, resp = smtp.mail(sender)
            if code != 250:
                self._reset()
                raise DeliveryError(f"sender refused: {code} {_reply(resp)}", code=code)
            code, resp = smtp.rcpt(recipient)
            if code not in (250, 251):
                self._reset()
                raise DeliveryError(f"recipient refused: {code} {_reply(resp)}", code=code)
            smtp.putcmd("data")
            code, resp = smtp.getreply()
            if code != 354:
                self._reset()
                raise DeliveryError(f"DATA refused: {code} {_reply(resp)}", code=code)
            body = re.sub(rb"(?m)^\.", b"..", data)
            if not body.endswith(b"\r\n"):
                body += b"\r\n"
            smtp.send(body)
            if on_hand_over is not None:
                try:
                    on_hand_over()
                except BaseException:
                    self._drop()  # without the final ".": the server discards the message
                    raise
            handed_over = True
            smtp.send(b".\r\n")
            code, resp = smtp.getreply()
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as e:
            self._drop()
            state = "after the message was handed over" if handed_over else "before the message was sent"
            raise DeliveryError(
                f"connection lost {state}: {e or type(e).__name__}",
                delivered=None if handed_over else False,
                connection_lost=True,
            ) from None
        if code != 250:
            raise DeliveryError(f"message refused: {code} {_reply(resp)}", code=code, reply=f"{code} {_reply(resp)}")
        return f"{code} {_reply(resp)}"

    def _reset(self) -> None:
        try:
            self.smtp.rset()  # type: ignore[union-attr]
        except (smtplib.SMTPException, OSError):
            self.close()

    def _drop(self) -> None:
        """Close the socket without QUIT: mid-DATA a QUIT would be read as part of the message."""
        if self.smtp is not None:
            with contextlib.suppress(OSError):
                self.smtp.close()
            self.smtp = None

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                with contextlib.suppress(OSError):
                    self.smtp.close()
            self.smtp = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
