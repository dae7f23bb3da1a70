"""Every form of the service answers a bad submission the GOV.UK way (issue 16 part 1).

The walk GETs every page of the permission matrix as a principal allowed to use it, finds each
form that posts, and submits it twice: empty, then with bad values (letters for numbers, a date
that does not exist, text far too long, answers that were never offered). Each answer must:
  - say "Error: " first in its title;
  - show no Django message ("This field is required.", "Enter a valid date." ...);
  - link each message in the error summary to an input, select or textarea of the page (the first
    radio or checkbox of a group), never to "#";
  - show each message at its field, after a visually hidden "Error:".
`EXPECTED_FORMS` names every form the walk finds, with the message each field gives when left
empty: a new form, or a new field, fails the walk until it is listed with its messages.
"""

from __future__ import annotations

import copy
import importlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django import forms
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.module_loading import import_string

from accounts import forms as accounts_forms
from config.forms import DJANGO_DEFAULT_MESSAGES, GENERIC_MESSAGE_PATTERNS, GovukForm, missing_messages
from tests.conftest import Cast
from tests.test_permission_matrix import (
    OK,
    Route,
    _sample_url,
    all_routes,
    invitation_token,
    matrix_row,
    samples,
)
from tests.trust.samples import trust_sample_objects
from trust.entry_types import spec_of, types_where
from trust.models import Relationship

__all__ = ["invitation_token", "samples"]  # the permission matrix's fixtures, used here

pytestmark = pytest.mark.django_db

# Who visits each page: the first of these the matrix lets in (a commissioner or provider acts;
# staff administrators read but act on little).
VISITORS = ("commissioner_a", "provider_p", "commissioner_b", "provider_q", "organiser", "anonymous", "admin")

# Pages outside the walk: Django's admin (its own forms, staff only) and the API (JSON, with its
# own serializers' messages).
SKIPPED_PREFIXES = ("admin:", "admin/", "api:", "api_")

INPUT_TAGS = {"input", "select", "textarea"}
NOT_ANSWERS = {"hidden", "submit", "button", "image", "reset"}
CHOSEN = NOT_ANSWERS | {"radio", "checkbox", "select-multiple"}

