"""One screen for every free-text field: does this text identify a person?

A referral describes a child without naming them, and the trust log keeps what it is told. So
every free-text field (referral summaries, reasons, decline notes, offer conditions, trust-log
entries and their details, pulse comments, an administrator's reason) is screened here, by the
forms, the API and the services alike. The screen errs towards flagging: a writer can always
reword a sentence, but an identifier sent to thirty homes cannot be taken back. What it must
*not* flag matters as much, or people learn to ignore it.

`identifiers_in` returns the kinds found (`Kind` values, in a fixed order), never the matched
text, so a message can say what to remove without repeating it; `identifiers_message` names
the kinds and the field.

What it finds, and how
----------------------
Patterns, each a regular expression whose every repetition is bounded (so no match attempt
can run away), tried once along the text; a later kind never re-reports characters an earlier
kind claimed (a phone number is not also a long reference number):

- e-mail addresses; full UK postcodes ("LS6 1AA", not the district "LS6"); NHS numbers (ten
  digits passing the modulus 11 check, or any ten after "NHS number"); UK phone numbers; case and reference numbers
  ("case 12345", "ref: AB123456", "Mosaic ID 4471") and any other number of six digits or more;
- street addresses: a house number, one to three capitalised words and a street word
  ("12 Acacia Avenue", "3 The Grove"). A street named without a number ("Victoria Street")
  passes: it names no home;
- dates of birth: a date right after a birth cue ("born 3 April 2011", "DOB 03/04/11", "date of
  birth: ...", "born in 2011", "birthday is 3 May"), and dated ages ("turned 14 on 3 May",
  "will be 15 on the 2nd of June"). Other dates pass: meetings and due dates are what the
  trust log is about.

Names, in one pass over the words (tokens), deciding from capitalisation, position in the
sentence and the words around:

- a title and a capitalised word ("Mr Smith", "Ms O'Neill", "Dr. Patel");
- a capitalised word after "called", "named", "nicknamed", "known as", "goes by", "calls
  herself", "name is" ("a boy called Tyler");
- initials: "J.S.", "J. S.", or two or three capitals that are not a known abbreviation
  followed by an age ("JS aged 14", "KT (15)");
- first names from commissioning/data/first_names.txt (about 11,000 names ranked in Great
  Britain, and in the countries of England's largest communities, by names-dataset; below the
  top British ranks vouched for by gender-guesser's hand-kept dictionary or, failing that, not
  an English word; scripts/first_names_derive.py makes it), when capitalised. A name is then
  sorted by how often it is something else:
  - most names ("Jamie", "Olivia", "Mohammed") count anywhere, sentence start included;
  - names that are also ordinary words ("Grace", "Rose", "Will", "Holly", "Mark") count in
    the middle of a sentence, and at its start only with a sign of a person after them: a
    surname ("Rose Taylor"), a possessive ("Rose's"), or a verb a person does ("Holly is",
    "Harry likes"). "Will he settle?" and "Mark the date" pass;
  - names that are also months, places or virtues ("May", "Bradford", "Chelsea", "Hope",
    "Christian"; place_names.txt lists the places, from Ofsted's register) count only with a
    surname or a person's verb after them ("Chelsea likes", "May Smith"). "in May", "lives in
    Bradford" pass;
  - a name that is also a place abroad ("Florence", "India", "Jordan") after "in", "from",
    "near" or "to" (but not "spoke to") is the place; "Sue Ryder", "Marie Curie" and a few
    other organisations named after people are organisations;
  - any name followed, within three capitalised words, by a word for a building, street,
    place or organisation is part of that place's name: "Rose Cottage", "Victoria Street",
    "Grace Darling Court", "Leeds City Council" pass; so does a name after "St", "Queen",
    "King", "Prince"... ("St Anne's", "Queen Elizabeth Hospital").

What it knowingly misses: a surname alone ("Smith said"), names not capitalised ("jamie"),
names in capitals ("JAMIE"), first names not in the list, a word-name at the start of a
sentence with none of the signs above ("Ruby settled well"), a place-name used as a person's
name mid-sentence ("we met Chelsea"), street names without a number, and identifying
descriptions (a rare condition in a small town). docs/adr/0016-identifier-screen.md has the
figures measured on tests/commissioning/identifier_corpus.py.

Linear time: the tokeniser and every pattern are single regular expressions with bounded
repetition, each scanned once; the name rules look at most four tokens either side of each
token. 100,000 characters screen in tens of milliseconds (`make bench` measures it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError

DATA = Path(__file__).resolve().parent / "data"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


class Kind(StrEnum):
    """The kinds of identifier, in the order they are reported."""

    NAME = "name"
    DATE_OF_BIRTH = "date_of_birth"
    ADDRESS = "address"
    POSTCODE = "postcode"
    NHS_NUMBER = "nhs_number"
    PHONE = "phone"
    EMAIL = "email"
    REFERENCE = "reference"


# "Remove ... from the note."
_THE = {
    Kind.NAME: "the person's name",
    Kind.DATE_OF_BIRTH: "the date of birth",
    Kind.ADDRESS: "the street address",
    Kind.POSTCODE: "the full postcode",
    Kind.NHS_NUMBER: "the NHS number",
    Kind.PHONE: "the phone number",
    Kind.EMAIL: "the e-mail address",
    Kind.REFERENCE: "the case or reference number",
}
# "This seems to contain ..."
_A = {
    Kind.NAME: "a person's name",
    Kind.DATE_OF_BIRTH: "a date of birth",
    Kind.ADDRESS: "a street address",
    Kind.POSTCODE: "a full postcode",
    Kind.NHS_NUMBER: "an NHS number",
    Kind.PHONE: "a phone number",
    Kind.EMAIL: "an e-mail address",
    Kind.REFERENCE: "a case or reference number",
}

# --- Patterns ------------------------------------------------------------------------------

_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_DAY_MONTH = rf"(?:{_DAY}\s{{1,3}}(?:of\s{{1,3}})?(?:{_MONTHS})\b|(?:{_MONTHS})\.?\s{{1,3}}{_DAY}\b)"
_NUMERIC_DATE = r"(?:\d{1,2}[/.-]\d{1,2}(?:[/.-](?:\d{4}|\d{2}))?\b|\d{4}-\d{1,2}-\d{1,2}\b)"
_YEAR = r"(?:19|20)\d{2}\b"
# A date as it follows a birth cue: "3 April 2011", "April 3rd, 2011", "03/04/11", "April 2011", "2011".
_BIRTH_DATE = rf"(?:{_NUMERIC_DATE}|{_DAY_MONTH}\.?,?(?:\s{{1,3}}{_YEAR})?|(?:{_MONTHS})\.?,?\s{{1,3}}{_YEAR}|{_YEAR})"
_BIRTH_CUE = re.compile(r"\b(?:born|d\.?o\.?b\b\.?|date\s{1,3}of\s{1,3}birth|birth\s?date|birthday)", re.IGNORECASE)
# What may stand between the cue and the date: "born on the", "DOB:", "date of birth is".
_AFTER_CUE = re.compile(
    rf"[\s:,(-]{{0,4}}(?:(?:on|in|is|was|of|the|:|-)[\s:,]{{1,3}}){{0,3}}(?:{_BIRTH_DATE})", re.IGNORECASE
)
# "turned 14 on 3 May", "will be 15 on the 2nd of June", "is 14 on Tuesday 3 May".
_DATED_AGE = re.compile(
    r"\b(?:turn(?:s|ed|ing)?|be|is|was|became|becomes|aged?)\s{1,3}\d{1,2}\s{1,3}(?:years?\s{1,3}old\s{1,3})?"
    rf"on\s{{1,3}}(?:the\s{{1,3}})?(?:[a-z]{{3,9}}day,?\s{{1,3}}(?:the\s{{1,3}})?)?(?:{_DAY_MONTH}|{_NUMERIC_DATE})",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,6}", re.IGNORECASE)
# A full UK postcode: outward code, optional space, inward code (digit and two letters).
# A district alone ("LS6", "SW1A") has no inward code and is not matched.
_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2})\b", re.IGNORECASE)
# Ten digits in the NHS number's 3-3-4 grouping (spaces or hyphens optional).
_NHS_NUMBER = re.compile(r"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b")
# Ten digits said to be an NHS number, whether or not the check digit is right: a mistyped NHS
# number still names the kind to remove.
_LABELLED_NHS_NUMBER = re.compile(
    r"\bNHS\s{0,3}(?:no\.?|number|num|#)?\s{0,3}(?:is\s{1,3})?[:#]?\s{0,3}\d{3}[ -]?\d{3}[ -]?\d{4}\b", re.IGNORECASE
)
# UK telephone numbers: starting 0 or +44, 10 or 11 digits in all, spaces allowed.
_PHONE = re.compile(r"(?:\+44\s?\(?0?\)?\s?|\b0)\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}\b")
# "Case 12345", "ref: AB123456", "reference no. 4411", "ID 778812", "LCS number 99881".
_LABELLED_REFERENCE = re.compile(
    r"\b(?:case|ref|reference|id|file|client|child|person|lcs|mosaic|liquidlogic|eclipse)\b\.?\s{0,3}"
    r"(?:no\.?|number|num|#)?\s{0,3}[:#]?\s{0,3}[A-Z]{0,4}[-/]?\d{3,}\b",
    re.IGNORECASE,
)
# Any other long number (six digits or more, optionally after a few letters) looks like a
# case, client or reference number; ages, years and counts are shorter.
_LONG_NUMBER = re.compile(r"\b[A-Z]{0,4}\d{6,}\b", re.IGNORECASE)
_STREET_WORDS = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Close|Crescent|Cres|Way|Court|Ct|Place|Pl|Gardens|Grove"
    "|Terrace|Walk|Mews|Row|Hill|Square|Sq|Rise|View|Parade|Green|Vale|Croft|Chase|Boulevard|Fold|Gate"
    "|Park|Wharf|Yard|Approach|Bank|Brow|Garth|Wynd|Meadows|Fields"
)
_ADDRESS = re.compile(
    rf"\b\d{{1,4}}[A-Za-z]?,?[ \t]{{1,3}}(?:[A-Z][A-Za-z'\u2019-]{{0,25}}[ \t]{{1,3}}){{1,3}}(?:{_STREET_WORDS})\b"
)


def nhs_number_is_valid(digits: str) -> bool:
    """The NHS number's modulus 11 check digit (NHS Data Dictionary)."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(digit) * weight for digit, weight in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    if check == 11:
        check = 0
    return check != 10 and check == int(digits[9])


