"""New work announced (thông báo phản ánh mới): when a case is filed with an agency, or transferred to one,
its officials hear of it at once (e-mail, and Zalo for those who follow the OA), with a link to the case in
the officials' console -- not only from the deadline sweep's reminder a day later.

Who hears is data (`announce` in config/escalation.json). The notifications are recorded in the unit of
work that files or moves the case, and listed on the case; they are sent once it commits, and an
unsettled one is retried by the hourly sweep like any other (pakn.escalation.notify).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from pakn.cases.case import Case, NotificationOnCase
from pakn.deadlines.workdays import day_written
from pakn.domain import messages
from pakn.escalation.notify import Channel, Notification, Notifier
from pakn.escalation.officials import (
    ChannelName,
    ContactsUnreadable,
    Directory,
    EscalationPlan,
    addresses,
    default_plan,
)
from pakn.platform.log import get_logger
from pakn.platform.unit_of_work import UnitOfWork

log = get_logger("pakn.escalation.announce")


class Announcer:
    def __init__(
        self,
        db,
        channels: Mapping[ChannelName, Channel],
        console_url: str | None,
        plan: EscalationPlan | None = None,
    ):
        self._db = db
        self._notifier = Notifier(db, channels)
        self._console_url = console_url.rstrip("/") if console_url else None
        self._plan = plan or default_plan()

    def announce(self, uow: UnitOfWork, case: Case, at: datetime, *, reopened: bool = False) -> Case:
        """Records in `uow` the announcement of `case` at its agency now, to be sent after the commit, and
        returns the case with the notifications listed on it. `reopened`: the citizen did not accept the
        case's answer, and `announce_reopened` says who hears."""
        directory = Directory(self._db, self._plan)

        def officials_of(recipient, agency_id):
            try:
                return directory.officials(recipient, agency_id)
            except ContactsUnreadable:
                # Broken contact data must not stop a citizen's case from being filed; the sweep's
                # reminder reports the same agency, and a person must fix its contacts.
                log.warning("agency contacts unreadable", agency_id=agency_id)
                return []

        notifications = self.notifications(case, at, officials_of, reopened=reopened)
        for notification in notifications:
            self._notifier.record(uow, notification, at)
        uow.after_commit(lambda: self._send(notifications, at))
        return case.with_notifications([NotificationOnCase(**n.on_case()) for n in notifications])

    def notifications(
        self, case: Case, at: datetime, officials_of, *, reopened: bool = False
    ) -> list[Notification]:
        """Who is told of `case` arriving at its agency at `at` (or coming back to it, `reopened`), by
        which channel, in which words."""
        link = f"{self._console_url}/phan-anh/{case.case_id}" if self._console_url else "trang quản lý PAKN"
        values = {
            "code": case.tracking_code,
            "agency": case.agency_name,
            "due": day_written(case.clock.agency.due_at),
            "link": link,
        }
        # The agency and the time make a transfer back to an agency announced again, and a retry not.
        prefix = f"{case.case_id}#announce#{case.agency_id}#{at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
        found = []
        for recipient in self._plan.announce_reopened if reopened else self._plan.announce:
            reached = addresses(
                recipient, case.citizen_id, case.agency_id, tuple(self._notifier.channels), officials_of
            )
            if not reached:
                log.warning("nobody to announce to", case_id=case.case_id, agency_id=case.agency_id)
            text = messages.text(recipient.message, **values)
            found += [
                Notification(
                    key=f"{prefix}#{recipient.message}#{role}{index}#{channel}",
                    case_id=case.case_id,
                    agency_id=case.agency_id,
                    step="announce",
                    role=role,
                    channel=channel,
                    address=address,
                    message=recipient.message,
                    text=text,
                    created_at=at,
                )
                for index, (role, channel, address) in enumerate(reached)
            ]
        # Two recipients that both fall back to the Office's desk reach the same people: tell them once.
        return list({notification.key: notification for notification in found}.values())

    def _send(self, notifications: list[Notification], at: datetime) -> None:
        for notification in notifications:
            self._notifier.send(notification, at)