EXPECTED_FORMS: dict[str, dict[str, str] | None] = {
    # Confirmations whose only answers are optional choices: there is nothing to refuse.
    "federations:answer": None,
    "federations:inbox_share": None,
    # Every other form: what each field says, and where its link goes, when nothing is answered.
    "accounts:invitation_accept": {
        "#id_full_name": "Enter your full name",
        "#id_password1": "Create a password of at least 12 characters",
        "#id_password2": "Enter the password again to confirm it",
    },
    "trust:redaction_decide": {
        "#id_decision_0": "Choose approve or decline.",
        "#id_reason": "Say why you approve or decline.",
    },
    "trust:entry_add?type=commitment_update": {
        "#id_outcome_0": "Say whether the commitment was kept, missed or renegotiated.",
        "#id_body": "Write what the entry says.",
    },
    "trust:entry_add?type=reply": {"#id_body": "Write what the entry says."},
    "account_login": {
        "#id_login": "Enter your e-mail address",
        "#id_password": "Enter your password",
    },
    "account_reauthenticate": {
        "#id_password": "Enter your password",
    },
    "account_change_password": {
        "#id_oldpassword": "Enter your current password",
        "#id_password1": "Enter a new password of at least 12 characters",
        "#id_password2": "Enter the new password again to confirm it",
    },
    "account_reset_password": {
        "#id_email": "Enter your e-mail address",
    },
    "mfa_reauthenticate": {
        "#id_code": "Enter the 6-digit code from your authenticator app, or a recovery code",
    },
    "accounts:invitation_create": {
        "#id_email": "Enter the person's work e-mail address",
        "#id_role_0": "Select the person's role: member or organisation admin",
    },
    "commissioning:referral_create": {
        "#id_age_years": "Enter the child's age in years",
        "#id_sex_0": "Select the child's sex",
        "#id_legal_status_0": "Select the child's legal status",
        "#id_summary": "Describe the child's needs and strengths",
        "#id_urgency_0": "Select how soon the child needs a home",
        "#id_start_by-day": "Enter the date the placement should start by",
        "#id_planned_duration_0": "Select how long the placement is planned to last",
        "#id_living_companions_0": "Select whether the child can live with other children, or no preference",
        "#id_education_0": "Select the child's education need",
        "#id_maximum_distance_km": "Enter the furthest acceptable distance in km",
    },
    "commissioning:referral_edit": {
        "#id_age_years": "Enter the child's age in years",
        "#id_sex_0": "Select the child's sex",
        "#id_legal_status_0": "Select the child's legal status",
        "#id_summary": "Describe the child's needs and strengths",
        "#id_urgency_0": "Select how soon the child needs a home",
        "#id_start_by-day": "Enter the date the placement should start by",
        "#id_planned_duration_0": "Select how long the placement is planned to last",
        "#id_living_companions_0": "Select whether the child can live with other children, or no preference",
        "#id_education_0": "Select the child's education need",
        "#id_maximum_distance_km": "Enter the furthest acceptable distance in km",
    },
    "commissioning:referral_withdraw": {
        "#id_reason": "Enter the reason to tell the invited providers",
    },
    "commissioning:offer_accept": {
        "#id_reason": "Enter the reason to tell the invited providers",
    },
    "commissioning:placement_end": {
        "#id_end_date-day": "Enter the date the placement ended",
        "#id_ended_as_planned_0": "Select yes if the placement ended as planned",
    },
    "commissioning:offer_create": {
        "#id_home_0": "Select the home you are offering",
        "#id_start_date-day": "Enter the date the placement could start",
        "#id_weekly_fee_core": "Enter the core weekly fee, like 4500 or 4500.50",
    },
    "federations:framework_small_providers": {
        "#id_federation": "Choose the federation to admit.",
    },
    "federations:form": {
        "#id_founder": "Choose the provider that forms the federation.",
        "#id_name": "Enter the federation's name.",
        "#id_purpose": "Enter the federation's purpose.",
        "#id_charter": "Enter the federation's charter: what members promise each other.",
    },
    "federations:invite": {
        "#id_provider_organisation": "Choose the provider to invite.",
    },
    "federations:coordinator_add": {
        "#id_person": "Choose the person who will coordinate.",
    },
    "federations:dissolve": {
        "#id_reason": "Say why the federation is dissolved: members and the public will read it.",
    },
    "federations:offer": {
        "#id_home_0": "Select the home you are offering",
        "#id_start_date-day": "Enter the date the placement could start",
        "#id_weekly_fee_core": "Enter the core weekly fee, like 4500 or 4500.50",
    },
    "providers:profile_edit": {
        "#id_age_minimum": "Enter the youngest age the home is registered for",
        "#id_age_maximum": "Enter the oldest age the home is registered for",
        "#id_sexes_0": "Select who the home is registered for",
        "#id_takes_emergency_admissions_0": "Select yes if the home takes emergency admissions",
    },
    "providers:vacancy_add": {
        "#id_places": "Enter how many places are free",
        "#id_available_from-day": "Enter the date the places are free from",
    },
    "frameworks:create": {
        "#id_name": "Enter the framework's name",
        "#id_lots": "Enter at least one lot",
        "#id_starts_on-day": "Enter the date the framework starts",
        "#id_local_authorities_0": "Select the authorities in the framework",
    },
    "frameworks:edit": {
        "#id_name": "Enter the framework's name",
        "#id_lots": "Enter at least one lot",
        "#id_starts_on-day": "Enter the date the framework starts",
        "#id_local_authorities_0": "Select the authorities in the framework",
    },
    "trust:relationship_list": {
        "#id_other_organisation": "Choose the organisation to open a relationship with.",
    },
    "trust:pulse": {
        "#id_commitments_honoured_0": "Answer “commitments are honoured” from 1 to 5.",
        "#id_heard_0": "Answer “we are heard” from 1 to 5.",
        "#id_information_timely_0": "Answer “information comes in good time” from 1 to 5.",
        "#id_learn_together_0": "Answer “we learn together” from 1 to 5.",
    },
    "trust:audited_access": {
        "#id_reason": "Say why you need to read this log.",
    },
    "trust:redaction_request": {
        "#id_reason": "Say why this entry should be redacted.",
    },
    "trust:entry_add?type=note": {
        "#id_body": "Write what the entry says.",
    },
    "trust:entry_add?type=meeting_record": {
        "#id_body": "Write what the entry says.",
    },
    "trust:entry_add?type=commitment": {
        "#id_what": "Say what is promised.",
        "#id_by_whom": "Say who will do it.",
        "#id_owner_organisation_0": "Choose the organisation that owns the commitment.",
        "#id_due_date-day": "Enter the due date.",
        "#id_body": "Write what the entry says.",
    },
    "trust:entry_add?type=concern": {
        "#id_body": "Write what the entry says.",
    },
    "trust:entry_add?type=restorative_conversation": {
        "#id_body": "Write what the entry says.",
    },
    "trust:entry_add?type=agreement": {
        "#id_body": "Write what the entry says.",
        "#id_action_1": "List at least one action agreed, with who owns it.",
    },
    "trust:entry_add?type=review": {
        "#id_body": "Write what the entry says.",
    },
    "trust:entry_add?type=learning_reflection": {
        "#id_body": "Write what the entry says.",
    },
    "trust:entry_add?type=appreciation": {
        "#id_body": "Write what the entry says.",
    },
}


