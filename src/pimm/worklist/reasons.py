"""Why an exam waits or was escalated, in the reader's language and with names, not ids.

The routing engine is Django-free: its decisions carry a machine rule and a French reason built
from ids (site 12, reader 31). The worklist stores the rule next to the engine's text and shows
this module's sentence instead: translated through gettext at display time, with the site's
name and the class's label. The stored text stays as written at the time (it is also in the
exam's history) and is shown when the rule is one this module does not know.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from pimm.engine.routing import Priority
from pimm.registry.models import Competence

# the rule stored for a deadline escalation of an exam no reader holds
DEADLINE_RISK_WAITING = "deadline_risk_waiting"


ESCALATION = "escalate:"  # prefix of the rule of an escalation event


def _who(label: str) -> str | None:
    return {
        "duty": _("Confié au radiologue de garde le plus tôt disponible"),
        "present": _("Confié au radiologue présent le plus tôt disponible"),
        "own_member_duty": _("Confié au radiologue de garde du membre le plus tôt disponible"),
        "own_member_present": _("Confié au radiologue présent du membre le plus tôt disponible"),
        "pool_duty": _("Confié au radiologue de garde du pool le plus tôt disponible"),
        "pool_present": _("Confié au radiologue présent du pool le plus tôt disponible"),
    }.get(label)


def _assignment(rule: str, competence: str) -> str | None:
    """Sentences of the rules that give an exam to a reader."""
    fixed = {
        "patient_grouping": _("Même patient : regroupé chez le même lecteur"),
        "idle_rebalance": _("Lecteur libre : repris de la file d'un collègue occupé"),
        "open_delay_reroute": _("Non ouvert dans le délai : confié à un lecteur plus disponible"),
        "deadline_risk_reroute": _("Échéance menacée : confié à un lecteur qui tient le délai"),
    }
    if rule in fixed:
        return fixed[rule]
    if rule.startswith("grouping_yield_"):
        rest = _assignment(rule.removeprefix("grouping_yield_"), competence)
        if rest is None:
            return None
        return _(
            "Même patient, mais le lecteur du premier examen est occupé : lu en parallèle."
        ) + (" " + rest)
    late = rule.endswith("_late")
    rule = rule.removesuffix("_late")
    fallback = rule.endswith("_fallback")
    text = _who(rule.removesuffix("_fallback"))
    if text is None:
        return None
    if fallback:
        text += _(" (aucun spécialiste %(competence)s disponible : compétence générale)") % {
            "competence": competence
        }
    if late:
        text += _(" ; échéance probablement dépassée")
    return text


def explain(rule: str, exam) -> str | None:
    """The sentence for ``rule`` about ``exam`` (a ``worklist.Exam``), None if unknown."""
    if not rule:
        return None
    if rule.startswith(ESCALATION):
        text = explain(rule.removeprefix(ESCALATION), exam)
        return _("Escalade : ") + text if text else None
    competence = str(dict(Competence.choices).get(exam.competence, exam.competence))
    assigned = _assignment(rule, competence)
    if assigned is not None:
        return assigned
    values = {
        "competence": competence,
        "site": exam.site.name,
        "priority": exam.priority.label,
        "deadline": timezone.localtime(exam.deadline).strftime("%H:%M") if exam.deadline else "",
    }
    if rule == "no_competent_reader":
        if Priority(exam.priority.code).is_emergency:
            text = _(
                "Aucun radiologue compétent (%(competence)s) de garde ou présent avec privilèges "
                "sur le site %(site)s : examen %(priority)s à traiter par le coordinateur"
            )
        else:
            text = _(
                "Aucun radiologue compétent (%(competence)s) de garde ou présent avec privilèges "
                "sur le site %(site)s : en attente du prochain lecteur compétent"
            )
    elif rule == "wait_present":
        text = _("En attente d'un radiologue présent (hors ligne de garde)")
    elif rule == "caps_reached":
        text = _("Plafond de file atteint pour tous les lecteurs")
    elif rule == "deadline_risk":
        text = _(
            "Échéance menacée (%(priority)s, avant %(deadline)s) : aucun lecteur ne peut tenir "
            "le délai"
        )
    elif rule == DEADLINE_RISK_WAITING:
        text = _(
            "Échéance menacée (%(priority)s, avant %(deadline)s) : examen en attente, aucun "
            "lecteur disponible"
        )
    else:
        return None
    return text % values
