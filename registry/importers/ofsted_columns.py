"""Which column of a register is which, in any edition's spelling, or a refusal saying why.

Headers are compared in a normal form (case, spaces, newlines, punctuation, accents, "&" and
the American "organization" do not matter). Each field the importer reads has
- the spellings Ofsted has used (exact, in normal form),
- a rule that recognises further spellings of the same column ("No. of places", "Owner name"),
  with the words that disqualify a header from it ("Places available" is not places), and
- for the columns whose loss would silently change published figures (owner, places, ...),
  a look-alike pattern: when no column is recognised but a header looks like one
  ("Owner type", "Places available"), the file is refused with that header named, instead of
  importing every home without owners or places.
A header is claimed by one field only: exact spellings first, then the rules, in field order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

# Leading words some editions put before a column's own name ("Latest full inspection ...").
_PREFIXES = re.compile(r"^(?:latest full inspection|latest inspection|latest full|latest)\s+")


class RegisterFormatError(ValueError):
    """The file is not a provider-level register we can read."""


class ColumnRecognitionError(RegisterFormatError):
    """A header names a column the importer reads in a way it does not recognise."""


def header_key(text: Any) -> str:
    """A header cell's comparable form: "\\nLatest Full inspection event type" -> "latest full ..."."""
    if text is None:
        return ""
    value = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().lower()
    value = value.replace("'", "").replace("&", " and ").replace("organization", "organisation")
    value = " ".join(re.sub(r"[^a-z0-9]+", " ", value).split())
    return value.removeprefix("the ")


@dataclass(frozen=True)
class ColumnSpec:
    """How one field's column is recognised (see the module docstring)."""

    field: str
    spellings: tuple[str, ...]  # most specific first: where two match, the earlier wins
    rule: re.Pattern[str] | None = None
    disqualifiers: re.Pattern[str] | None = None
    lookalike: re.Pattern[str] | None = None
    label: str = ""

    def is_spelling(self, key: str) -> bool:
        return key in self.spellings or _PREFIXES.sub("", key) in self.spellings

    def rank(self, key: str) -> int:
        """How specific a spelling is (0 is the most): "Organisation which owns the provider"
        is the owner column before "Provider name" is."""
        for spelling in (key, _PREFIXES.sub("", key)):
            if spelling in self.spellings:
                return self.spellings.index(spelling)
        return len(self.spellings)

    def follows_rule(self, key: str) -> bool:
        if self.rule is None or not self.rule.search(key):
            return False
        return self.disqualifiers is None or not self.disqualifiers.search(key)

    def looks_like(self, key: str) -> bool:
        return self.lookalike is not None and bool(self.lookalike.search(key))


def _words(*words: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(words) + r")\b")


# Words that make a header about something other than a name or a count (an owner's type or
# number, a date, an address).
_NOT_A_NAME = _words(
    "type",
    "types",
    "id",
    "identifier",
    "number",
    "no",
    "urn",
    "code",
    "reference",
    "ref",
    "address",
    "postcode",
    "sector",
    "status",
    "date",
    "region",
    "email",
    "telephone",
    "phone",
    "website",
    "url",
    "link",
    "count",
    "category",
    "kind",
    "share",
    "percentage",
)

# An earlier inspection's judgement or date, which later editions give beside the latest.
_PREVIOUS = _words("previous", "prior", "last but one")

