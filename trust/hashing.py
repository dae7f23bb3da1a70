"""The canonical form of a trust log entry and its SHA-256 hash, and the digest of its content.

The hash covers a JSON object with sorted keys, no insignificant whitespace and UTF-8 text:

    {"author_organisation": id|null, "author_user": id|null, "content_digest": 64 hex,
     "corrects": id|null, "created_at": ISO 8601 in UTC with microseconds, "entry_type": str,
     "payload": {...the structured details...}, "previous_hash": 64 hex, "relationship": id,
     "replies_to": id|null, "sequence": int, "version": 2}

Version 2 (ADR 18) keeps what an entry says out of the chain: `content_digest` is
SHA-256(salt || canonical JSON of {"body": str, "texts": {...}}), the salt being 32 random
bytes kept beside the text. Redacting an entry blanks text and salt; the chain still holds the
digest, so it verifies, and nobody can confirm a guess of what the entry said. Version 1
(body and the whole payload in the chain) was re-chained to version 2 by migration 0005.
Sorted keys make the form independent of the key order PostgreSQL's jsonb hands values back in.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from typing import Any, Protocol

# The details' free text (each type's spec names its own): in the entry's content, redactable;
# every other key stays in the chain.
from trust.entry_types import FREE_TEXT_KEYS

HASH_VERSION = 2


class ChainedEntry(Protocol):
    relationship_id: int
    sequence: int
    entry_type: str
    author_organisation_id: int | None
    author_user_id: int | None
    content_digest: str
    structured: Any
    corrects_id: int | None
    replies_to_id: int | None
    created_at: datetime.datetime
    previous_hash: str


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def payload_split(payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(structured, texts): the details that go into the chain and the free text that does not."""
    structured = {key: value for key, value in payload.items() if key not in FREE_TEXT_KEYS}
    texts = {key: value for key, value in payload.items() if key in FREE_TEXT_KEYS}
    return structured, texts


def salt_new() -> str:
    return secrets.token_hex(32)


def content_digest_compute(*, salt: str, body: str, texts: dict[str, Any]) -> str:
    return hashlib.sha256(bytes.fromhex(salt) + canonical_json({"body": body, "texts": texts})).hexdigest()


def entry_canonical_form(entry: ChainedEntry) -> bytes:
    created_at = entry.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return canonical_json(
        {
            "version": HASH_VERSION,
            "relationship": entry.relationship_id,
            "sequence": entry.sequence,
            "entry_type": entry.entry_type,
            "author_organisation": entry.author_organisation_id,
            "author_user": entry.author_user_id,
            "content_digest": entry.content_digest,
            "payload": entry.structured,
            "corrects": entry.corrects_id,
            "replies_to": entry.replies_to_id,
            "created_at": created_at,
            "previous_hash": entry.previous_hash,
        }
    )


def entry_hash_compute(entry: ChainedEntry) -> str:
    return hashlib.sha256(entry_canonical_form(entry)).hexdigest()