# --- Reading a page -----------------------------------------------------------------------------


@dataclass
class Control:
    tag: str
    name: str
    type: str
    value: str
    id: str


@dataclass
class PageForm:
    method: str
    action: str
    controls: list[Control] = field(default_factory=list)

    def answer_names(self) -> tuple[str, ...]:
        names = {control.name for control in self.controls if control.name and control.type not in NOT_ANSWERS}
        return tuple(sorted(names))

    def hidden(self) -> dict[str, str]:
        """The hidden values and the first named button, as a browser sends them when the person
        presses the form's first button."""
        sent = {
            control.name: control.value
            for control in self.controls
            if control.type == "hidden" and control.name != "csrfmiddlewaretoken"
        }
        button = next((control for control in self.controls if control.type == "submit" and control.name), None)
        return sent | ({button.name: button.value} if button else {})

    def left_empty(self) -> dict[str, str]:
        """What a browser sends when nothing is answered: text boxes and selects empty, no
        radio or checkbox."""
        typed = {control.name: "" for control in self.controls if control.name and control.type not in CHOSEN}
        return typed | self.hidden()


class Page(HTMLParser):
    """What the walk reads of an answer: its title, forms, ids, summary links and inline messages."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.title = ""
        self.forms: list[PageForm] = []
        self.ids: dict[str, str] = {}
        self.summary_links: list[tuple[str, str]] = []
        self.inline_messages: list[str] = []
        self._in_title = False
        self._form: PageForm | None = None
        self._summary_depth = 0
        self._link_href: str | None = None
        self._link_text = ""
        self._message_depth = 0
        self._message_text = ""
        self._depth = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        self._depth += 1
        if attributes.get("id"):
            self.ids[attributes["id"]] = tag
        if tag == "title":
            self._in_title = True
        classes = attributes.get("class", "").split()
        if "govuk-error-summary__list" in classes:
            self._summary_depth = self._depth
        if tag == "a" and self._summary_depth:
            self._link_href, self._link_text = attributes.get("href", ""), ""
        if "govuk-error-message" in classes:
            self._message_depth, self._message_text = self._depth, ""
        if tag == "form":
            self._form = PageForm(attributes.get("method", "get").lower(), attributes.get("action", ""))
            self.forms.append(self._form)
        if tag in INPUT_TAGS | {"button"} and self._form is not None:
            kind = attributes.get("type", "text" if tag == "input" else "submit") if tag in {"input", "button"} else tag
            if tag == "select" and "multiple" in attributes:
                kind = "select-multiple"
            control = Control(
                tag, attributes.get("name", ""), kind, attributes.get("value", ""), attributes.get("id", "")
            )
            self._form.controls.append(control)
        if tag in {"input", "meta", "link", "br", "img"}:
            self._depth -= 1  # void elements have no end tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag == "a" and self._link_href is not None:
            self.summary_links.append((self._link_href, " ".join(self._link_text.split())))
            self._link_href = None
        if self._message_depth == self._depth:
            self.inline_messages.append(" ".join(self._message_text.split()))
            self._message_depth = 0
        if self._summary_depth == self._depth:
            self._summary_depth = 0
        if tag == "form":
            self._form = None
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if self._link_href is not None:
            self._link_text += data
        if self._message_depth:
            self._message_text += data


# --- Bad answers --------------------------------------------------------------------------------

TOO_LONG = "x" * 20_000


def bad_value(control: Control) -> str:
    """An answer the field must refuse with a specific message."""
    return {
        "number": "twelve",
        "date": "2027-02-30",
        "email": "not an e-mail address",
        "radio": "not-a-choice",
        "checkbox": "not-a-choice",
        "select": "not-a-choice",
        "select-multiple": "not-a-choice",
    }.get(control.type, TOO_LONG)


def bad_answers(form: PageForm) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {name: [value] for name, value in form.hidden().items()}
    for control in form.controls:
        if control.name and control.type not in NOT_ANSWERS:
            answers[control.name] = [bad_value(control)]
    return answers


# --- Checking an answer -------------------------------------------------------------------------


def problems_in(page: Page, where: str) -> Iterator[str]:
    """What is wrong with a page that answered a bad submission."""
    if not page.title.startswith("Error: "):
        yield f"{where}: the title {page.title!r} does not start with 'Error: '"
    if not page.summary_links:
        yield f"{where}: no error summary"
    yield from link_problems(page, where)
    for text in [text for _href, text in page.summary_links] + page.inline_messages:
        if any(generic in text for generic in GENERIC_MESSAGE_PATTERNS):
            yield f"{where}: Django's message {text!r}"
    for text in page.inline_messages:
        if not text.startswith("Error:"):
            yield f"{where}: the message {text!r} at its field lacks the hidden 'Error:'"


def link_problems(page: Page, where: str) -> Iterator[str]:
    """Each summary link goes to an input of the page, in the page's order."""
    positions = list(page.ids)
    order = [positions.index(href[1:]) for href, _text in page.summary_links if href[1:] in page.ids]
    if order != sorted(order):
        yield f"{where}: the summary lists the errors out of the page's order: {page.summary_links}"
    for href, text in page.summary_links:
        target = href.removeprefix("#")
        if not href.startswith("#") or not target:
            yield f"{where}: the summary's link for {text!r} goes to {href!r}"
        elif page.ids.get(target) not in INPUT_TAGS:
            yield f"{where}: the summary's link for {text!r} goes to #{target}, which is no input on the page"