COLUMN_SPECS: tuple[ColumnSpec, ...] = (
    ColumnSpec(
        "urn",
        (
            "urn",
            "unique reference number",
            "ofsted urn",
            "setting urn",
            "provider urn",
            "urn number",
        ),
        rule=re.compile(r"^(?:[a-z]+ )?(?:urn|unique reference number)$"),
        disqualifiers=_words("linked", "education", "ed", "previous", "parent"),
        label="URN",
    ),
    ColumnSpec(
        "provision_type",
        (
            "provision type",
            "type of provision",
            "provider type",
            "setting type",
            "type of setting",
        ),
        rule=re.compile(r"\b(?:provision|setting|provider) type\b|\btype of (?:provision|setting|provider)\b"),
        disqualifiers=_words("sub", "previous"),
        label="provision type",
    ),
    ColumnSpec(
        "registration_date",
        (
            "registration date",
            "reg date",
            "date registered",
            "date of registration",
            "registered date",
        ),
        rule=re.compile(r"\b(?:reg|regist\w*) date\b|\bdate (?:of )?regist"),
        disqualifiers=_words("de", "deregistration", "cancelled", "cancellation", "previous"),
        label="registration date",
    ),
    ColumnSpec(
        "registration_status",
        (
            "registration status",
            "reg status",
            "status",
            "registration state",
        ),
        rule=re.compile(r"\b(?:reg|regist\w*) status\b"),
        label="registration status",
    ),
    ColumnSpec(
        "name",
        (
            "name",
            "setting name",
            "home name",
            "name of setting",
            "establishment name",
        ),
        label="name",
    ),
    ColumnSpec(
        "ofsted_region",
        (
            "ofsted region",
            "region",
            "region name",
            "ofsted region name",
        ),
    ),
    ColumnSpec(
        "government_office_region",
        (
            "government office region",
            "gor",
            "government office region gor",
            "region gor",
        ),
    ),
    ColumnSpec(
        "local_authority",
        (
            "local authority",
            "local authority name",
            "la",
            "la name",
            "local authority la",
        ),
        rule=re.compile(r"^(?:la|local authority)(?: la)?(?: name)?$"),
        lookalike=re.compile(r"\blocal authority\b|^la\b"),
        label="local authority",
    ),
    ColumnSpec(
        "sector",
        (
            "sector",
            "provider sector",
            "ownership sector",
            "sector of provider",
        ),
        rule=re.compile(r"^(?:[a-z]+ )?sector$"),
        lookalike=_words("sector"),
        label="sector",
    ),
    ColumnSpec(
        "places",
        (
            "places",
            "number of places",
            "registered places",
            "max places",
            "maximum places",
            "total places",
            "approved places",
            "places registered",
            "number of registered places",
            "maximum number of places",
        ),
        rule=_words("places"),
        disqualifiers=_words(
            "vacant",
            "vacancy",
            "vacancies",
            "available",
            "availability",
            "occupied",
            "filled",
            "used",
            "type",
            "date",
            "premises",
            "supported",
            "emergency",
            "of safety",
            "change",
            "previous",
            "commissioned",
        ),
        lookalike=_words("places", "place", "beds", "bed", "capacity"),
        label="places",
    ),
    ColumnSpec(
        "short_break_only",
        (
            "short break only childrens home",
            "short breaks only",
            "short break only",
        ),
        rule=re.compile(r"\bshort ?breaks?\b"),
    ),
    ColumnSpec(
        "multi_building",
        (
            "multi building childrens home",
            "multi building home",
        ),
        rule=re.compile(r"\bmulti ?building\b|\bmultiple buildings\b"),
    ),
    ColumnSpec(
        "owner",
        (
            "organisation which owns the provider",
            "organisation that owns the provider",
            "organisation who owns the provider",
            "organisation owning the provider",
            "organisation",
            "organisation name",
            "name of organisation",
            "owning organisation",
            "owner",
            "owner name",
            "owners name",
            "registered owner",
            "registered provider",
            "registered provider name",
            "provider organisation",
            "provider organisation name",
            "owned by",
            "provider name",  # last: in some lists a setting's own name
        ),
        rule=re.compile(
            r"^(?:name of )?(?:the )?(?:registered |owning |responsible |providers |provider )?"
            r"(?:organisation|owner|owners|proprietor|company|registered provider)(?: name)?$"
            r"|\b(?:which|that|who) owns\b|\bowned by\b|\bowns (?:the )?(?:provider|setting|home|service)\b"
        ),
        disqualifiers=_NOT_A_NAME,
        lookalike=_words(
            "organisation",
            "organisations",
            "owner",
            "owners",
            "owns",
            "owned",
            "owning",
            "proprietor",
            "company",
            "registered provider",
            "provider name",
        ),
        label="owner (the organisation which owns the provider)",
    ),
    ColumnSpec(
        "inspection_date",
        (
            "inspection date",
            "latest full inspection date",
            "latest inspection date",
            "date of latest inspection",
            "date of inspection",
            "inspection event date",
            "full inspection date",
        ),
    ),
    ColumnSpec(
        "overall_judgement",
        (
            "overall experiences and progress of children and young people",
            "overall effectiveness",
        ),
        rule=re.compile(r"\boverall (?:experiences|effectiveness|judgement|rating|grade|outcome)\b"),
        disqualifiers=_PREVIOUS,
        lookalike=re.compile(r"^(?!previous\b).*\boverall\b"),
        label="overall judgement",
    ),
    ColumnSpec(
        "protection_judgement",
        ("how well children and young people are helped and protected",),
        rule=re.compile(r"\bhelped and protected\b"),
        disqualifiers=_PREVIOUS,
    ),
    ColumnSpec(
        "leadership_judgement",
        (
            "effectiveness of leaders and managers",
            "the effectiveness of leaders and managers",
        ),
        rule=re.compile(r"\bleaders and managers\b"),
        disqualifiers=_PREVIOUS,
    ),
)
REQUIRED_FIELDS = ("urn", "provision_type", "local_authority", "sector")
SPECS = {spec.field: spec for spec in COLUMN_SPECS}


