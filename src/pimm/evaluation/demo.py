"""The demo PIMM's commitments (the ARS list, with targets on the current authorisation year)
and a few pieces of evidence, so that the scorecard, the reports and the dossier have content."""

from __future__ import annotations

import datetime as dt

from django.core.files.base import ContentFile
from django.db import transaction
from django.test.utils import override_settings

from pimm.evaluation import models as ev
from pimm.evaluation import selectors

# (topic, title, target, target value, higher is better, indicators)
COMMITMENTS = (
    (
        ev.Topic.EMERGENCY_SLOTS,
        "Plages d'urgence réservées sur chaque scanner",
        "≥ 1 000 plages d'urgence par mois",
        1000,
        True,
        ["emergency_slots"],
    ),
    (
        ev.Topic.PDSES,
        "Lignes de PDSES mutualisées et pourvues",
        "≥ 95 % des gardes pourvues",
        95,
        True,
        ["fill_rate", "pooled_lines"],
    ),
    (
        ev.Topic.PDSES,
        "Répartition équitable de la charge de garde",
        "indice de Gini ≤ 0,20",
        "0.20",
        False,
        ["load_spread"],
    ),
    (
        ev.Topic.RCP,
        "Participation des radiologues aux RCP",
        "≥ 8 RCP par mois",
        8,
        True,
        ["rcp_attendance"],
    ),
    (
        ev.Topic.APPROPRIATENESS,
        "Pertinence des demandes d'examen",
        "suivi des demandes modifiées",
        None,
        True,
        ["appropriateness"],
    ),
    (
        ev.Topic.RISK,
        "Radioprotection : doses au-dessus des NRD",
        "< 5 % des examens",
        5,
        False,
        ["doses_above_nrd"],
    ),
    (
        ev.Topic.PRESENCE,
        "Présence physique de radiologues sur les sites",
        "une vacation par site et par jour ouvré",
        None,
        True,
        [],
    ),
    (
        ev.Topic.SPECIALISED,
        "Plages pédiatriques, handicap, neuroradiologie et dépistage",
        "≥ 400 plages spécialisées par mois",
        400,
        True,
        ["specialised_slots"],
    ),
    (
        ev.Topic.TELEIMAGING,
        "Télé-imagerie interne entre membres",
        "≥ 50 examens par mois",
        50,
        True,
        ["teleimaging"],
    ),
    (
        ev.Topic.TRAINING,
        "Formation des radiologues et des MERM",
        "≥ 40 heures par an",
        40,
        True,
        ["training_hours"],
    ),
    (
        ev.Topic.POLE_COORDINATOR,
        "Coordinateur de pôle nommé",
        "lettre de mission signée",
        1,
        True,
        [],
    ),
)


def load_evaluation_demo(*, today: dt.date) -> int:
    """Create the demo's commitments and evidence unless some exist; returns how many."""
    p = selectors.platform()
    if p is None or ev.Commitment.objects.filter(platform=p).exists():
        return 0
    year = selectors.current_year(p, today)
    last = year.end - dt.timedelta(days=1)
    # synthetic rows are not historised (as the worklist demo): no audit events of the load
    with override_settings(SIMPLE_HISTORY_ENABLED=False), transaction.atomic():
        made = {}
        for topic, title, target, value, higher, codes in COMMITMENTS:
            made[topic] = ev.Commitment.objects.create(
                platform=p,
                topic=topic,
                title=title,
                target=target,
                target_value=value,
                higher_is_better=higher,
                period_start=year.start,
                period_end=last,
                indicators=codes,
            )
        for days, topic, count, hours, text in (
            (40, ev.Topic.RCP, 6, None, "RCP de cancérologie thoracique et digestive"),
            (10, ev.Topic.RCP, 5, None, "RCP de sénologie"),
            (20, ev.Topic.TRAINING, 1, 7, "Journée de formation à la radioprotection des patients"),
            (5, ev.Topic.POLE_COORDINATOR, 1, None, "Lettre de mission du coordinateur de pôle"),
        ):
            day = max(year.start, today - dt.timedelta(days=days))
            evidence = ev.Evidence(
                commitment=made[topic], date=day, count=count, hours=hours, description=text
            )
            evidence.attachment.save(
                "piece-justificative.txt", ContentFile(f"{text}\n".encode()), save=False
            )
            evidence.save()
    return len(COMMITMENTS)
