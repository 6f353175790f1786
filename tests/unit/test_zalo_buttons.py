"""Quick-reply buttons (the rating question after an answer): the client's body on the wire, the stand-in
as strict about its shape as about every other message, and how `pakn chat` shows it."""

from __future__ import annotations

import pytest
from test_zalo_client import make_client

from pakn.delivery.outbox import Button, OutboundMessage
from pakn_dev.commands.chat import render

BUTTONS = [("Rất hài lòng", "ĐÁNH GIÁ HN-4K7Q2M 5"), ("Hài lòng", "ĐÁNH GIÁ HN-4K7Q2M 4")]


def test_send_buttons_puts_the_text_and_the_buttons_on_the_wire_and_the_standin_takes_them(standin):
    message_id = make_client(standin.url, []).send_buttons("u1", "Anh/chị có hài lòng không?", BUTTONS)
    [sent] = standin.control.messages()
    assert sent["message_id"] == message_id
    assert sent["body"]["message"] == {
        "text": "Anh/chị có hài lòng không?",
        "attachment": {
            "type": "template",
            "payload": {
                "buttons": [
                    {"title": "Rất hài lòng", "type": "oa.query.show", "payload": "ĐÁNH GIÁ HN-4K7Q2M 5"},
                    {"title": "Hài lòng", "type": "oa.query.show", "payload": "ĐÁNH GIÁ HN-4K7Q2M 4"},
                ]
            },
        },
    }
    shown = render(sent["body"]["message"])
    assert shown.startswith("OA:  Anh/chị có hài lòng không?")
    assert "[Rất hài lòng]  (tap: type ĐÁNH GIÁ HN-4K7Q2M 5)" in shown


def button(**changes) -> dict:
    return {"title": "Hài lòng", "type": "oa.query.show", "payload": "4"} | changes


@pytest.mark.parametrize(
    "message",
    [
        {"attachment": {"type": "template", "payload": {"buttons": [button()]}}},  # no text above them
        {"text": "t", "attachment": {"type": "template", "payload": {"buttons": []}}},
        {"text": "t", "attachment": {"type": "template", "payload": {"buttons": [button()] * 6}}},
        {"text": "t", "attachment": {"type": "template", "payload": {"buttons": [button(title="")]}}},
        {"text": "t", "attachment": {"type": "template", "payload": {"buttons": [button(type="postback")]}}},
        {"text": "t", "attachment": {"type": "template", "payload": {"buttons": [button(extra=1)]}}},
    ],
)
def test_the_standin_refuses_buttons_zalo_would_not_take(standin, message):
    from pakn.zalo.client import ZaloRejected

    client = make_client(standin.url, [])
    with pytest.raises(ZaloRejected) as refused:
        client._send("u1", message)
    assert refused.value.code == -201


def test_a_buttons_message_has_a_text_and_between_one_and_five_buttons():
    OutboundMessage(kind="buttons", text="Đánh giá?", buttons=[Button(title="Hài lòng", payload="4")])
    for wrong in (
        {"kind": "buttons", "text": "Đánh giá?"},
        {"kind": "buttons", "buttons": [Button(title="Hài lòng", payload="4")]},
        {"kind": "buttons", "text": "Đánh giá?", "buttons": [Button(title="a", payload="b")] * 6},
        {"kind": "text", "text": "x", "buttons": [Button(title="a", payload="b")]},
    ):
        with pytest.raises(ValueError):
            OutboundMessage(**wrong)
