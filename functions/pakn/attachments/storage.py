"""The attachments' bucket: the only code that talks to Cloud Storage (google-cloud-storage; locally and in
tests fake-gcs-server, which the client reaches through STORAGE_EMULATOR_HOST).

google.cloud.storage is imported on first use, never at import time: the webhook and the workers that keep
no attachment must not pay for it at a cold start.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from pakn.domain.errors import TransientFailure
from pakn.domain.vocabulary import StoredCopy

# The custom metadata key holding the SHA-256 of the bytes (Cloud Storage reports only MD5 and CRC32C).
SHA256_METADATA = "sha256"
READ_CHUNK = 256 * 1024


class StorageUnavailable(TransientFailure):
    """Cloud Storage did not answer as it should: the event is redelivered and tried again."""


@dataclass(frozen=True)
class StoredObject:
    """An object being read: what the console streams to an official."""

    content_type: str
    size: int
    chunks: Iterator[bytes]


class BucketStore:
    def __init__(self, bucket_name: str, client=None):
        """`client`: a google.cloud.storage.Client (tests may pass their own); None: made on first use."""
        self.bucket_name = bucket_name
        self._client = client
        self._bucket = None

    def _the_bucket(self):
        if self._bucket is None:
            if self._client is None:
                from google.cloud import storage

                self._client = storage.Client()
            self._bucket = self._client.bucket(self.bucket_name)
        return self._bucket

    def find(self, object_name: str) -> StoredCopy | None:
        """The copy already stored under `object_name` (a redelivered event), or None."""
        from google.api_core.exceptions import GoogleAPIError

        try:
            blob = self._the_bucket().get_blob(object_name)
        except GoogleAPIError as exc:
            raise StorageUnavailable(f"reading an attachment's metadata: {type(exc).__name__}") from exc
        return _copy_of(blob) if blob is not None else None

    def put(self, object_name: str, data: bytes, content_type: str, sha256: str) -> StoredCopy:
        """Stores `data` unless an object is already there (then that one is the copy): only-if-absent, so
        two deliveries of one event racing each other store it once."""
        from google.api_core.exceptions import GoogleAPIError, PreconditionFailed

        blob = self._the_bucket().blob(object_name)
        blob.metadata = {SHA256_METADATA: sha256}
        try:
            blob.upload_from_string(data, content_type=content_type, if_generation_match=0)
        except PreconditionFailed:
            existing = self.find(object_name)
            if existing is None:
                raise StorageUnavailable("an attachment vanished between two writes") from None
            return existing
        except GoogleAPIError as exc:
            raise StorageUnavailable(f"storing an attachment: {type(exc).__name__}") from exc
        return _copy_of(blob)

    def read(self, object_name: str) -> StoredObject | None:
        """The object's bytes as chunks, with its content type and size; None when it is not there."""
        from google.api_core.exceptions import GoogleAPIError

        try:
            blob = self._the_bucket().get_blob(object_name)
        except GoogleAPIError as exc:
            raise StorageUnavailable(f"reading an attachment: {type(exc).__name__}") from exc
        if blob is None:
            return None

        def chunks() -> Iterator[bytes]:
            # Only the generation just read: a chunk can never come from another version of the object.
            with blob.open("rb", chunk_size=READ_CHUNK, if_generation_match=blob.generation) as reader:
                while chunk := reader.read(READ_CHUNK):
                    yield chunk

        return StoredObject(
            content_type=blob.content_type or "application/octet-stream", size=blob.size or 0, chunks=chunks()
        )


def _copy_of(blob) -> StoredCopy:
    return StoredCopy(
        object_name=blob.name,
        content_type=blob.content_type or "application/octet-stream",
        size=blob.size or 0,
        sha256=(blob.metadata or {}).get(SHA256_METADATA, ""),
        md5_hash=blob.md5_hash,
        crc32c=blob.crc32c,
        # An emulator may leave it out; the moment it was read is then the closest known.
        stored_at=blob.time_created or datetime.now(UTC),
    )
