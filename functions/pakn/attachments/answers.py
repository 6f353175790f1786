"""Files officials send with an answer (the console's answer form): what Zalo's upload takes, checked before
anything is stored, and where the copy is kept.

Zalo's OA upload takes documents (PDF, DOC, DOCX) up to 5 MB and images (JPEG, PNG) up to 1 MB
(../shared/docs/zalo-oa.md, the stand-in's /v2.0/oa/upload/file|image). A file the console accepted but Zalo
refused would reach the citizen as nothing at all, long after the official left the page; so the console
refuses it at once, next to the field. The kind is read from the bytes, not from the browser's label or the
name (both are the client's word), as the stand-in reads it and Zalo presumably does. The limits are decimal
megabytes: whichever of 5,000,000 and 5 MiB Zalo means, a file within them is within Zalo's.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Literal

from pakn.attachments.keeper import safe_file_name

PREFIX = "answers"
MEGABYTE = 1_000_000
MAX_DOCUMENT_BYTES = 5 * MEGABYTE
MAX_IMAGE_BYTES = 1 * MEGABYTE
# The file name the citizen sees in Zalo, and keeps on the case: long enough for an agency's own naming.
MAX_NAME_CHARS = 200

# Why a file is refused: nothing sent, a kind Zalo's upload does not take, larger than it takes.
FileRefusal = Literal["empty", "type_not_allowed", "too_big"]


@dataclass(frozen=True)
class _Kind:
    content_type: str
    extension: str
    max_bytes: int


PDF = _Kind("application/pdf", "pdf", MAX_DOCUMENT_BYTES)
DOC = _Kind("application/msword", "doc", MAX_DOCUMENT_BYTES)
DOCX = _Kind(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", MAX_DOCUMENT_BYTES
)
JPEG = _Kind("image/jpeg", "jpg", MAX_IMAGE_BYTES)
PNG = _Kind("image/png", "png", MAX_IMAGE_BYTES)
# A Word 97-2003 document is an OLE compound file; a DOCX is a ZIP, told from other ZIPs only by its name.
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class CheckedFile:
    """A file Zalo's upload will take: its name as the citizen will see it (with the kind's extension), its
    content type as read from the bytes, and their SHA-256."""

    name: str
    content_type: str
    sha256: str
    max_bytes: int


def check(name: str, data: bytes) -> CheckedFile | FileRefusal:
    """The file an official chose, or why Zalo would not take it."""
    if not data:
        return "empty"
    kind = _kind_of(data, name)
    if kind is None:
        return "type_not_allowed"
    if len(data) > kind.max_bytes:
        return "too_big"
    return CheckedFile(
        name=_display_name(name, kind),
        content_type=kind.content_type,
        sha256=hashlib.sha256(data).hexdigest(),
        max_bytes=kind.max_bytes,
    )


def object_name(case_id: str, request_id: str, file: CheckedFile) -> str:
    """The natural key of one file sent with one answer request: a retry of the request with the same file
    finds its copy. The bytes' digest is part of it, so another file sent under the same request id (after
    a failure that committed nothing) is stored beside it, never taken for the first; whether the request
    may still change is the workflow's to say (its request digest includes the file's)."""
    folder = f"{PREFIX}/{safe_file_name(case_id, 'case')}/{safe_file_name(request_id, 'request')}"
    return f"{folder}/{file.sha256[:16]}-{safe_file_name(file.name, 'tep')}"


def _kind_of(data: bytes, name: str) -> _Kind | None:
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(_OLE):
        return DOC
    if data.startswith(b"PK\x03\x04") and name.lower().endswith(".docx"):
        return DOCX
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _display_name(name: str, kind: _Kind) -> str:
    """The official's own name for the file (a browser may send a path: only its last part), ending in the
    kind's extension so the citizen's phone opens it with the right app."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip() or f"tra-loi.{kind.extension}"
    stem, dot, extension = name.rpartition(".")
    known = {kind.extension, "jpeg"} if kind is JPEG else {kind.extension}
    if not (dot and stem and extension.lower() in known):
        stem, extension = name, kind.extension
    stem = stem[: MAX_NAME_CHARS - len(extension) - 1].rstrip()
    return f"{stem}.{extension}"