def _birth_dates(text: str) -> Iterator[tuple[int, int]]:
    for cue in _BIRTH_CUE.finditer(text):
        date = _AFTER_CUE.match(text, cue.end())
        if date:
            yield cue.start(), date.end()
    for match in _DATED_AGE.finditer(text):
        yield match.span()


def _spans(pattern: re.Pattern[str], text: str) -> Iterator[tuple[int, int]]:
    return (match.span() for match in pattern.finditer(text))


def _nhs_numbers(text: str) -> Iterator[tuple[int, int]]:
    for match in _NHS_NUMBER.finditer(text):
        if nhs_number_is_valid(re.sub(r"\D", "", match.group())):
            yield match.span()


_PATTERNS = (
    (Kind.EMAIL, lambda text: _spans(_EMAIL, text)),
    (Kind.POSTCODE, lambda text: _spans(_POSTCODE, text)),
    (Kind.NHS_NUMBER, lambda text: _spans(_LABELLED_NHS_NUMBER, text)),
    (Kind.NHS_NUMBER, _nhs_numbers),
    (Kind.DATE_OF_BIRTH, _birth_dates),
    (Kind.PHONE, lambda text: _spans(_PHONE, text)),
    (Kind.ADDRESS, lambda text: _spans(_ADDRESS, text)),
    (Kind.REFERENCE, lambda text: _spans(_LABELLED_REFERENCE, text)),
    (Kind.REFERENCE, lambda text: _spans(_LONG_NUMBER, text)),
)