def is_header_row(cells: list[Any]) -> bool:
    """A register's header row: a URN column and a provision-type column."""
    keys = [header_key(cell) for cell in cells]
    return all(
        any(SPECS[f].is_spelling(k) or SPECS[f].follows_rule(k) for k in keys) for f in ("urn", "provision_type")
    )


def _claim(keys: list[str], claimed: dict[int, str], test: str, resolved: dict[str, int]) -> dict[str, int]:
    """Each unresolved field's column by one test ("is_spelling" or "follows_rule")."""
    columns: dict[str, int] = {}
    for spec in COLUMN_SPECS:
        if spec.field in resolved:
            continue
        matches = [i for i, key in enumerate(keys) if key and i not in claimed and getattr(spec, test)(key)]
        if not matches:
            continue
        if test == "follows_rule" and len({keys[i] for i in matches}) > 1:
            headers = " and ".join(repr(keys[i]) for i in matches)
            raise ColumnRecognitionError(f"the columns {headers} could each be the {spec.label or spec.field} column")
        chosen = min(matches, key=lambda i: spec.rank(keys[i]))
        columns[spec.field] = chosen
        claimed[chosen] = spec.field
    return columns


def map_columns(header: list[Any]) -> dict[str, int]:
    """Field -> column index, or ColumnRecognitionError naming what is missing or unrecognised."""
    keys = [header_key(cell) for cell in header]
    claimed: dict[int, str] = {}
    columns = _claim(keys, claimed, "is_spelling", {})
    columns.update(_claim(keys, claimed, "follows_rule", columns))
    _refuse_lookalikes(header, keys, columns, claimed)
    missing = [field for field in REQUIRED_FIELDS if field not in columns]
    if missing:
        raise ColumnRecognitionError(f"the header row has no column for {', '.join(missing)}")
    return columns


def _refuse_lookalikes(header: list[Any], keys: list[str], columns: dict[str, int], claimed: dict[int, str]) -> None:
    for spec in COLUMN_SPECS:
        if spec.field in columns:
            continue
        for index, key in enumerate(keys):
            if index not in claimed and spec.looks_like(key):
                shown = " ".join(str(header[index]).split())
                raise ColumnRecognitionError(
                    f"the header {shown!r} (column {index + 1}) looks like the {spec.label} column but is not a "
                    f"spelling the importer knows, so the file was not imported rather than lose every home's "
                    f"{spec.field.replace('_', ' ')}; add the spelling to registry/importers/ofsted_columns.py"
                )