# --- The walk -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Visit:
    key: str
    url: str
    principals: tuple[str, ...]  # who may use the page, tried in turn until one is shown a form


def visits(cast: Cast, token: str, sample_kwargs: dict[str, dict[str, str]]) -> Iterator[Visit]:
    for route in all_routes():
        if route.key.startswith(SKIPPED_PREFIXES):
            continue
        outcomes = matrix_row(route.key) or {}
        principals = tuple(name for name in _visitors(route) if outcomes.get(name) == OK)
        if principals:
            yield Visit(route.key, _sample_url(route, cast, token, sample_kwargs), principals)
    yield from entry_form_visits(cast)


def _visitors(route: Route) -> tuple[str, ...]:
    """Signing in, recovering access and accepting an invitation are asked of someone signed out."""
    signed_out = route.key.startswith("account_") or route.key == "accounts:invitation_accept"
    return ("anonymous", *VISITORS) if signed_out else VISITORS


def entry_form_visits(cast: Cast) -> Iterator[Visit]:
    """The trust log's entry forms, one page per type: a type a person chooses, and each answer
    beside an entry it fits (a reply to the concern, an update to the commitment)."""
    relationship = Relationship.objects.filter(local_authority=cast.local_authority_a).first()
    if relationship is None:
        return
    url = reverse("trust:entry_add", args=[relationship.pk])
    sides = ("commissioner_a", "provider_p")
    for entry_type in types_where(lambda spec: not spec.by_service and spec.answers is None):
        yield Visit(f"trust:entry_add?type={entry_type}", f"{url}?type={entry_type}", sides)
    entries = list(relationship.entries.order_by("-sequence"))
    for entry_type in types_where(lambda spec: not spec.by_service and spec.answers is not None):
        answers = spec_of(entry_type).answers
        answered = next((entry for entry in entries if answers is not None and answers.fits(entry)), None)
        if answered is not None:
            query = f"?type={entry_type}&replies_to={answered.pk}"
            yield Visit(f"trust:entry_add?type={entry_type}", url + query, sides)


def page_with_forms(visit: Visit, cast: Cast) -> tuple[Client, list[PageForm]] | None:
    """The page as the first principal shown a form to answer, with that principal's client."""
    for principal in visit.principals:
        client = Client()
        user = cast.user(principal)
        if user is not None:
            client.force_login(user)
        response = client.get(visit.url)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        page = Page(response.content.decode())
        answerable = [form for form in page.forms if form.method == "post" and form.answer_names()]
        if answerable:
            return client, answerable
    return None


