"""What pimm cannot measure itself, counted from the evidence recorded in the app: RCP attended,
training hours."""

from __future__ import annotations

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from pimm.evaluation import models as ev

from .base import Context, Indicator, Missing, Row, month_key, register


def monthly(ctx: Context, *, topics, field: str) -> list[tuple[str, float]]:
    """Sum of ``field`` of the evidence of these topics dated in [start, end), per month."""
    qs = ev.Evidence.objects.filter(
        commitment__platform_id=ctx.platform_id,
        commitment__topic__in=topics,
        date__gte=ctx.start,
        date__lt=ctx.end,
        **{f"{field}__isnull": False},
    )
    if ctx.member_id is not None:
        qs = qs.filter(member_id=ctx.member_id)
    rows = (
        qs.annotate(month=TruncMonth("date"))
        .values("month")
        .annotate(total=Sum(field))
        .order_by("month")
    )
    return [(month_key(r["month"]), float(r["total"])) for r in rows]


def _from_evidence(topics, field: str, reason):
    def compute(ctx: Context):
        rows = monthly(ctx, topics=topics, field=field)
        if not rows:
            return Missing(str(reason))
        return [Row(k, v) for k, v in rows]

    return compute


register(
    Indicator(
        code="rcp_attendance",
        aggregate="sum",
        family="qualité",
        name=_("Participation aux RCP"),
        formula=_("somme des nombres déclarés dans les preuves de l'engagement « RCP », par mois"),
        source=_("Preuves saisies (date, nombre, pièce jointe) par la coordination"),
        unit=_("RCP"),
        limits=_("Déclaratif : autant que les preuves saisies."),
        compute=_from_evidence(
            (ev.Topic.RCP,), "count", _("Aucune preuve de participation aux RCP n'est saisie.")
        ),
        criterion="socle",
    )
)
register(
    Indicator(
        code="training_hours",
        aggregate="sum",
        family="qualité",
        name=_("Heures de formation et d'animation de service"),
        formula=_(
            "somme des heures déclarées dans les preuves des engagements « formation » et "
            "« réunions de service », par mois"
        ),
        source=_("Preuves saisies (date, nombre, heures, pièce jointe) par la coordination"),
        unit=_("heures"),
        limits=_("Déclaratif ; une preuve sans heures ne compte pas."),
        compute=_from_evidence(
            (ev.Topic.TRAINING, ev.Topic.MEETINGS),
            "hours",
            _("Aucune preuve de formation avec des heures n'est saisie."),
        ),
        criterion="optional",
    )
)
