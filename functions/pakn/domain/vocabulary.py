"""The words every stage shares: what a case is about, at which level it is handled, and what a citizen
sends with it. Nothing here knows Zalo's wire format or Firestore; the intake translates into these.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

# Decree 20/2008's kinds of phản ánh, kiến nghị: a difficulty with an administrative procedure, an
# official's conduct (hành vi, thái độ), or a proposal about a rule (quy định hành chính).
Kind = Literal["procedure", "conduct", "regulation"]
# What the classifier may say besides: the message is not PAKN at all.
ClassifiedKind = Literal[Kind, "out_of_scope"]
# Who is competent: a commune or ward (cấp xã), a department (sở), the city (thành phố), or a body
# outside the city's administration (courts, central agencies).
Level = Literal["commune", "department", "city", "outside"]
# The levels an agency of the city's registry can have.
AgencyLevel = Literal["city", "department", "commune"]

# The language the citizen writes in, and is answered in; officials always read the original text.
Language = Literal["vi", "en"]

MediaType = Literal["image", "gif", "sticker", "audio", "video", "file", "link"]


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Media(_Value):
    """A photo, file or other attachment, by Zalo's URL: it reportedly expires after about 7 days, and
    nothing copies it to our own storage yet, so officials must open attachments within that week."""

    type: MediaType
    url: str
    thumbnail: str | None = None
    name: str | None = None


class Location(_Value):
    latitude: float
    longitude: float


class ContactDetails(_Value):
    """Người gửi: the sender's name, phone and address, which Decree 20 Art. 7 requires before filing."""

    name: str | None = None
    phone: str | None = None
    address: str | None = None