def _pattern_kinds(text: str) -> set[Kind]:
    """The kinds the patterns find. Characters one kind claims are not counted again by a
    later kind; the claim is a mask, so this stays linear however many matches there are."""
    claimed = bytearray(len(text))
    found: set[Kind] = set()
    for kind, finder in _PATTERNS:
        for start, end in finder(text):
            if any(claimed[start:end]):
                continue
            claimed[start:end] = b"\x01" * (end - start)
            found.add(kind)
    return found


# --- Names ---------------------------------------------------------------------------------

# A word (letters, with inner apostrophes or hyphens: "O'Neill", "Mary-Jane", "Jamie's"), a
# number, or one other character. Each part of a word starts after a separator, so no text
# can be split two ways: the scan is linear.
_TOKEN = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*|\d+|[^\w\s]|\n")
_SENTENCE_ENDS = frozenset(".!?:;\u2022*\u2013\u2014\u2026")  # bullets and dashes too
_OPENERS = frozenset("\"\u201c\u2018'([")

TITLES = frozenset({"Mr", "Mrs", "Ms", "Miss", "Mx", "Dr", "Mstr"})
# The word after these is what someone or something is called.
_NAMING_CUES = frozenset({"called", "named", "nicknamed", "renamed"})
_NAMING_PAIRS = frozenset({("known", "as"), ("goes", "by"), ("go", "by"), ("name", "is"), ("name", "was")})
_ARTICLES = frozenset({"a", "an", "the", "each", "every", "one", "any"})
_REFLEXIVES = frozenset({"himself", "herself", "themselves", "themself", "me", "him", "her", "them"})
# Capitalised words after "called" that are not a name.
_NOT_CALLED = frozenset({"The", "A", "An", "It", "This", "That", "Our", "My", "Their", "His", "Her", "Social"})
# Words that make a name part of a place's or organisation's name when they follow it.
_PLACE_WORDS = _words(
    """
    Street St Road Rd Avenue Ave Lane Drive Close Crescent Way Court Place Gardens Garden Grove
    Terrace Walk Mews Row Hill Hills Square Rise View Parade Green Vale Croft Chase Park Wharf Gate
    Fold Yard Cottage Cottages House Houses Lodge Farm Hall Manor Villa Villas Barn Mill Heights
    Tower Towers Grange Rectory Vicarage Cross Bridge Field Fields Meadow Meadows Wood Woods End
    Bank Centre Center Unit School Schools Academy College University Nursery Primary High Infants
    Juniors Hospital Clinic Surgery Practice Ward Church Chapel Cathedral Mosque Temple Gurdwara
    Synagogue Trust Foundation Council Borough County City District Authority Partnership Services
    Service Group Homes Home Care Healthcare Ltd Limited LLP Plc Project Team Club United Rovers
    Town Village Valley Bay Estate Station Airport Line Museum Library Theatre Cinema Stadium Arena
    Arms Inn Hotel Crown Magistrates Tribunal Act Bill Day Week Award Programme Scheme Fund Network
    Forum Board Panel Alliance Federation Association Society Institute Commission Committee Office
    Department Ministry Police Constabulary Fire Rescue Hub North South East West Central Upper
    Lower Great Little New Old Island Isle Beach Harbour Quay Marina Common Heath Moor Dale Forest
    Lakes Lake Water Way Mount Castle Palace Gallery Shopping Retail Leisure Sports Youth Community
    Family Families Children Children's Young People Health Mental Hospice Dental Medical Support
    Living Residential Supported Respite Assessment Infirmary Villa Rovers Wanderers Athletic
    """
)
# Place words that are also common surnames.
SURNAME_PLACE_WORDS = _words(
    """
    Hall Hill Hills Wood Woods Green Field Fields Mills Mill Lane Banks Moor Heath Ward Bridges
    Marsh Brook Brooks Fox Wells Young King Bishop Newton Weston
    """
)
# A name after these words is part of a place's name: "St Anne's", "Queen Elizabeth Hospital".
_PLACE_PREFIXES = _words(
    """
    St Saint Queen King Prince Princess Lady Lord Mount Port Fort Lake Cape Loch Great Little Upper
    Lower North South East West New Old Royal Sir
    """
)
# What a person does, seen right after a name that could be a word: "Holly is", "Harry likes".
_PERSON_VERBS = _words(
    """
    is was has had does did likes liked loves loved enjoys enjoyed wants wanted said says told tells
    asked asks attends attended lives lived aged age feels felt became gets got goes went needs
    needed can cannot can't could would will won't should must settled moved ran returned goes
    struggles struggled finds found responds responded prefers hopes hoped thinks thought knows knew
    """
)
# The same, for names that are also places or months, where "Bradford is" is about the city.
_STRONG_PERSON_VERBS = _words(
    """
    likes liked loves loved enjoys enjoyed wants wanted said says told tells asked asks attends
    attended aged feels felt struggles struggled prefers hopes hoped thinks thought
    """
)
# First names that are also ordinary words: capitalised mid-sentence they are names; at the
# start of a sentence they need a sign of a person after them.
WORD_NAMES = _words(
    """
    Amber Ash Blossom Bob Brook Brooke Carol Cherry Clay Cliff Crystal Daisy Dawn Dean Don Dot Drew
    Eve Fern Frank Gene Ginger Glen Grace Guy Harry Hazel Heather Holly Honey Iris Ivy Jack Jade
    Jasmine Jay Lily Mark Mason Max Melody Miles Misty Nick Olive Pat Pearl Penny Poppy Ray Robin
    Rose Ruby Rusty Sandy Scarlett Skye Sonny Sue Violet Will Willow Wren Bill Carmen Harley Harper
    Heath Jules Kit Laurel Lee Marina Matt Teddy Tony Bradley Leigh Ross Perry Shirley Kimberley
    Beverley Grant Rob Rod Lance Warren Sally Kitty Bud Buck Chip Chuck Hank Rowan Bonnie Ernest
    Constance Prudence Skip
    """
)
# First names that are, in this service's texts, far more often a month, a day, a place, a
# virtue, a subject, a brand or an adjective: only a surname or a person's verb after them makes
# them a name.
PLACE_LIKE_NAMES = _words(
    """
    January February March April May June July August September October November December Monday
    Tuesday Wednesday Thursday Friday Saturday Sunday Christian Christmas Easter Valentine Young
    King Prince Princess Major Justice Judge Hope Faith Joy Trinity Unity Liberty Harmony Summer
    Autumn Spring Winter Patience Charity Temperance Verity Honour Honor Chance Miracle Destiny
    Precious Angel English British Irish Welsh Scottish Black White Brown Green Asian African Muslim
    Jewish Catholic Islam Independent Local Virtual Foster Social Special Family Court Care Art Duke
    Earl Royal Sky Star Tiger Storm Ocean River Rain Rock Rocky Shadow Scout Sailor Stone Reign
    Rebel Lyric Hero Jet Dash Colt Fox Wolf Sterling Cash Page Wells Ward West Baker Cook Bell Gray
    Grey Marshall Parker Tucker Tanner Hunter Carter Chase Sage Shade Reed Rich Gem Jewel Jolly
    Sunny Buddy Candy Berry Pepper Ebony Ivory Flora Forest Meadow Mercy Nova Sol Tiny Wade Nan Nana
    Nanny Nike Key Fee Aston Zion Bay Abbey Dale Angel Mo Lark Piper Ryder Maverick Lucky Happy
    Early Long Can Than Said Age Min Edit Price Meta Dev Nav Del Thin Trace Marks Just Non Pip Tab
    Red Reg Ran Ping Doc Let Col Len Elif Aria Tel Abs Afghan Everton Jesus
    Ace Ale Ammo Ant Baron Bee Beer Brain Buzz Cat Chin Con Dare Deep Diamond Dip Ear Fan Flip Gay Gent
    Genesis Hardy Harsh Hey Innocent Jelly Joke Junior Kin Lean Mine Mon Moo Nest Nil Noble Oh Pan Pen
    Pie Pin Prosper Rush Sang Shell Sine Song Swan Tan Tee Tone Urban Win Marine German Cherish Bet
    Berth Brit Dell Blaze Brandy Bunny Butch Coral Emerald Garnet Opal Scarlet Serenity Raven
    """
)
MONTHS = _words(
    """
    January February March April May June July August September October November December
    """
)
# First names that are also places abroad or in Ireland: after "in", "from", "to"... a place.
WORLD_PLACES = _words(
    """
    India Jordan Georgia Florence Sydney Paris Israel Chad Austin Dallas Phoenix Orlando Savannah
    Adelaide Alexandria Asia Eden Kenya Virginia Carolina Dakota Brooklyn Denver Montana Vienna Geneva
    Verona Santiago Lourdes Shannon Clare Kerry Tyrone Sierra Madison Troy Lorraine Brittany
    """
)
_PLACE_NOUNS = _words("city town village country place capital state island county borough area region")
_PLACE_PREPOSITIONS = _words("in from near at visit visited visiting around across via towards toward into")
_SPOKEN_TO = _words(
    """
    spoke speak speaks speaking talked talk talks talking said says explained explain wrote write
    writes sent send gave give given listened listen introduced introduce read apologised apologise
    replied reply responded respond offered offer belongs belonged went goes
    """
) - {"went", "goes"}
# Organisations, brands and public figures named after a person, as their first two words: a
# child who loves Harry Potter is not named by it.
NAMED_AFTER_PEOPLE = frozenset(
    {
        ("Sue", "Ryder"),
        ("Marie", "Curie"),
        ("Anna", "Freud"),
        ("Florence", "Nightingale"),
        ("Mary", "Seacole"),
        ("Thomas", "Coram"),
        ("Joseph", "Rowntree"),
        ("Ronald", "McDonald"),
        ("Paul", "Hamlyn"),
        ("Jamie", "Oliver"),
        # Brands, characters and public figures a child's interests name.
        ("Harry", "Potter"),
        ("Tracy", "Beaker"),
        ("Peppa", "Pig"),
        ("Jack", "Wills"),
        ("Ted", "Baker"),
        ("Tommy", "Hilfiger"),
        ("Calvin", "Klein"),
        ("Ralph", "Lauren"),
        ("Hugo", "Boss"),
        ("Marcus", "Rashford"),
        ("Harry", "Kane"),
        ("Lewis", "Hamilton"),
        ("Taylor", "Swift"),
        ("Billie", "Eilish"),
        ("Ed", "Sheeran"),
        ("David", "Attenborough"),
    }
)
# Abbreviations of practice that look like initials: "YP aged 14" is a young person.
ABBREVIATIONS = _words(
    """
    YP CYP LAC CLA CIC UASC SW IRO LA LAs GP SEN SEND EHCP ADHD ASD ASC PDA FASD CSE CCE DV MH
    SEMH PTSD OCD YOT YJS CAMHS EWO DSL PA RM RI TAC CIN CP PLO ICO FCO SGO EPO CAO MCA LD BSL EAL
    PE RE IT HR UK NHS OK AM PM AKA TV NEET ESOL GCSE KS SATS SATs ICB CCG PRU AP ILS CHC MASH LADO
    DBS FGC NFA UC DLA PIP AWOL MFH CEO ABA EBD MLD SLD PMLD SALT OT CBT DBT EMDR IQ IEP PEP CAF EHA
    SPA LGBT LGBTQ BAME AC US USA EU HMRC DWP DFE DfE ONS ICS
    """
)
_INITIAL_EXCEPTIONS = frozenset({"UK", "US", "EU", "AM", "PM", "GP", "NHS", "DOB", "RE", "PE", "BA", "MA", "UN"})
_AGE_CUES = frozenset({"aged", "age", "Aged", "Age"})


