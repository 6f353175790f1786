"""Attachments' rules without a network: the limits shipped in config/attachments.json, the natural key and
the type an attachment is stored under, and what the conversation says when one was refused (decided by a
turn, without Firestore). Downloads and storage run on the emulators in tests/emulator/test_attachments.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cases_for_tests import POLICY, hanoi

from pakn.attachments.keeper import content_type_of, object_name, safe_name
from pakn.attachments.limits import MEBIBYTE, default_limits
from pakn.citizens.state import CitizenState
from pakn.conversation.turn import Dependencies, take_turn
from pakn.domain import messages
from pakn.domain.vocabulary import Media, StoredCopy
from pakn.intake.events import CitizenEvent
from pakn.routing.classify import classify
from pakn.routing.registry import load_registry

CITIZEN = "5512345678901234567"
DEPENDENCIES = Dependencies(
    classify=classify,
    registry=load_registry(),
    contact_form_image_url="https://img.test/f.png",
    policy=POLICY,
)
WARD_PROCEDURE = (
    "Tôi đi làm khai sinh cho con ở phường Trúc Bạch, quận Ba Đình mà cán bộ bắt bổ sung giấy tờ 3 lần"
)


class NoCases:
    def by_tracking_code(self, code):
        return None

    def recent_of_citizen(self, citizen_id):
        return []

    def locate(self, agency_id, case_id):
        return None

    def new_tracking_code(self):
        return "HN-000001"


def turn(state: CitizenState, n: int = 0, **fields):
    event = CitizenEvent(
        event_id=f"msg-{n}",
        event_name="user_send_image",
        type="message",
        citizen_id=CITIZEN,
        occurred_at=hanoi(3, 2, 9) + timedelta(minutes=n),
        **fields,
    )
    result = take_turn(state, event, NoCases(), DEPENDENCIES)
    return result.state, [reply.text for reply in result.replies]


def stored_photo() -> Media:
    copy = StoredCopy(
        object_name="citizens-media/msg-1/0-a.jpg",
        content_type="image/jpeg",
        size=3,
        sha256="ab" * 32,
        stored_at=hanoi(3, 2, 9),
    )
    return Media(type="image", url="https://z.test/a.jpg", stored=copy)


def test_the_shipped_limits_cover_photos_files_recordings_and_videos_and_not_stickers():
    limits = default_limits()
    assert set(limits.types) == {"image", "file", "audio", "video"}
    assert limits.types["image"].max_bytes == 10 * MEBIBYTE and limits.types["image"].max_megabytes == 10
    assert limits.types["file"].max_bytes == 20 * MEBIBYTE
    assert "application/pdf" in limits.types["file"].content_types
    assert "image/jpeg" in limits.types["image"].content_types
    # One event's downloads fit the worker's 60 s, with room for the conversation's transaction after them.
    assert limits.download.total_seconds <= 30


def test_an_attachments_key_is_the_same_on_every_delivery_and_safe_as_an_object_name():
    paper = Media(type="file", url="https://f.zdn.vn/x/abc?sig=1", name="Đơn đề nghị (bản 2).pdf")
    assert object_name("6f1e:9", 1, paper) == "citizens-media/6f1e-9/1-Don-de-nghi-ban-2.pdf"
    assert object_name("6f1e:9", 1, paper) == object_name("6f1e:9", 1, paper)
    photo = Media(type="image", url="https://photo.zdn.vn/2026/03/anh-chup.jpg?x=1")
    assert safe_name(photo) == "anh-chup.jpg"
    assert safe_name(Media(type="image", url="https://photo.zdn.vn/")) == "image"
    long = safe_name(Media(type="file", url="https://f.test/", name="a" * 200 + ".docx"))
    assert len(long) <= 80 and long.endswith(".docx")


@pytest.mark.parametrize(
    ("header", "name", "url", "expected"),
    [
        ("image/jpeg", None, "https://p.test/a", "image/jpeg"),
        ("IMAGE/JPG; charset=binary", None, "https://p.test/a", "image/jpeg"),
        ("application/octet-stream", "don.pdf", "https://f.test/x", "application/pdf"),
        (
            None,
            None,
            "https://f.test/bang.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("application/octet-stream", None, "https://f.test/x", "application/octet-stream"),
        ("text/html", "anh.jpg", "https://p.test/anh.jpg", "text/html"),  # a label that says something wins
    ],
)
def test_the_type_is_the_cdns_label_or_the_files_name_when_the_label_says_nothing(
    header, name, url, expected
):
    assert content_type_of(header, Media(type="file", url=url, name=name)) == expected


def test_a_refused_photo_alone_is_answered_and_starts_no_draft():
    state = CitizenState(citizen_id=CITIZEN, greeted=True)
    big = Media(type="image", url="https://z.test/big.jpg", refused="too_big")
    state, replies = turn(state, media=(big,))
    assert replies == [messages.text("attachment_too_big", what="ảnh", limit=10)]
    assert replies[0].startswith("Rất tiếc, ảnh anh/chị vừa gửi lớn quá (tối đa 10 MB)")
    assert state.draft is None


def test_a_refused_file_beside_text_and_a_kept_photo_is_said_and_only_the_kept_one_joins_the_draft():
    state = CitizenState(citizen_id=CITIZEN, greeted=True)
    program = Media(type="file", url="https://f.test/setup.exe", name="setup.exe", refused="type_not_allowed")
    state, replies = turn(state, text=WARD_PROCEDURE, media=(program, stored_photo()))
    assert replies == [messages.text("attachment_type_not_allowed"), messages.text("draft_started")]
    assert state.draft.media == [stored_photo()]


def test_an_unreadable_recording_is_answered_in_the_citizens_language():
    state = CitizenState(citizen_id=CITIZEN, greeted=True, language="en")
    gone = Media(type="audio", url="https://z.test/voice.aac", refused="unavailable")
    state, replies = turn(state, text="Hello, the ward office refused my birth registration", media=(gone,))
    assert replies[0] == messages.text("attachment_unavailable", "en", what="recording")
    assert state.draft.media == []
