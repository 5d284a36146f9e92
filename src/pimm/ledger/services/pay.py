"""Practitioners' pay under the PIMM's derogation (art. L6122-15 CSP): the month's pool shared
by points = acts signed × points per act + duty points of the published rotas (the platform's
weights) × their coefficient; largest remainder to the cent."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.engine import ledger as engine
from pimm.ledger import access
from pimm.ledger import models as lm
from pimm.ledger.services.periods import month_end, require_open
from pimm.oncall import selectors as oncall
from pimm.registry import selectors as registry


def pay_compute(
    *,
    actor,
    period: lm.Period,
    amount: Decimal,
    activity_weight: Decimal = Decimal(1),
    duty_weight: Decimal = Decimal(1),
) -> lm.PayPool:
    if not access.can(actor, "manage"):
        raise PermissionDenied(_("Seule la coordination calcule la rémunération."))
    amount, activity_weight, duty_weight = (
        Decimal(amount),
        Decimal(activity_weight),
        Decimal(duty_weight),
    )
    if amount < 0 or amount.quantize(engine.CENT) != amount:
        raise ValidationError(
            {"amount": _("L'enveloppe est un montant positif arrondi au centime.")}
        )
    if activity_weight < 0 or duty_weight < 0:
        raise ValidationError(_("Les coefficients de points ne peuvent pas être négatifs."))
    with transaction.atomic():
        period = lm.Period.objects.select_for_update().get(pk=period.pk)
        require_open(period)
        acts = dict(
            lm.Entry.objects.filter(
                period=period, kind=lm.Entry.Kind.ACT, practitioner__isnull=False
            )
            .values("practitioner_id")
            .annotate(n=Count("pk"))
            .values_list("practitioner_id", "n")
        )
        reversed_ = dict(
            lm.Entry.objects.filter(period=period, kind=lm.Entry.Kind.ACT, reverses__isnull=False)
            .values("practitioner_id")
            .annotate(n=Count("pk"))
            .values_list("practitioner_id", "n")
        )
        net = {p: n - 2 * reversed_.get(p, 0) for p, n in acts.items()}  # a reversal cancels one
        duties = oncall.duty_points_between(
            platform_id=period.platform_id, start=period.month, end=month_end(period.month)
        )
        lines = engine.pay_pool(
            amount,
            {str(p): Decimal(max(n, 0)) for p, n in net.items()},
            {str(p): Decimal(str(round(v, 3))) for p, v in duties.items()},
            activity_weight,
            duty_weight,
        )
        if not lines:
            raise ValidationError(_("Personne n'a de points ce mois-ci : rien à répartir."))
        pool, _created = lm.PayPool.objects.update_or_create(
            period=period,
            defaults={
                "amount": amount,
                "activity_weight": activity_weight,
                "duty_weight": duty_weight,
                "computed_at": timezone.now(),
            },
        )
        pool.lines.all().delete()
        people = {p.pk: p for p in registry.active_practitioners(platform_id=period.platform_id)}
        missing = [x.practitioner for x in lines if int(x.practitioner) not in people]
        for pk in missing:
            found = registry.practitioner(pk=int(pk))
            if found is not None:
                people[found.pk] = found
        lm.PayLine.objects.bulk_create(
            lm.PayLine(
                pool=pool,
                practitioner_id=int(x.practitioner),
                member_id=people[int(x.practitioner)].member_id,
                acts=max(net.get(int(x.practitioner), 0), 0),
                activity_points=x.activity_points,
                duty_points=x.duty_points,
                points=x.points,
                amount=x.amount,
            )
            for x in lines
        )
    return pool
