"""The canonical form of a trust log entry and its SHA-256 hash.

The hash covers a JSON object with sorted keys, no insignificant whitespace and UTF-8 text:

    {"author_organisation": id|null, "author_user": id|null, "body": str, "corrects": id|null,
     "created_at": ISO 8601 in UTC with microseconds, "entry_type": str, "payload": {...},
     "previous_hash": 64 hex, "relationship": id, "replies_to": id|null, "sequence": int,
     "version": 1}

`version` lets a later change of form verify old entries by their own rules. Sorted keys make
the form independent of the key order PostgreSQL's jsonb hands the payload back in.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from trust.models import Entry

HASH_VERSION = 1


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def entry_canonical_form(entry: Entry) -> bytes:
    created_at = entry.created_at.astimezone(datetime.UTC).isoformat(timespec="microseconds")
    return canonical_json(
        {
            "version": HASH_VERSION,
            "relationship": entry.relationship_id,
            "sequence": entry.sequence,
            "entry_type": entry.entry_type,
            "author_organisation": entry.author_organisation_id,
            "author_user": entry.author_user_id,
            "body": entry.body,
            "payload": entry.payload,
            "corrects": entry.corrects_id,
            "replies_to": entry.replies_to_id,
            "created_at": created_at,
            "previous_hash": entry.previous_hash,
        }
    )


def entry_hash_compute(entry: Entry) -> str:
    return hashlib.sha256(entry_canonical_form(entry)).hexdigest()
