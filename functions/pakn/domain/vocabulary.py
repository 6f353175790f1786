"""The words every stage shares: what a case is about, at which level it is handled, and what a citizen
sends with it. Nothing here knows Zalo's wire format or Firestore; the intake translates into these.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

# Decree 20/2008's kinds of phản ánh, kiến nghị: a difficulty with an administrative procedure, an
# official's conduct (hành vi, thái độ), or a proposal about a rule (quy định hành chính).
Kind = Literal["procedure", "conduct", "regulation"]
KINDS: tuple[Kind, ...] = get_args(Kind)
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
    # Built on first use (the pinned pydantic builds under a lock, so concurrent first uses are safe): a text
    # event's cold start builds none of these validators, only their schemas inside CitizenEvent's.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)


# Why an attachment was not kept (pakn.attachments): larger than its type allows, of a type not accepted,
# or Zalo's URL could not be read. The conversation tells the citizen; the attachment joins no draft.
AttachmentRefusal = Literal["too_big", "type_not_allowed", "unavailable"]


class StoredCopy(_Value):
    """Our own copy of an attachment in Cloud Storage (tệp đính kèm), made when it arrives: Zalo's URL
    reportedly expires after about 7 days, the case keeps this. Checksums as Cloud Storage reports them
    (base64), and the SHA-256 of the bytes downloaded (hex), which the object also carries as metadata."""

    object_name: str = Field(min_length=1)
    content_type: str
    size: int = Field(ge=0)
    sha256: str
    md5_hash: str | None = None
    crc32c: str | None = None
    stored_at: datetime


class OfficialFile(_Value):
    """A file an official sends the citizen with an answer (a PDF, a Word document or a photo), as Zalo's
    upload takes them: its name as the official gave it (what the citizen sees in Zalo), and our copy in
    Cloud Storage, which the sender reads and uploads to Zalo when the answer goes out."""

    name: str = Field(min_length=1, max_length=200)
    stored: StoredCopy

    @property
    def is_image(self) -> bool:
        # Zalo takes images and documents through different uploads and messages.
        return self.stored.content_type.startswith("image/")


class Media(_Value):
    """A photo, file or other attachment, by Zalo's URL, which reportedly expires after about 7 days.

    `stored` is our copy in Cloud Storage (pakn.attachments keeps photos, files, audio and video when they
    arrive, before the conversation sees them); the console serves it, and Zalo's URL only when there is
    none (stickers, links, attachments from before copies were kept, or no bucket configured). `refused`
    says why one was not kept."""

    type: MediaType
    url: str
    thumbnail: str | None = None
    name: str | None = None
    stored: StoredCopy | None = None
    refused: AttachmentRefusal | None = None


class Location(_Value):
    latitude: float
    longitude: float


class ContactDetails(_Value):
    """Người gửi: the sender's name, phone and address, which Decree 20 Art. 7 requires before filing."""

    name: str | None = None
    phone: str | None = None
    address: str | None = None
