"""Find obvious identifiers in free text, so a referral's summary never carries them.

A referral describes a child without naming them. The checks are deliberately simple and
err towards flagging: a commissioner can always reword a sentence, but an identifier sent
to providers cannot be taken back. What is *not* flagged matters as much: a postcode
district ("LS6"), an age ("14"), a year ("2024") or a short count must pass.

`identifiers_in` returns the kinds found, in a fixed order, never the matched text, so an
error message can name what to remove without repeating the identifier on the page.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.IGNORECASE)
# A full UK postcode: outward code, optional space, inward code (digit and two letters).
# A district alone ("LS6", "SW1A") has no inward code and is not matched.
POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
# Ten digits in the NHS number's 3-3-4 grouping (spaces or hyphens optional).
NHS_NUMBER = re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")
# UK telephone numbers: starting 0 or +44, 10 or 11 digits in all, spaces allowed.
PHONE = re.compile(r"(?:\+44\s?\(?0?\)?\s?|\b0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}\b")
DATE = re.compile(
    r"\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b"  # 03/04/2011, 3.4.11
    r"|\b\d{4}-\d{1,2}-\d{1,2}\b"  # 2011-04-03
    rf"|\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTHS})\.?,?\s+\d{{4}}\b"  # 3 April 2011
    rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}\b",  # April 3, 2011
    re.IGNORECASE,
)
# "Case 12345", "ref: AB123456", "reference no. 4411", "ID 778812", "LCS number 99881".
LABELLED_REFERENCE = re.compile(
    r"\b(?:case|ref|reference|id|file|client|child|person|lcs|mosaic|liquidlogic)\b\.?\s*"
    r"(?:no\.?|number|num|#)?\s*[:#]?\s*[A-Z]{0,4}[-/]?\d{3,}\b",
    re.IGNORECASE,
)
# Any other long number (six digits or more, optionally after a few letters) looks like a
# case, client or reference number; ages, years and counts are shorter.
LONG_NUMBER = re.compile(r"\b[A-Z]{0,4}\d{6,}\b", re.IGNORECASE)


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS number's modulus 11 check digit (NHS Data Dictionary)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _nhs_numbers(text: str) -> list[re.Match[str]]:
    return [m for m in NHS_NUMBER.finditer(text) if nhs_number_is_valid(re.sub(r"\D", "", m.group()))]


def _matches(pattern: re.Pattern[str]) -> Callable[[str], list[re.Match[str]]]:
    return lambda text: list(pattern.finditer(text))


# Checked in this order; each match is blanked out before the next kind is looked for, so a
# phone number is not also reported as a long reference number.
_KINDS: tuple[tuple[str, Callable[[str], list[re.Match[str]]]], ...] = (
    ("an e-mail address", _matches(EMAIL)),
    ("a full postcode", _matches(POSTCODE)),
    ("an NHS number", _nhs_numbers),
    ("a date that could be a date of birth", _matches(DATE)),
    ("a phone number", _matches(PHONE)),
    ("a case or reference number", _matches(LABELLED_REFERENCE)),
    ("a long number that could be a case or reference number", _matches(LONG_NUMBER)),
)


def identifiers_in(text: str) -> list[str]:
    """The kinds of identifier found in `text` (empty when none), never the text itself."""
    found: list[str] = []
    for kind, finder in _KINDS:
        matches = finder(text)
        if not matches:
            continue
        found.append(kind)
        for match in reversed(matches):
            text = text[: match.start()] + " " * (match.end() - match.start()) + text[match.end() :]
    return found


def identifiers_message(kinds: list[str]) -> str:
    """An error naming what to remove, for forms and API responses."""
    return (
        f"Remove {_join(kinds)} from the summary. A referral must not identify the child: "
        "no names, dates of birth, addresses, contact details or case numbers."
    )


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
