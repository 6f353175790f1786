"""An SMTP server on 127.0.0.1 that keeps what it receives, for the tests of officials' e-mail.

Built on aiosmtpd (a development dependency); it never relays. Addresses in `refuse` are rejected at RCPT,
as a real server rejects an unknown mailbox.
"""

from __future__ import annotations

import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

from aiosmtpd.controller import Controller

from pakn_dev.processes import free_port


class SmtpStandin:
    def __init__(self, refuse: frozenset[str] = frozenset()):
        self.refuse = refuse
        self.port = free_port()
        self._received: list[EmailMessage] = []
        # SMTP sessions opened (each connection greets once): how many connections the senders made.
        self.sessions = 0
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self._received)

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        with self._lock:
            self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        received = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self._received.append(received)
        return "250 OK"

    def __enter__(self) -> SmtpStandin:
        self._controller.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._controller.stop()
