"""The two emails the app sends: "confirm your subscription" and "your preferences link".

Plain text from ``site/templates/app/email/*.txt`` (no HTML, so no markup to escape; a separate
environment without autoescaping). Headers go through the email package's header registry,
never by concatenation: a name typed into a form cannot add a header. Sent through the digest's
SMTP code and settings, one short session per message.
"""

from __future__ import annotations

from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ..config import Settings
from ..digest.addresses import validate_address
from ..digest.errors import DigestError
from ..digest.smtp import Mailer, SmtpOptions
from .errors import Unavailable


class Mail:
    def __init__(self, settings: Settings, templates: Path) -> None:
        self.settings = settings
        self.env = Environment(
            loader=FileSystemLoader(str(templates / "app" / "email")),
            autoescape=False,  # text/plain: nothing is interpreted as markup
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        pairs = getaddresses([settings.digest.from_address])
        if len(pairs) != 1 or not pairs[0][1]:
            raise DigestError(f"digest.from_address must be one address, got {settings.digest.from_address!r}")
        name, addr = pairs[0]
        local, _, domain = validate_address(addr).rpartition("@")
        self.sender = Address(display_name=" ".join(name.split()), username=local, domain=domain)

    def message(self, template: str, to: str, subject: str, now: datetime, **context: Any) -> EmailMessage:
        text = self.env.get_template(template).render(site_title=self.settings.site.title, **context)
        msg = EmailMessage()
        msg["Subject"] = subject
        msg["From"] = self.sender
        msg["To"] = Address(addr_spec=validate_address(to))
        msg["Date"] = format_datetime(now)
        msg["Message-ID"] = make_msgid(domain=self.sender.domain)
        msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(text)
        return msg

    def send(self, msg: EmailMessage) -> None:
        """Hand ``msg`` to the configured SMTP server; Unavailable (503) when that fails."""
        recipient = msg["To"].addresses[0].addr_spec
        try:
            with Mailer(SmtpOptions.from_settings(self.settings.digest)) as mailer:
                mailer.send(self.sender.addr_spec, recipient, msg.as_bytes(policy=policy.SMTP))
        except DigestError as e:
            raise Unavailable(f"The email could not be sent ({e}); please try again later.") from None
