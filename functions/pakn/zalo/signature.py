"""Zalo's webhook signature: `X-ZEvent-Signature: mac=<hex>` with
hex = SHA-256(app_id + raw_body + timestamp + oa_secret_key), a plain hash over the raw bytes as received."""

from __future__ import annotations

import hashlib
import hmac


def compute_mac(first_term: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    digest = hashlib.sha256()
    digest.update(first_term.encode())
    digest.update(raw_body)
    digest.update(timestamp.encode())
    digest.update(oa_secret_key.encode())
    return digest.hexdigest()


def signature_header(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """What Zalo sends (used by `pakn chat` and the tests to sign like Zalo does)."""
    return "mac=" + compute_mac(app_id, raw_body, timestamp, oa_secret_key)


def verify(
    header: str | None, first_terms: tuple[str, ...], raw_body: bytes, timestamp: str, oa_secret_key: str
) -> bool:
    """True when the header matches for one of the accepted first terms (app id, or OA id: UNSURE).

    Every candidate is compared in constant time, and all of them are always computed, so the time taken
    does not tell which term (if any) came close.
    """
    if not header:
        return False
    received = header.strip()
    received = received[4:] if received.lower().startswith("mac=") else received
    received_bytes = received.lower().encode()
    matches = [
        hmac.compare_digest(compute_mac(term, raw_body, timestamp, oa_secret_key).encode(), received_bytes)
        for term in first_terms
    ]
    return any(matches)
