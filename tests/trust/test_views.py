"""The trust log's pages over HTTP: the list, the timeline and its panels, adding entries of
each type, restorative cases, the pulse check-in and audited access."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from tests.conftest import Cast
from tests.factories import MembershipFactory, totp_activate
from tests.idempotency import keyed
from tests.trust.conftest import note_add
from tests.trust.samples import TrustSamples, trust_sample_objects
from trust.models import (
    AdministratorAccess,
    Commitment,
    CommitmentStatus,
    Entry,
    EntryType,
    PulseCheckIn,
    Relationship,
    RestorativeCase,
)
from trust.services import quarter_start, trust_entry_add

pytestmark = pytest.mark.django_db

STRANGERS = ("commissioner_b", "provider_q", "organiser", "admin")


@pytest.fixture
def samples(cast: Cast) -> TrustSamples:
    return trust_sample_objects(cast)


def _state() -> tuple[int, ...]:
    return tuple(
        model.objects.count()
        for model in (Relationship, Entry, Commitment, RestorativeCase, PulseCheckIn, AdministratorAccess)
    )


def _url(name: str, relationship: Relationship, *args: int, **query: str | int) -> str:
    url = reverse(f"trust:{name}", args=[relationship.pk, *args])
    return url + ("?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else "")


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def _article(page: str, sequence: int) -> str:
    """The HTML of one entry's card on the page."""
    start = page.index(f'<article class="govuk-summary-card" id="entry-{sequence}"')
    return page[start : page.index("</article>", start)]


def _sequences(page: str) -> list[int]:
    return [int(number) for number in re.findall(r'<article class="govuk-summary-card" id="entry-(\d+)"', page)]


# --- The list of relationships ----------------------------------------------------------------


def test_the_list_shows_each_side_its_relationships_with_what_is_open(client: Client, cast: Cast, samples):
    client.force_login(cast.commissioner_a)
    page = _page(client, reverse("trust:relationship_list"))
    row = page[page.index("<tbody") : page.index("</tbody>")]
    assert f'href="/relationships/{samples.relationship.pk}/">Provider P</a>' in row
    today = timezone.localdate()
    assert f"{today:%-d %b %Y}" in row
    # One open commitment; the concern is open under its open restorative case.
    assert re.findall(r'cell--numeric">(\d+)</td>', row) == ["1", "1"]
    client.force_login(cast.provider_p)
    page = _page(client, reverse("trust:relationship_list"))
    assert f">{escape(cast.local_authority_a.name)}</a>" in page


def test_an_answered_concern_is_no_longer_open(client: Client, cast: Cast, relationship, five_entries):
    client.force_login(cast.commissioner_a)
    page = _page(client, reverse("trust:relationship_list"))
    row = page[page.index("<tbody") : page.index("</tbody>")]
    assert re.findall(r'cell--numeric">(\d+)</td>', row) == ["1", "0"]


def test_with_no_relationships_the_list_says_how_one_starts_and_opens_one(client: Client, cast: Cast):
    client.force_login(cast.commissioner_b)
    page = _page(client, reverse("trust:relationship_list"))
    assert "You have no relationships yet." in page
    assert "first sends a referral to a provider, when a first placement is made" in page
    assert f'<option value="{cast.provider_organisation_q.pk}">Provider Q</option>' in page
    assert f'<option value="{cast.local_authority_a.pk}"' not in page  # not a counterpart

    response = client.post(reverse("trust:relationship_list"), {"other_organisation": cast.provider_organisation_q.pk})

    relationship = Relationship.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("trust:relationship", args=[relationship.pk])
    assert (relationship.local_authority, relationship.counterpart, relationship.created_via) == (
        cast.local_authority_b,
        cast.provider_organisation_q,
        "local_authority",
    )
    opened = Entry.objects.get()
    assert (opened.entry_type, opened.payload["event"]) == (EntryType.SYSTEM, "relationship_opened")
    assert "is open." in _page(client, response["Location"])


def test_provider_staff_open_a_relationship_with_a_local_authority(client: Client, cast: Cast):
    client.force_login(cast.provider_q)
    page = _page(client, reverse("trust:relationship_list"))
    assert '<label class="govuk-label govuk-label--s" for="id_other_organisation">Local authority</label>' in page
    client.post(reverse("trust:relationship_list"), {"other_organisation": cast.local_authority_b.pk})
    relationship = Relationship.objects.get()
    assert (relationship.local_authority, relationship.counterpart, relationship.created_via) == (
        cast.local_authority_b,
        cast.provider_organisation_q,
        "counterpart",
    )


