"""The extra-fee rule (art. L6122-15 CSP, L162-5-13 CSS): no extra fee (dépassement) for a
patient treated as an emergency or a CSS beneficiary; only a practitioner whose fee policy
allows it (sector 2, or agreed), within its ceiling. Every attempt is recorded, refused ones
included, with the reason."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.engine import ledger as engine
from pimm.ledger import access
from pimm.ledger import models as lm
from pimm.ledger.services.acts import EMERGENCY_CODES
from pimm.ledger.services.periods import period_for

S = lm.FeePolicy.Sector


def fee_policy_set(
    *,
    actor,
    practitioner,
    sector: str,
    extra_fees_agreed: bool = False,
    max_extra_fee: Decimal | None = None,
) -> lm.FeePolicy:
    if not access.can(actor, "manage"):
        raise PermissionDenied(_("Seule la coordination fixe les politiques d'honoraires."))
    with transaction.atomic():
        policy = lm.FeePolicy.objects.filter(practitioner=practitioner).first() or lm.FeePolicy(
            practitioner=practitioner
        )
        policy.sector, policy.extra_fees_agreed, policy.max_extra_fee = (
            sector,
            extra_fees_agreed,
            max_extra_fee,
        )
        policy.full_clean()
        policy._history_user = actor
        policy.save()
    return policy


def refusal_reason(*, exam, policy: lm.FeePolicy | None, amount: Decimal) -> str:
    """Why this extra fee is refused ("" when it is allowed)."""
    if exam.priority.code in EMERGENCY_CODES:
        return _(
            "Dépassement refusé : le patient est pris en charge au titre de l'urgence "
            "(art. L6122-15 CSP)."
        )
    if exam.patient.css:
        return _(
            "Dépassement refusé : le patient bénéficie de la complémentaire santé "
            "solidaire (art. L6122-15 CSP, L162-5-13 CSS)."
        )
    if policy is None:
        return _("Dépassement refusé : le praticien n'a pas de politique d'honoraires.")
    if policy.sector != S.TWO and not policy.extra_fees_agreed:
        return _("Dépassement refusé : la politique d'honoraires du praticien n'en prévoit pas.")
    if policy.max_extra_fee is not None and amount > policy.max_extra_fee:
        return _("Dépassement refusé : il excède le plafond convenu de %(max)s €.") % {
            "max": policy.max_extra_fee
        }
    return ""


def extra_fee_request(*, actor, exam, practitioner, amount) -> lm.ExtraFeeAttempt:
    """Record an extra-fee request; when allowed, its entry (for the practitioner's member).
    A refusal is recorded too; the caller shows ``attempt.reason``."""
    if not access.can(actor, "extra_fee"):
        raise PermissionDenied(_("Vous ne pouvez pas saisir de dépassement."))
    try:
        amount = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        raise ValidationError({"amount": _("Montant invalide.")}) from None
    if amount <= 0 or amount.quantize(engine.CENT) != amount:
        raise ValidationError({"amount": _("Le dépassement est un montant positif au centime.")})
    policy = lm.FeePolicy.objects.filter(practitioner=practitioner).first()
    reason = refusal_reason(exam=exam, policy=policy, amount=amount)
    now = timezone.now()
    with transaction.atomic():
        attempt = lm.ExtraFeeAttempt.objects.create(
            exam=exam,
            practitioner=practitioner,
            member_id=practitioner.member_id,
            amount=amount,
            at=now,
            accepted=not reason,
            reason=reason or _("Accepté."),
            actor=actor,
        )
        if not reason:
            period = period_for(platform_id=exam.member.platform_id, day=timezone.localdate(now))
            if not period.is_open:
                raise ValidationError(_("Le mois en cours est clos."))
            lm.Entry.objects.create(
                period=period,
                date=timezone.localdate(now),
                member_id=practitioner.member_id,
                practitioner=practitioner,
                kind=lm.Entry.Kind.EXTRA_FEE,
                code="DEP",
                label=_("Dépassement d'honoraires"),
                amount=amount,
                exam=exam,
            )
    return attempt