def _keyed(visit: Visit, number: int) -> str:
    """The page's URL name; a page's second form and on add its number."""
    return visit.key if number == 1 else f"{visit.key} form {number}"


def test_every_form_answers_bad_input_with_specific_linked_messages(
    cast: Cast, invitation_token: str, samples: dict[str, dict[str, str]]
) -> None:
    found: dict[str, dict[str, str] | None] = {}
    problems: list[str] = []
    for visit in visits(cast, invitation_token, samples):
        shown = page_with_forms(visit, cast)
        if shown is None:
            continue
        client, answerable = shown
        for number, form in enumerate(answerable, start=1):
            key = _keyed(visit, number)
            action = form.action or visit.url
            if key in EXPECTED_FORMS and EXPECTED_FORMS[key] is None:
                found[key] = None
                continue  # nothing to answer: a confirmation with optional choices
            empty_response = client.post(action, form.left_empty())
            empty = Page(empty_response.content.decode())
            found[key] = dict(empty.summary_links) or None
            if empty_response.status_code != 200:
                problems.append(f"{key}: the empty form answered {empty_response.status_code}")
            problems += list(problems_in(empty, f"{key} empty")) if empty.summary_links else []
            bad = client.post(action, bad_answers(form))
            if bad.status_code != 200:
                problems.append(f"{key}: bad values were accepted ({bad.status_code})")
                continue
            problems += list(problems_in(Page(bad.content.decode()), f"{key} bad values"))
    assert problems == []
    answered = {key: list((messages or {}).items()) for key, messages in found.items()}
    expected = {key: list((messages or {}).items()) for key, messages in EXPECTED_FORMS.items()}
    unlisted = {key: dict(messages) for key, messages in answered.items() if key not in expected}
    assert unlisted == {}, f"Forms to list in EXPECTED_FORMS with their messages: {unlisted}"
    changed = {key: dict(answered[key]) for key in answered if answered[key] != expected[key]}
    assert changed == {}, f"Forms whose messages differ from EXPECTED_FORMS: {changed}"
    assert set(expected) - set(answered) == set(), "Listed forms the walk no longer finds"


# --- The forms themselves ------------------------------------------------------------------------

FORM_MODULES = (
    "accounts.forms", "commissioning.forms", "commissioning.framework_forms", "federations.forms",
    "providers.forms", "registry.forms", "trust.forms",
)  # fmt: skip


def _subclasses(cls: type) -> Iterator[type]:
    for subclass in cls.__subclasses__():
        yield subclass
        yield from _subclasses(subclass)


def service_forms() -> list[type[forms.BaseForm]]:
    """Every form class the service's form modules define (allauth's subclasses included)."""
    for module in FORM_MODULES:
        importlib.import_module(module)
    return [cls for cls in set(_subclasses(forms.BaseForm)) if cls.__module__ in FORM_MODULES]


def test_every_form_of_the_service_is_built_on_the_shared_base() -> None:
    outside = [
        cls.__qualname__
        for cls in service_forms()
        if not issubclass(cls, GovukForm) and not cls.__qualname__.startswith("_")
        and cls.__module__ + "." + cls.__qualname__ not in ALLAUTH_FORM_PATHS
    ]  # fmt: skip
    assert outside == []


def test_every_field_of_every_form_has_its_own_words_for_each_way_it_can_fail() -> None:
    """Fields a form adds as it is built (a pulse check-in's questions, an agreement's action
    rows) are checked by the walk above."""
    missing = {
        f"{cls.__module__}.{cls.__qualname__}": missing_messages(_unbound(cls))
        for cls in service_forms()
        if issubclass(cls, GovukForm)
    }
    assert {name: fields for name, fields in missing.items() if fields} == {}


def test_a_field_left_in_djangos_words_is_found() -> None:
    class Bare(GovukForm):
        age = forms.IntegerField(min_value=0)
        name = forms.CharField(max_length=5, error_messages={"required": "Enter the home's name"})
        kind = forms.ChoiceField(
            choices=[("a", "A")], required=False, error_messages={"invalid_choice": "Choose a kind"}
        )

    assert missing_messages(Bare()) == {"age": ["required", "invalid", "min_value"], "name": ["max_length"]}
    assert "PlacementRequestForm" in {cls.__name__ for cls in service_forms()}