def test_opening_without_choosing_shows_the_error_and_writes_nothing(client: Client, cast: Cast):
    client.force_login(cast.commissioner_b)
    before = _state()
    for chosen in ("", str(cast.local_authority_a.pk)):
        page = client.post(reverse("trust:relationship_list"), {"other_organisation": chosen}).content.decode()
        assert "There is a problem" in page
        assert "<title>Error: Relationships" in page
    assert (
        "Choose the organisation to open a relationship with."
        in client.post(reverse("trust:relationship_list"), {}).content.decode()
    )
    assert _state() == before


def test_staff_administrators_are_told_about_audited_access(client: Client, cast: Cast, samples):
    client.force_login(cast.admin)
    page = _page(client, reverse("trust:relationship_list"))
    assert "Staff administrators have no side in any relationship" in page
    assert "audited access" in page
    assert "Provider P" not in page
    assert "<form" not in page[page.index("<main") :]


def test_the_organiser_has_no_relationships_and_no_form(client: Client, cast: Cast, samples):
    client.force_login(cast.organiser)
    page = _page(client, reverse("trust:relationship_list"))
    assert "Your organisation is neither, so it has none." in page
    assert "Open the relationship" not in page


def test_the_navigation_offers_relationships_to_both_sides_only(client: Client, cast: Cast):
    for principal, shown in [("commissioner_a", True), ("provider_p", True), ("organiser", False), ("admin", False)]:
        client.force_login(getattr(cast, principal))
        assert ('href="/relationships/"' in client.get("/").content.decode()) is shown, principal


# --- The relationship page ----------------------------------------------------------------


def test_the_timeline_is_newest_first(client: Client, cast: Cast, relationship, five_entries):
    client.force_login(cast.provider_p)
    page = _page(client, _url("relationship", relationship))
    assert _sequences(page) == [5, 4, 3, 2, 1]
    assert '<h1 class="govuk-heading-l">Relationship with ' + escape(cast.local_authority_a.name) in page
    note = _article(page, 1)
    assert "First meeting booked." in note
    assert escape(f"{cast.commissioner_a.get_full_name()}, {cast.local_authority_a.name}") in note


def test_the_timeline_filters_by_type(client: Client, cast: Cast, relationship, five_entries):
    client.force_login(cast.commissioner_a)
    page = _page(client, _url("relationship", relationship, type="concern"))
    assert _sequences(page) == [3]
    assert '<option value="concern" selected>Concern</option>' in page
    assert _sequences(_page(client, _url("relationship", relationship, type="no-such-type"))) == [5, 4, 3, 2, 1]
    assert "No entries of this type." in _page(client, _url("relationship", relationship, type="review"))


def test_a_reply_is_shown_under_the_concern_it_answers(client: Client, cast: Cast, relationship, five_entries):
    client.force_login(cast.commissioner_a)
    concern = _article(_page(client, _url("relationship", relationship)), 3)
    assert "Replies and corrections" in concern
    assert "Our inbox owner was away; a deputy now covers it." in concern
    assert escape(f"{cast.provider_p.get_full_name()}, Provider P") in concern
    reply = _article(_page(client, _url("relationship", relationship)), 4)
    assert 'Answers <a class="govuk-link"' in reply
    assert "entry 3 (concern)" in reply


def test_the_right_of_reply_is_the_other_sides_and_corrections_are_your_own(
    client: Client, cast: Cast, relationship, five_entries
):
    concern = five_entries[2]
    reply_link = f"/relationships/{relationship.pk}/entries/new/?type=reply&amp;replies_to={concern.pk}"
    correct_link = f"/relationships/{relationship.pk}/entries/new/?type=note&amp;corrects={concern.pk}"
    client.force_login(cast.provider_p)
    article = _article(_page(client, _url("relationship", relationship)), 3)
    assert reply_link in article
    assert correct_link not in article
    client.force_login(cast.commissioner_a)
    article = _article(_page(client, _url("relationship", relationship)), 3)
    assert reply_link not in article
    assert correct_link in article