@dataclass(frozen=True, slots=True)
class _Tokens:
    words: list[str]
    starts: list[bool]  # whether each word is the first of a sentence, line, bullet or quotation


def _tokens(text: str) -> _Tokens:
    words: list[str] = []
    starts: list[bool] = []
    starts_sentence = True
    for word in _TOKEN.findall(text):
        if word == "\n":
            starts_sentence = True
            continue
        words.append(word)
        starts.append(starts_sentence)
        # An opening quote or bracket passes the sentence start on to the word after it.
        starts_sentence = word in _SENTENCE_ENDS or (starts_sentence and word in _OPENERS)
    return _Tokens(words, starts)


def _capitalised(word: str) -> bool:
    """ "Jamie", "O'Neill", "McDonald", "Mary-Jane"; not "JAMIE", "jamie" or "J"."""
    return word[:1].isupper() and any(character.islower() for character in word)


def _possessive(word: str) -> tuple[str, bool]:
    for ending in ("'s", "\u2019s"):
        if word.endswith(ending):
            return word[: -len(ending)], True
    return word, False


@cache
def first_names() -> frozenset[str]:
    return _read(DATA / "first_names.txt")


@cache
def place_names() -> frozenset[str]:
    return _read(DATA / "place_names.txt")


def _read(path: Path) -> frozenset[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def _word(tokens: _Tokens, index: int) -> str:
    return tokens.words[index] if 0 <= index < len(tokens.words) else ""


def _next_word_index(tokens: _Tokens, index: int) -> int:
    """The index of the first token after `index` that is not a full stop (after "Mr.", "St.")."""
    index += 1
    while _word(tokens, index) == ".":
        index += 1
    return index


def _previous_word(tokens: _Tokens, index: int) -> str:
    index -= 1
    while _word(tokens, index) == ".":
        index -= 1
    return _word(tokens, index)


def _part_of_a_place(tokens: _Tokens, index: int, *, surname_first: bool = False) -> bool:
    """ "Rose Cottage", "Grace Darling Court", "Leeds City Council", "St Anne's", "Queen
    Elizabeth Hospital": the name is part of a building's, street's or organisation's name.
    With `surname_first`, a place word that is a common surname right after the name is the
    surname ("Sam Hall", "Megan Wood") unless a capitalised word follows it ("Jamie Hall Trust")."""
    if _previous_word(tokens, index) in _PLACE_PREFIXES:
        return True
    following = _word(tokens, index + 1)
    if surname_first and following in SURNAME_PLACE_WORDS and not _capitalised(_word(tokens, index + 2)):
        return False
    for ahead in range(index + 1, min(index + 4, len(tokens.words))):
        word = _possessive(tokens.words[ahead])[0]
        if word in _PLACE_WORDS or tokens.words[ahead] in _PLACE_WORDS:
            return True
        if not _capitalised(word) or tokens.starts[ahead]:
            return False
    return False


def _surname_follows(tokens: _Tokens, index: int) -> bool:
    following = index + 1
    if following >= len(tokens.words) or tokens.starts[following]:
        return False
    word = _possessive(tokens.words[following])[0]
    return _capitalised(word) and word not in MONTHS and word not in PLACE_LIKE_NAMES and word not in TITLES


def _person_follows(tokens: _Tokens, index: int, verbs: frozenset[str]) -> bool:
    following = _word(tokens, index + 1)
    if following in verbs:
        return True
    if following == "and" and _word(tokens, index + 2) in {"her", "his", "their"}:
        return True  # "Summer and her brother"
    # "Ruby (14)", "Ruby, 14,"
    return following in {"(", ","} and _word(tokens, index + 2).isdigit()


def _known_name(tokens: _Tokens, index: int) -> bool:
    word, possessive = _possessive(tokens.words[index])
    name = word if word in first_names() else word.split("-")[0]
    if name not in first_names():
        return False
    ordinary = name not in PLACE_LIKE_NAMES and name not in place_names() and name not in WORD_NAMES
    if _part_of_a_place(tokens, index, surname_first=ordinary) or _named_after(tokens, index):
        return False
    if _previous_word(tokens, index).lower() == "the" or _described_as_a_place(tokens, index):
        return False  # "the Holly Bush estate", "the Victoria Cross"; "Florence is a city"
    if name in WORLD_PLACES and not possessive and _travelled_to(tokens, index):
        return False
    if name in PLACE_LIKE_NAMES or name in place_names():
        return (
            _surname_follows(tokens, index)
            or _person_follows(tokens, index, _STRONG_PERSON_VERBS)
            or (possessive and _word(tokens, index + 1).lower() in _FAMILY)  # "Summer's mum"
        )
    if name in WORD_NAMES:
        # After a capitalised word that does not start the sentence, the name is part of a proper
        # name ("the Social Work Bill"); after "Tell" at the start it is still a person.
        previous = index - 1 if _word(tokens, index - 1) != "." else index - 2
        in_a_proper_name = _capitalised(_word(tokens, previous)) and not tokens.starts[max(previous, 0)]
        mid_sentence = not tokens.starts[index] and not in_a_proper_name
        return (
            possessive
            or mid_sentence
            or _surname_follows(tokens, index)
            or _person_follows(tokens, index, _PERSON_VERBS)
        )
    return True


def _named_after(tokens: _Tokens, index: int) -> bool:
    """ "Sue Ryder", "Marie Curie": organisations named after a person."""
    word = tokens.words[index]
    pairs = {(word, _word(tokens, index + 1)), (_word(tokens, index - 1), word)}
    return not pairs.isdisjoint(NAMED_AFTER_PEOPLE)


def _described_as_a_place(tokens: _Tokens, index: int) -> bool:
    """ "Florence is a city she wants to visit"."""
    return (
        _word(tokens, index + 1) in {"is", "was"}
        and _word(tokens, index + 2) in {"a", "an", "the"}
        and _word(tokens, index + 3).lower() in _PLACE_NOUNS
    )


def _travelled_to(tokens: _Tokens, index: int) -> bool:
    """ "a trip to Florence", "her family is from India", "lives in Jordan"; but "we spoke to
    Jordan" is a person."""
    previous = _previous_word(tokens, index).lower()
    if previous == "to":
        return _word(tokens, index - 2).lower() not in _SPOKEN_TO
    return previous in _PLACE_PREPOSITIONS


def _titled(tokens: _Tokens, index: int) -> bool:
    """ "Mr Smith", "Ms. O'Neill", "Dr Patel", "Mr J. Smith"."""
    if tokens.words[index] not in TITLES:
        return False
    following = _next_word_index(tokens, index)
    while len(_word(tokens, following)) == 1 and _word(tokens, following).isupper():  # "Mr J. Smith"
        following = _next_word_index(tokens, following)
    word = _possessive(_word(tokens, following))[0]
    return _capitalised(word) and word not in _PLACE_WORDS and not _part_of_a_place(tokens, following)


def _called(tokens: _Tokens, index: int) -> bool:
    """ "a boy called Tyler", "known as Kaz", "calls herself Jay", "her name is Mia"."""
    word = tokens.words[index].lower()
    pair = (word, _word(tokens, index + 1).lower())
    if _previous_word(tokens, index).lower() in _ARTICLES:
        return False  # "a named contact", "the called number": an adjective, not a name's cue
    if word in _NAMING_CUES or (word == "calls" and _word(tokens, index + 1) in _REFLEXIVES):
        following = index + 1
    elif pair in _NAMING_PAIRS:
        following = index + 2
    else:
        return False
    while _word(tokens, following) in _REFLEXIVES or _word(tokens, following) in _OPENERS:
        following += 1
    candidate = _possessive(_word(tokens, following))[0]
    return (
        _capitalised(candidate)
        and candidate not in _NOT_CALLED
        and candidate not in _PLACE_WORDS
        and not _part_of_a_place(tokens, following)
    )


def _initials(tokens: _Tokens, index: int) -> bool:
    """ "J.S.", "J. S. said", "JS aged 14", "KT (15)"."""
    word = tokens.words[index]
    if len(word) == 1 and word.isupper() and _word(tokens, index + 1) == ".":
        if _word(tokens, index - 1) == "." and len(_word(tokens, index - 2)) == 1:
            return False  # the middle of a run already looked at
        letters = word
        while len(letters) < 5 and len(_word(tokens, index + 2 * len(letters))) == 1:
            following = _word(tokens, index + 2 * len(letters))
            if not (following.isupper() and _word(tokens, index + 2 * len(letters) + 1) == "."):
                break
            letters += following
        return len(letters) >= 2 and letters not in _INITIAL_EXCEPTIONS
    if 2 <= len(word) <= 3 and word.isalpha() and word.isupper() and word not in ABBREVIATIONS:
        following = _word(tokens, index + 1)
        return following in _AGE_CUES or (following == "(" and _word(tokens, index + 2).isdigit())
    return False


# After a possessive, family words: only a person has a mum ("Summer's mum", not "April's fee").
_FAMILY = _words(
    """
    mum mother dad father parents brother brothers sister sisters siblings nan nana gran grandma
    grandmother grandad grandfather grandparents aunt auntie uncle cousin cousins boyfriend
    girlfriend
    """
)
# After a possessive, words that say the owner is a person: "Oluwaseun's mum", "Tomasz's school".
_PERSONAL = _FAMILY | _words(
    """
    partner carer carers foster social key teacher behaviour placement medication bedroom
    birthday family views wishes friends friend school college diagnosis health needs plan care
    contact
    """
)
# Capitalised possessives of things, not people: "Children's social care", "Ofsted's view".
_NOT_PEOPLE = _words(
    """
    Children Child People Women Men Parents Carers Everyone Someone Anyone Nobody Today Tomorrow
    Yesterday Year Week Month Council Authority Ofsted Barnardo Barnardos Nando McDonald Sainsbury
    Tesco Morrison Mother Father Mum Dad Nan Home School Provider Commissioner Government Court
    Police Staff Service Team Trust Panel Manager Worker Family Society Foster England Britain Wales
    Leeds It That This Who One Other
    """
)


def _owner_is_a_person(tokens: _Tokens, index: int) -> bool:
    """ "Oluwaseun's mum": a capitalised possessive that is not a known word or place,
    followed by a word about a person's life."""
    word, possessive = _possessive(tokens.words[index])
    return (
        possessive
        and _capitalised(word)
        and word not in _NOT_PEOPLE
        and word not in PLACE_LIKE_NAMES
        and word not in place_names()
        and not _part_of_a_place(tokens, index)
        and _word(tokens, index + 1).lower() in _PERSONAL
    )


_NAME_RULES = (_titled, _called, _initials, _owner_is_a_person)


def _has_name(text: str) -> bool:
    tokens = _tokens(text)
    for index, word in enumerate(tokens.words):
        first = word[0]
        if not first.isalpha():
            continue
        if first.islower():  # only "called", "known as"... start a name rule in lower case
            if _called(tokens, index):
                return True
            continue
        if any(rule(tokens, index) for rule in _NAME_RULES):
            return True
        if _capitalised(word) and _known_name(tokens, index):
            return True
    return False


# --- The screen ----------------------------------------------------------------------------


def identifiers_in(text: str) -> list[str]:
    """The kinds of identifier found in `text` (`Kind` values, empty when none), never the text."""
    found = _pattern_kinds(text)
    if _has_name(text):
        found.add(Kind.NAME)
    return [kind.value for kind in Kind if kind in found]


def identifiers_message(kinds: list[str], *, field: str) -> str:
    """An error naming what to remove and from which field ("the summary", "the note"), for
    forms and API responses. It never repeats the text."""
    return (
        f"Remove {_join([_THE[Kind(kind)] for kind in kinds])} from {field}. Nothing written here may identify "
        "a child: no names, dates of birth, addresses, contact details or case numbers."
    )


def identifiers_error(text: str, *, field: str) -> str | None:
    """The message for `text` when it identifies someone, else None: one call for a form's
    clean method or a service's validation."""
    kinds = identifiers_in(text)
    return identifiers_message(kinds, field=field) if kinds else None


def screened(value: str, *, field: str) -> str:
    """A form's clean method for a free-text field: the value, or a ValidationError when it
    identifies someone. The service checks again; this puts the message next to the field."""
    error = identifiers_error(value, field=field)
    if error:
        raise ValidationError(error)
    return value


def identifiers_warning(kinds: list[str]) -> str:
    """What a form says while the person types: the kinds, never the text."""
    return f"This seems to contain {_join([_A[Kind(kind)] for kind in kinds])}. Remove it before you continue."


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