def _unbound(cls: type[forms.BaseForm]) -> forms.BaseForm:
    """The form's declared fields, without running its __init__ (which wants its context)."""
    form = cls.__new__(cls)
    form.fields = copy.deepcopy(getattr(cls, "base_fields", {}))
    return form


ALLAUTH_FORM_PATHS = {*settings.ACCOUNT_FORMS.values(), *settings.MFA_FORMS.values()}


@pytest.mark.parametrize("path", sorted(ALLAUTH_FORM_PATHS))
def test_allauth_forms_name_every_required_field(path: str) -> None:
    form_class = import_string(path)
    fields = copy.deepcopy(form_class.base_fields)
    for name, messages in form_class.field_messages.items():
        if name in fields:
            fields[name].error_messages.update(messages)
    unworded = [name for name, field in fields.items() if field.required and str(field.error_messages["required"])
                in DJANGO_DEFAULT_MESSAGES]  # fmt: skip
    assert unworded == []


def test_settings_name_every_one_of_the_service_allauth_forms() -> None:
    worded = {
        f"accounts.forms.{name}"
        for name, value in vars(accounts_forms).items()
        if isinstance(value, type) and issubclass(value, accounts_forms._ServiceMessages)
        and value is not accounts_forms._ServiceMessages
    }  # fmt: skip

    assert worded == ALLAUTH_FORM_PATHS


# --- The walk's own checks, on pages made to fail them --------------------------------------------

BAD_PAGE = """<html><head><title>New referral</title></head><body>
<div class="govuk-error-summary"><ul class="govuk-list govuk-error-summary__list">
<li><a href="#">This field is required.</a></li><li><a href="#id_summary-hint">Describe the child</a></li>
</ul></div>
<form method="post"><input type="radio" name="sex" id="id_sex_0" value="female">
<div id="id_summary-hint">Hint</div><p class="govuk-error-message">Describe the child</p>
<textarea name="summary" id="id_summary"></textarea><button name="go" value="1">Save</button></form>
</body></html>"""


def test_the_walk_finds_each_fault_of_a_bad_answer() -> None:
    assert list(problems_in(Page(BAD_PAGE), "page")) == [
        "page: the title 'New referral' does not start with 'Error: '",
        "page: the summary's link for 'This field is required.' goes to '#'",
        "page: the summary's link for 'Describe the child' goes to #id_summary-hint, which is no input on the page",
        "page: Django's message 'This field is required.'",
        "page: the message 'Describe the child' at its field lacks the hidden 'Error:'",
    ]


def test_the_walk_answers_as_a_browser_does() -> None:
    form = Page(BAD_PAGE).forms[0]
    assert form.answer_names() == ("sex", "summary")
    assert form.left_empty() == {"summary": "", "go": "1"}
    assert bad_answers(form) == {"go": ["1"], "sex": ["not-a-choice"], "summary": [TOO_LONG]}


# --- Forms that filter with GET ------------------------------------------------------------------


def test_the_forms_that_filter_answer_bad_values_the_same_way(cast: Cast) -> None:
    """The registry's filters and the trust log's choice of entry type validate a GET; they
    answer as the walk asks of the forms that post."""
    objects = trust_sample_objects(cast)
    client = Client()
    client.force_login(cast.commissioner_a)
    bad_filters = {"rating": "brilliant", "sector": "?", "owner_type": "?", "query": TOO_LONG[:121]}
    registry = client.get(reverse("registry:homes"), bad_filters)
    choice = client.get(reverse("trust:entry_add", args=[objects.relationship.pk]), {"choose": "1", "type": ""})
    registry_page, choice_page = Page(registry.content.decode()), Page(choice.content.decode())
    assert list(problems_in(registry_page, "registry")) + list(problems_in(choice_page, "choice")) == []
    assert registry_page.summary_links == [
        ("#id_query", "The URN or owner name must be 120 characters or fewer"),
        ("#id_owner_type", "Choose an owner type from the list, or Any"),
        ("#id_sector", "Choose a sector from the list, or Any"),
        ("#id_rating", "Choose an Ofsted rating from the list, or Any"),
    ]
    assert choice_page.summary_links == [("#id_type_0", "Choose what you want to record.")]