def test_the_panels_give_the_indicators_as_of_the_newest_entry_and_the_log_verifies(
    client: Client, cast: Cast, relationship, five_entries
):
    client.force_login(cast.commissioner_a)
    page = _page(client, _url("relationship", relationship))
    newest = timezone.localtime(five_entries[-1].created_at)
    assert f'As of the log&rsquo;s newest entry, <time datetime="{newest.isoformat()}">' in page
    assert "The log verifies: 5 entries." in page
    # The head's fingerprint, to note down: the newest entry's hash.
    assert f'at entry 5: <code class="app-fingerprint">{five_entries[-1].entry_hash[:16]}</code>' in page
    assert "Updated statement of purpose</a>" in page  # the open commitment
    assert "Provider P, due 1 December 2026" in page


def test_the_indicators_are_shown_with_their_definitions(client: Client, cast: Cast, relationship, five_entries):
    client.force_login(cast.commissioner_a)
    page = _page(client, _url("relationship", relationship))
    assert "No outcomes yet; 1 open" in page  # the commitment, not yet due
    assert "No responses yet" in page
    assert "Of the commitments in this log whose outcome is known" in page
    assert "not yet computed" not in page


@pytest.mark.usefixtures("triggers_disabled")
def test_the_chain_status_names_the_first_entry_changed_behind_the_services_back(
    client: Client, cast: Cast, relationship, five_entries
):
    with connection.cursor() as cursor:
        cursor.execute("UPDATE trust_entrycontent SET body = 'rewritten' WHERE entry_id = %s", [five_entries[1].pk])
    client.force_login(cast.provider_p)
    page = _page(client, _url("relationship", relationship))
    assert "govuk-warning-text" in page
    assert (
        "The log does not verify from entry 2: entry 2&#x27;s text was changed after it was written "
        "(its content digest differs)." in page
    )
    assert "The log verifies" not in page


def test_the_pulse_trend_is_a_table_of_quarters_by_side(client: Client, cast: Cast, relationship):
    for organisation, user, score in [
        (cast.local_authority_a, cast.commissioner_a, 4),
        (cast.provider_organisation_p, cast.provider_p, 2),
    ]:
        PulseCheckIn.objects.create(
            relationship=relationship, organisation=organisation, quarter_start=datetime.date(2026, 4, 1),
            commitments_honoured=score, heard=score, information_timely=score, learn_together=score + 1,
            submitted_by=user,
        )  # fmt: skip
    client.force_login(cast.commissioner_a)
    page = _page(client, _url("relationship", relationship))
    assert re.search(
        r'<th scope="row" class="govuk-table__header">Apr to Jun 2026</th>\s*'
        r'<td class="govuk-table__cell govuk-table__cell--numeric">4.25</td>\s*'
        r'<td class="govuk-table__cell govuk-table__cell--numeric">2.25</td>',
        page,
    )


# --- Who may see and write -------------------------------------------------------------------


def test_a_third_organisation_gets_404_everywhere_and_changes_nothing(client: Client, cast: Cast, samples):
    relationship = samples.relationship
    other_concern = trust_entry_add(
        relationship=relationship, entry_type=EntryType.CONCERN, author_organisation=cast.provider_organisation_p,
        author_user=cast.provider_p, body="A second concern.",
    )  # fmt: skip
    pages = [
        _url("relationship", relationship),
        _url("entry_add", relationship),
        _url("entry_add", relationship, type="concern"),
        _url("case_open", relationship, other_concern.pk),
        _url("case", relationship, samples.case.pk),
        _url("pulse", relationship),
    ]
    posts = {
        _url("entry_add", relationship, type="concern"): {"body": "Not my relationship."},
        _url("case_open", relationship, other_concern.pk): {},
        _url("pulse", relationship): dict.fromkeys(PulseCheckIn.QUESTIONS, "3"),
    }
    before = _state()
    for principal in STRANGERS:
        client.force_login(getattr(cast, principal))
        for url in pages:
            assert client.get(url).status_code == 404, (principal, url)
        for url, data in posts.items():
            assert client.post(url, data).status_code == 404, (principal, url)
    assert _state() == before


def test_the_audited_page_is_hidden_from_everyone_but_staff(client: Client, cast: Cast, samples):
    before = _state()
    for principal in ("commissioner_a", "provider_p", "commissioner_b"):
        client.force_login(getattr(cast, principal))
        url = _url("audited_access", samples.relationship)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "Curious about this relationship."}).status_code == 404
    assert _state() == before


