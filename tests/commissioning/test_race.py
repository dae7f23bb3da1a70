"""Two commissioners accept two different offers of one referral at the same moment:
exactly one placement, exactly one accepted offer. Real threads, real PostgreSQL
connections, real row locks."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from commissioning import services
from commissioning.models import Offer, Placement, PlacementRequest
from tests.commissioning.conftest import Journey
from tests.factories import MembershipFactory


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_acceptances_make_exactly_one_placement(journey: Journey):
    journey.send()
    offers = [journey.offer("p"), journey.offer("q")]
    colleague = MembershipFactory(organisation=journey.cast.local_authority_a).user
    people = [journey.cast.commissioner_a, colleague]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(offer: Offer, person) -> None:
        try:
            barrier.wait(timeout=10)
            services.offer_accept(offer=offer, accepted_by=person, reason="Best fit for her needs.")
            outcomes.append("accepted")
        except ValidationError as error:
            outcomes.append(f"refused: {error.messages[0]}")
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=pair) for pair in zip(offers, people, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["accepted", "refused: This referral is placed: it is closed."]
    assert Placement.objects.count() == 1
    assert Offer.objects.filter(status=Offer.Status.ACCEPTED).count() == 1
    assert Offer.objects.filter(status=Offer.Status.NOT_SELECTED).count() == 1
    placement = Placement.objects.get()
    assert placement.offer == Offer.objects.get(status=Offer.Status.ACCEPTED)
    assert PlacementRequest.objects.get(pk=journey.draft.pk).status == PlacementRequest.Status.PLACED
