"""Bad input: evidence without a date, with a count below zero or without its attachment is
refused with a French message and writes nothing; commitments take only known indicators."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from pimm.evaluation import models as ev
from pimm.evaluation import selectors, services
from tests import clock
from tests.evaluation.conftest import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def commitment(world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    return ev.Commitment.objects.create(
        platform=world.platform,
        topic=ev.Topic.RCP,
        title="RCP",
        target="4 par mois",
        target_value=4,
        period_start=clock.month_start(-1),
        period_end=clock.month_end(10),
    )


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"date": None}, "date", "La date de la preuve est obligatoire."),
        ({"count": -1}, "count", "Le nombre ne peut pas être négatif."),
        ({"count": None}, "count", "Le nombre est obligatoire."),
        ({"attachment": None}, "attachment", "Joignez la pièce justificative"),
        ({"hours": -2}, "hours", "Les heures ne peuvent pas être négatives."),
    ],
)
def test_bad_evidence_is_refused_and_writes_nothing(world, commitment, kwargs, field, message):
    data = {"date": clock.TODAY, "count": 2, "description": "RCP", "attachment": upload()}
    data.update(kwargs)
    with pytest.raises(ValidationError) as caught:
        services.evidence_add(actor=world.users["coordinator"], commitment=commitment, **data)
    assert message in " ".join(caught.value.message_dict[field])
    assert not commitment.evidence.exists()


def test_the_database_refuses_a_negative_count_too(commitment):
    with pytest.raises(IntegrityError), transaction.atomic():
        ev.Evidence.objects.create(
            commitment=commitment, date=clock.TODAY, count=-3, description="x", attachment="x.pdf"
        )


def test_the_evidence_form_shows_the_french_errors(world, commitment, client_for):
    client = client_for("coordinator")
    page = client.post(
        commitment.get_absolute_url(), {"date": "", "count": "-4", "description": "RCP"}
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "La date de la preuve est obligatoire." in text
    assert "Le nombre ne peut pas être négatif." in text
    assert "Joignez la pièce justificative" in text
    assert not commitment.evidence.exists()
    ok = client.post(
        commitment.get_absolute_url(),
        {
            "date": clock.TODAY.isoformat(),
            "count": "3",
            "description": "RCP sein",
            "attachment": upload("emargement.pdf"),
        },
    )
    assert ok.status_code == 302
    evidence = commitment.evidence.get()
    assert (evidence.count, evidence.created_by) == (3, world.users["coordinator"])


def test_evidence_feeds_a_commitment_without_indicator(world, commitment):
    coord = world.users["coordinator"]
    assert selectors.commitment_status(commitment, clock.TODAY).status == "missing"
    services.evidence_add(
        actor=coord,
        commitment=commitment,
        date=clock.TODAY,
        count=3,
        description="RCP",
        attachment=upload(),
    )
    status = selectors.commitment_status(commitment, clock.TODAY)
    assert (status.status, status.value) == ("behind", 3.0)  # 3 of a target of 4
    services.evidence_add(
        actor=coord,
        commitment=commitment,
        date=clock.TODAY,
        count=1,
        description="RCP",
        attachment=upload(),
    )
    assert selectors.commitment_status(commitment, clock.TODAY).status == "met"


def test_only_the_coordination_records_evidence(world, commitment):
    with pytest.raises(PermissionDenied):
        services.evidence_add(
            actor=world.users["reviewer"],
            commitment=commitment,
            date=clock.TODAY,
            count=1,
            description="x",
            attachment=upload(),
        )


def test_commitment_kind_follows_the_ars_list_and_unknown_indicators_are_refused(world):
    coord = world.users["coordinator"]
    c = services.commitment_save(
        actor=coord,
        commitment=ev.Commitment(
            platform=world.platform,
            topic=ev.Topic.TELEIMAGING,
            title="Télé-imagerie",
            target="x",
            period_start=clock.TODAY,
            period_end=clock.TODAY + dt.timedelta(days=30),
            indicators=["teleimaging"],
        ),
    )
    assert c.kind == ev.Kind.OPTIONAL
    with pytest.raises(ValidationError) as caught:
        services.commitment_save(
            actor=coord,
            commitment=ev.Commitment(
                platform=world.platform,
                topic=ev.Topic.PDSES,
                title="PDSES",
                target="x",
                period_start=clock.TODAY,
                period_end=clock.TODAY,
                indicators=["nope"],
            ),
        )
    assert "Indicateur inconnu" in str(caught.value)
    with pytest.raises(ValidationError) as caught:
        services.commitment_save(
            actor=coord,
            commitment=ev.Commitment(
                platform=world.platform,
                topic=ev.Topic.PDSES,
                title="PDSES",
                target="x",
                period_start=clock.TODAY,
                period_end=clock.TODAY - dt.timedelta(days=1),
            ),
        )
    assert "précède son début" in str(caught.value)


def test_bad_filters_are_refused_or_fall_back_with_a_french_message(world, client_for):
    client = client_for("reviewer")
    url = reverse("evaluation:indicator", args=["fill_rate"])
    unreadable = client.get(url, {"start": "demain"})  # the shared input guard: a French 400
    assert unreadable.status_code == 400
    page = client.get(
        url,
        {
            "start": clock.TODAY.isoformat(),
            "end": (clock.TODAY - dt.timedelta(days=3)).isoformat(),
            "site": "999999",
        },
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "La fin de la période doit suivre son début" in text and "Site inconnu" in text