def test_entries_of_another_relationship_cannot_be_answered_here(client: Client, cast: Cast, samples):
    elsewhere = trust_sample_objects_elsewhere(cast)
    client.force_login(cast.commissioner_a)
    url = _url("entry_add", samples.relationship, type="reply", replies_to=elsewhere.pk)
    assert client.get(url).status_code == 404
    assert client.get(_url("entry_add", samples.relationship, type="note", corrects="abc")).status_code == 404


def trust_sample_objects_elsewhere(cast: Cast) -> Entry:
    """A concern in authority A's relationship with provider Q."""
    relationship = Relationship.objects.create(
        local_authority=cast.local_authority_a, counterpart=cast.provider_organisation_q, created_via="invitation"
    )
    return note_add(relationship, cast, "Elsewhere.")


# --- Adding entries ---------------------------------------------------------------------------


def test_the_entry_type_choice_offers_what_a_person_writes(client: Client, cast: Cast, samples):
    client.force_login(cast.provider_p)
    page = _page(client, _url("entry_add", samples.relationship))
    offered = re.findall(r'name="type" type="radio" value="(\w+)"', page)
    assert offered == [
        "note", "meeting_record", "commitment", "concern", "restorative_conversation", "agreement", "review",
        "learning_reflection", "appreciation",
    ]  # fmt: skip
    assert "Choose what you want to record." in _page(client, _url("entry_add", samples.relationship, choose=1))
    for forbidden in ("system", "nonsense"):
        assert client.get(_url("entry_add", samples.relationship, type=forbidden)).status_code == 404


def test_an_answer_without_the_entry_it_answers_is_sent_back_to_the_log(client: Client, cast: Cast, samples):
    client.force_login(cast.provider_p)
    response = client.get(_url("entry_add", samples.relationship, type="commitment_update"))
    assert response.status_code == 302
    assert response["Location"] == _url("relationship", samples.relationship)
    # An update answers a commitment, not a concern.
    wrong = _url("entry_add", samples.relationship, type="commitment_update", replies_to=samples.concern.pk)
    assert client.get(wrong).status_code == 404


def _add(client: Client, relationship: Relationship, data: dict[str, object], **query: str | int) -> Entry:
    response = client.post(_url("entry_add", relationship, **query), keyed(data))
    assert response.status_code == 302, response.content.decode()
    assert response["Location"] == _url("relationship", relationship)
    return Entry.objects.filter(relationship=relationship).latest("sequence")


def test_entries_of_each_type_are_written_with_their_details(client: Client, cast: Cast, samples):
    relationship, provider_p = samples.relationship, cast.provider_organisation_p
    client.force_login(cast.provider_p)
    commitment = _add(
        client, relationship,
        {"body": "We will share the staffing plan.", "what": "Staffing plan", "by_whom": "Responsible individual",
         "owner_organisation": provider_p.pk, "due_date": "2027-01-15"},
        type="commitment",
    )  # fmt: skip
    assert (commitment.entry_type, commitment.author_organisation, commitment.author_user) == (
        EntryType.COMMITMENT,
        provider_p,
        cast.provider_p,
    )
    assert commitment.payload == {
        "what": "Staffing plan",
        "by_whom": "Responsible individual",
        "owner_organisation": provider_p.pk,
        "due_date": "2027-01-15",
    }
    assert Commitment.objects.get(entry=commitment).due_date == datetime.date(2027, 1, 15)
    meeting = _add(client, relationship, {"body": "Quarterly review.", "held_on": "2026-03-02"}, type="meeting_record")
    assert meeting.payload == {"held_on": "2026-03-02"}
    thanks = _add(client, relationship, {"body": "Thank you for the visit."}, type="appreciation")
    assert (thanks.entry_type, thanks.payload) == (EntryType.APPRECIATION, {})
    correction = _add(
        client, relationship, {"body": "Quarterly review, held online."}, type="note", corrects=meeting.pk
    )
    assert (correction.entry_type, correction.corrects) == (EntryType.NOTE, meeting)
    page = _page(client, _url("relationship", relationship))
    assert f"Note added to the log as entry {correction.sequence}." in page
    assert "Quarterly review, held online." in _article(page, meeting.sequence)  # shown under what it corrects
    details = _article(page, commitment.sequence)
    assert "Responsible individual" in details
    assert "15 January 2027" in details


def test_a_correction_starts_from_the_words_it_corrects(client: Client, cast: Cast, samples):
    client.force_login(cast.commissioner_a)
    page = _page(client, _url("entry_add", samples.relationship, type="note", corrects=samples.concern.pk))
    assert f'<h1 class="govuk-heading-l">Correct entry {samples.concern.sequence}</h1>' in page
    assert ">The last two referrals had no answer within the deadline.</textarea>" in page


def test_form_errors_keep_what_was_typed_and_write_nothing(client: Client, cast: Cast, samples):
    client.force_login(cast.provider_p)
    before = _state()
    response = client.post(
        _url("entry_add", samples.relationship, type="commitment"),
        {"body": "We will visit together.", "what": "Joint visit", "by_whom": "Manager", "due_date": "not a date"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: Record a commitment" in page
    assert "There is a problem" in page
    assert "Choose the organisation that owns the commitment." in page
    assert "Enter the due date as a real date." in page
    assert ">We will visit together.</textarea>" in page
    assert 'value="Joint visit"' in page
    assert _state() == before


def test_a_service_refusal_is_shown_on_the_form(client: Client, cast: Cast, samples):
    """The right of reply is the other side's: the service refuses and the form says why."""
    client.force_login(cast.commissioner_a)
    before = _state()
    page = client.post(
        _url("entry_add", samples.relationship, type="reply", replies_to=samples.concern.pk),
        keyed({"body": "Replying to myself."}),
    ).content.decode()
    assert "The right of reply is the other side&#x27;s: add a note or a correction instead." in page
    assert ">Replying to myself.</textarea>" in page
    assert _state() == before


def test_identifiers_are_refused_because_entries_are_permanent(client: Client, cast: Cast, samples):
    client.force_login(cast.commissioner_a)
    before = _state()
    page = client.post(
        _url("entry_add", samples.relationship, type="note"), keyed({"body": "Call her on 07700 900123 about it."})
    ).content.decode()
    assert "phone number" in page
    assert _state() == before
    _add(client, samples.relationship, {"body": "Meeting moved to 3 March 2027."}, type="note")  # dates are fine


def test_a_commitment_update_changes_the_open_commitments_panel(client: Client, cast: Cast, samples):
    relationship, commitment = samples.relationship, samples.commitment
    client.force_login(cast.commissioner_a)
    page = _page(client, _url("relationship", relationship))
    assert "Updated statement of purpose</a>" in page
    update_link = f"?type=commitment_update&amp;replies_to={commitment.pk}"
    assert update_link in _article(page, commitment.sequence)

    _add(
        client, relationship, {"body": "Agreed a later date.", "outcome": "renegotiated", "due_date": "2027-02-01"},
        type="commitment_update", replies_to=commitment.pk,
    )  # fmt: skip
    page = _page(client, _url("relationship", relationship))
    assert "Provider P, due 1 February 2027" in page
    client.force_login(cast.provider_p)
    _add(
        client, relationship, {"body": "Sent today.", "outcome": "kept"},
        type="commitment_update", replies_to=commitment.pk,
    )  # fmt: skip
    assert Commitment.objects.get(entry=commitment).status == CommitmentStatus.KEPT
    page = _page(client, _url("relationship", relationship))
    panel = page[page.index("Open commitments</h2>") : page.index("Restorative cases</h2>")]
    assert "None open." in panel
    article = _article(page, commitment.sequence)
    assert update_link not in article
    assert "Sent today." in article  # the update, under the commitment it answers


def test_a_renegotiation_needs_its_new_date(client: Client, cast: Cast, samples):
    client.force_login(cast.provider_p)
    before = _state()
    page = client.post(
        _url("entry_add", samples.relationship, type="commitment_update", replies_to=samples.commitment.pk),
        {"body": "Later.", "outcome": "renegotiated"},
    ).content.decode()
    assert "Give the new due date of a renegotiated commitment." in page
    assert _state() == before


def test_actions_are_marked_done_from_the_agreement(client: Client, cast: Cast, samples):
    relationship = samples.relationship
    client.force_login(cast.commissioner_a)
    agreement = _add(
        client, relationship,
        {"body": "We agreed two things.", "action_1": "Weekly call", "owner_1": "Commissioning manager",
         "action_2": "Shared inbox", "owner_2": "Registered manager", "restorative_case": ""},
        type="agreement",
    )  # fmt: skip
    assert agreement.payload == {
        "actions": [
            {"action": "Weekly call", "owner": "Commissioning manager"},
            {"action": "Shared inbox", "owner": "Registered manager"},
        ]
    }
    mark_second = f"?type=action_update&amp;replies_to={agreement.pk}&amp;action=1"
    assert mark_second in _article(_page(client, _url("relationship", relationship)), agreement.sequence)
    form = _page(client, _url("entry_add", relationship, type="action_update", replies_to=agreement.pk, action=1))
    assert '<option value="1" selected>2. Shared inbox (Registered manager)</option>' in form
    client.force_login(cast.provider_p)
    update = _add(
        client, relationship, {"body": "The inbox is set up.", "action": "1", "status": "done"},
        type="action_update", replies_to=agreement.pk,
    )  # fmt: skip
    assert update.payload == {"action": 1, "status": "done"}
    article = _article(_page(client, _url("relationship", relationship)), agreement.sequence)
    assert article.count('govuk-tag--green">Done</strong>') == 1
    assert 'govuk-tag--grey">Not started</strong>' in article
    assert mark_second not in article


def test_an_agreement_needs_an_action_with_its_owner(client: Client, cast: Cast, samples):
    client.force_login(cast.commissioner_a)
    before = _state()
    url = _url("entry_add", samples.relationship, type="agreement")
    assert "List at least one action agreed, with who owns it." in client.post(url, {"body": "x"}).content.decode()
    page = client.post(url, {"body": "x", "action_2": "Weekly call"}).content.decode()
    assert "Say who owns action 2." in page
    assert 'value="Weekly call"' in page
    assert _state() == before


# --- Restorative cases -------------------------------------------------------------------------


def _stage_rows(page: str) -> dict[str, str]:
    """Each stage's value cell on the case page, by its name."""
    rows = re.findall(
        r'<dt class="govuk-summary-list__key">([^<]+)</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>',
        page,
        re.DOTALL,
    )
    return {name: " ".join(value.split()) for name, value in rows}


def test_a_restorative_case_is_opened_from_a_concern(client: Client, cast: Cast, relationship, five_entries):
    concern = five_entries[2]
    client.force_login(cast.provider_p)
    url = _url("case_open", relationship, concern.pk)
    page = _page(client, url)
    assert '<h1 class="govuk-heading-l">Open a restorative case</h1>' in page
    assert "The last two referrals had no answer within the deadline." in page
    assert RestorativeCase.objects.count() == 0
    response = client.post(url, keyed())
    case = RestorativeCase.objects.get()
    assert response["Location"] == _url("case", relationship, case.pk)
    assert (case.concern, case.opened_by_organisation) == (concern, cast.provider_organisation_p)
    # Once a concern has its case, the page leads to it.
    response = client.get(url)
    assert response["Location"] == _url("case", relationship, case.pk)
    assert client.get(_url("case_open", relationship, five_entries[0].pk)).status_code == 404  # a note


def test_the_case_page_shows_stages_advancing_and_a_review_closes_it(client: Client, cast: Cast, samples):
    relationship, case, concern = samples.relationship, samples.case, samples.concern
    client.force_login(cast.provider_p)
    page = _page(client, _url("case", relationship, case.pk))
    stages = _stage_rows(page)
    assert list(stages)[:5] == ["Concern raised", "Reply", "Conversation held", "Agreement", "Review"]
    assert "Not yet" in stages["Reply"]
    assert f'?type=reply&amp;replies_to={concern.pk}">Reply to the concern</a>' in page
    assert '<strong class="govuk-tag govuk-tag--blue">Open</strong>' in page

    _add(client, relationship, {"body": "We are sorry; here is what happened."}, type="reply", replies_to=concern.pk)
    client.force_login(cast.commissioner_a)
    _add(
        client, relationship,
        {"body": "We met and listened.", "held_on": "2026-05-04", "restorative_case": case.pk,
         "relationship_state": "rapprochement"},
        type="restorative_conversation",
    )  # fmt: skip
    page = _page(client, _url("case", relationship, case.pk))
    stages = _stage_rows(page)
    assert "4 May 2026: <a" in stages["Conversation held"]
    assert "Not yet" not in stages["Reply"]
    assert "<strong>Rapprochement</strong>, said by " + escape(cast.local_authority_a.name) in page

    client.force_login(cast.provider_p)
    close = _page(client, _url("entry_add", relationship, type="review", case=case.pk, closes_case=1))
    assert 'name="closes_case" type="checkbox" value="on" checked' in close
    assert f'<option value="{case.pk}" selected>' in close
    review = _add(
        client, relationship,
        {"body": "The deputy cover works.", "restorative_case": case.pk, "closes_case": "on",
         "quality_perspective": "democratic", "relationship_state": "reconciliation"},
        type="review",
    )  # fmt: skip
    assert review.payload == {
        "restorative_case": case.pk,
        "relationship_state": "reconciliation",
        "quality_perspective": "democratic",
        "closes_case": True,
    }
    case.refresh_from_db()
    assert case.closing_entry == review
    page = _page(client, _url("case", relationship, case.pk))
    assert '<strong class="govuk-tag govuk-tag--grey">Closed</strong>' in page
    assert "Close the case with a review" not in page
    stages = _stage_rows(page)
    assert "Not yet" in stages["Agreement"]
    assert f"entry {review.sequence}</a>, Provider P" in stages["Review"]


def test_a_review_that_closes_a_case_must_name_it(client: Client, cast: Cast, samples):
    client.force_login(cast.provider_p)
    before = _state()
    page = client.post(
        _url("entry_add", samples.relationship, type="review"), {"body": "Done.", "closes_case": "on"}
    ).content.decode()
    assert "Choose the restorative case this review closes." in page
    assert 'name="closes_case" type="checkbox" value="on" checked' in page
    assert _state() == before


# --- Pulse check-in -------------------------------------------------------------------------------


def test_each_side_answers_the_pulse_once_a_quarter(client: Client, cast: Cast, samples):
    relationship = samples.relationship
    url = _url("pulse", relationship)
    client.force_login(cast.provider_p)
    page = _page(client, url)
    assert page.count('type="radio"') == 20
    assert ">1 not at all</label>" in page
    assert ">5 fully</label>" in page
    answers = {"commitments_honoured": "4", "heard": "5", "information_timely": "3", "learn_together": "4"}

    before = _state()
    page = client.post(url, {**answers, "heard": ""}).content.decode()
    assert "Answer “we are heard” from 1 to 5." in page
    assert _state() == before

    response = client.post(url, keyed({**answers, "comment": "Better this quarter."}))
    assert response["Location"] == _url("relationship", relationship)
    check_in = PulseCheckIn.objects.get()
    assert (check_in.organisation, check_in.heard, check_in.comment) == (
        cast.provider_organisation_p,
        5,
        "Better this quarter.",
    )
    assert check_in.quarter_start == quarter_start(timezone.localdate())
    page = _page(client, url)
    assert "Your organisation has answered for this quarter." in page
    assert "Send your answers" not in page
    assert client.post(url, answers).status_code == 200
    assert PulseCheckIn.objects.count() == 1
    client.force_login(cast.commissioner_a)
    assert "Send your answers" in _page(client, url)  # the other side has not answered yet


def test_each_sides_pulse_comment_is_shown_to_the_other_side(client: Client, cast: Cast, samples):
    relationship = samples.relationship
    for organisation, user, comment in [
        (cast.local_authority_a, cast.commissioner_a, "Slow start: two late answers."),
        (cast.provider_organisation_p, cast.provider_p, ""),  # no comment: nothing shown for it
    ]:
        PulseCheckIn.objects.create(
            relationship=relationship, organisation=organisation, quarter_start=datetime.date(2025, 7, 1),
            commitments_honoured=3, heard=3, information_timely=3, learn_together=3, comment=comment,
            submitted_by=user,
        )  # fmt: skip
    client.force_login(cast.provider_p)
    answers = {"commitments_honoured": "4", "heard": "5", "information_timely": "3", "learn_together": "4"}
    response = client.post(
        _url("pulse", relationship), keyed({**answers, "comment": "Better this quarter.\nThe deputy covers the inbox."})
    )
    assert response["Location"] == _url("relationship", relationship)
    start = quarter_start(timezone.localdate())
    quarter = f"{start:%b} to {start.replace(month=start.month + 2):%b} {start.year}"
    expected = [
        (f"Jul to Sep 2025, {escape(cast.local_authority_a.name)}", "Slow start: two late answers."),
        (f"{quarter}, Provider P", "Better this quarter.<br>The deputy covers the inbox."),
    ]
    for principal in ("commissioner_a", "provider_p"):  # the log is shared: each side reads both
        client.force_login(getattr(cast, principal))
        for url in (_url("relationship", relationship), _url("pulse", relationship)):
            page = _page(client, url)
            said = page[page.index("What each side said") :]
            said = said[: said.index("</ul>")]
            assert re.findall(r'font-weight-bold">([^<]*)</span><br>(.*?)</li>', said) == expected, (principal, url)


# --- Audited access by staff administrators ---------------------------------------------------


def test_audited_access_is_recorded_and_told_to_both_sides(client: Client, cast: Cast, samples):
    relationship = samples.relationship
    url = _url("audited_access", relationship)
    client.force_login(cast.admin)
    page = _page(client, url)
    assert "Why do you need to read this log?" in page
    assert "The last two referrals" not in page  # nothing of the log before the reason

    before = _state()
    page = client.post(url, {"reason": "short"}).content.decode()
    assert "Say why you need to read this log (at least 10 characters)." in page
    assert _state() == before

    response = client.post(url, {"reason": "Provider P asked for help with a missing entry."})
    page = response.content.decode()
    assert response.status_code == 200
    access = AdministratorAccess.objects.get()
    assert (access.user, access.reason) == (cast.admin, "Provider P asked for help with a missing entry.")
    assert "The last two referrals had no answer within the deadline." in page
    assert "Reply<span" not in page  # read-only: no links to write
    assert "Correct<span" not in page
    system = Entry.objects.filter(relationship=relationship).latest("sequence")
    assert (system.entry_type, system.payload["event"]) == (EntryType.SYSTEM, "administrator_access")
    for principal in ("commissioner_a", "provider_p"):
        client.force_login(getattr(cast, principal))
        seen = _article(_page(client, _url("relationship", relationship)), system.sequence)
        assert f"A service administrator ({cast.admin.email}) read this log." in seen
        assert "Provider P asked for help with a missing entry." in seen


def test_staff_administrators_get_404_on_the_relationship_pages(client: Client, cast: Cast, samples):
    client.force_login(cast.admin)
    assert client.get(_url("relationship", samples.relationship)).status_code == 404
    assert client.get(_url("audited_access", samples.relationship)).status_code == 200
    assert client.get(reverse("trust:audited_access", args=[samples.relationship.pk + 100])).status_code == 404


def test_someone_on_both_sides_chooses_the_side_they_write_for(client: Client, cast: Cast, samples):
    both = MembershipFactory(organisation=cast.local_authority_a).user
    MembershipFactory(user=both, organisation=cast.provider_organisation_p)
    totp_activate(both)  # commissioners and provider staff must use two-factor authentication
    client.force_login(both)
    url = _url("entry_add", samples.relationship, type="reply", replies_to=samples.concern.pk)
    page = _page(client, url)
    assert "Write for" in page
    # The reply is the provider's: the side that did not write the concern is preselected.
    assert f'value="{cast.provider_organisation_p.pk}" checked' in page
    before = _state()
    assert "Choose the organisation you write for." in client.post(url, {"body": "Ours."}).content.decode()
    assert _state() == before
    reply = _add(
        client, samples.relationship, {"body": "Ours.", "organisation": cast.provider_organisation_p.pk},
        type="reply", replies_to=samples.concern.pk,
    )  # fmt: skip
    assert (reply.author_organisation, reply.author_user) == (cast.provider_organisation_p, both)


def test_a_long_log_is_paged_and_keeps_its_filter(client: Client, cast: Cast, relationship):
    for number in range(52):
        note_add(relationship, cast, f"Note {number}.")
    client.force_login(cast.commissioner_a)
    first = _page(client, _url("relationship", relationship, type="note"))
    assert _sequences(first) == list(range(52, 2, -1))
    assert 'href="?type=note&amp;page=2"' in first
    assert _sequences(_page(client, _url("relationship", relationship, type="note", page=2))) == [2, 1]


def test_administrators_readings_are_listed_in_the_admin_and_cannot_be_edited(client: Client, cast: Cast, samples):
    client.force_login(cast.admin)
    reason = "Investigating a complaint from the provider."
    assert client.post(_url("audited_access", samples.relationship), {"reason": reason}).status_code == 200
    listing = client.get(reverse("admin:trust_administratoraccess_changelist"))
    assert listing.status_code == 200
    assert reason in listing.content.decode()
    assert client.get(reverse("admin:trust_administratoraccess_add")).status_code == 403


def test_an_entry_named_by_a_digit_that_is_not_a_number_is_not_found(client: Client, cast: Cast, samples):
    client.force_login(cast.commissioner_a)
    url = _url("entry_add", samples.relationship, type="reply", replies_to="²")
    assert client.get(url).status_code == 404
