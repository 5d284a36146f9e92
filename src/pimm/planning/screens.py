"""Planning setup pages (opening hours, closures, exam types, slot templates): declared here as
registry screens (their rules live in `planning.access`), and served by the registry's generic list/detail/form views.

`PlanningConfig.ready()` adds them to `pimm.registry.screens.SCREENS` and
`pimm.registry.access.RULES`, so the pages live under /registre/<clé>/ with the same role and
object checks (404 for missing and forbidden) and the same audited save
(`registry.services.registry_object_save`: simple-history + AuditEvent).
Coordination and administration write; a member manager reads the rows of the devices its member
holds or hosts; exam types are read by everyone who books.
"""

from django.utils.translation import gettext_lazy as _

from pimm.planning import forms as f
from pimm.planning import models as pm
from pimm.registry.screens import Related, Screen


def _exam_types_of(template: pm.SlotTemplate):
    modality = template.modality or (template.equipment.modality if template.equipment_id else "")
    qs = pm.ExamType.objects.order_by("label")
    return qs.filter(modality=modality) if modality else qs


SCREENS = {
    s.key: s
    for s in (
        Screen(
            "device_profile",
            pm.DeviceProfile,
            f.DeviceProfileForm,
            _("profil de planification"),
            _("profils de planification"),
            (
                (_("Appareil"), "equipment"),
                (_("MERM nécessaires"), "merm_required"),
                (_("Présence radiologue"), "requires_presence"),
                (_("Ouvert les jours fériés"), "open_on_holidays"),
            ),
            ("equipment__name", "equipment__code"),
            select_related=("equipment",),
        ),
        Screen(
            "opening_hours",
            pm.OpeningHours,
            f.OpeningHoursForm,
            _("horaire d'ouverture"),
            _("horaires d'ouverture"),
            (
                (_("Appareil"), "equipment"),
                (_("Jour"), "get_weekday_display"),
                (_("Demi-journée"), "get_part_display"),
                (_("Début"), "start"),
                (_("Fin"), "end"),
            ),
            ("equipment__name", "equipment__code"),
            select_related=("equipment",),
        ),
        Screen(
            "closure",
            pm.Closure,
            f.ClosureSetupForm,
            _("fermeture ou maintenance"),
            _("fermetures et maintenances"),
            (
                (_("Appareil"), "equipment"),
                (_("Type"), "get_kind_display"),
                (_("Début"), "start"),
                (_("Fin"), "end"),
                (_("Motif"), "reason"),
            ),
            ("equipment__name", "equipment__code", "reason"),
            select_related=("equipment",),
        ),
        Screen(
            "exam_type",
            pm.ExamType,
            f.ExamTypeForm,
            _("type d'examen"),
            _("types d'examen"),
            (
                (_("Libellé"), "label"),
                (_("Code"), "code"),
                (_("Modalité"), "get_modality_display"),
                (_("Durée (min)"), "minutes"),
                (_("Radiologue requis"), "radiologist_required"),
                (_("Finalité"), "get_purpose_display"),
            ),
            ("code", "label"),
        ),
        Screen(
            "slot_template",
            pm.SlotTemplate,
            f.SlotTemplateForm,
            _("modèle de plages"),
            _("modèles de plages"),
            (
                (_("Code"), "code"),
                (_("Appareil"), "equipment"),
                (_("Modalité"), "get_modality_display"),
                (_("Plage (min)"), "slot_minutes"),
                (_("Urgences / vacation"), "emergency_slots"),
                (_("Urgences en PDSES"), "emergency_slots_pdses"),
                (_("Libération (min avant)"), "emergency_release_minutes"),
            ),
            ("code", "equipment__name"),
            select_related=("equipment",),
            related=(
                Related(_("Plages spécialisées"), "slot_quota", lambda o: o.specialised.all()),
                # an exam takes as many consecutive slots as its duration needs
                Related(_("Types d'examen concernés (durée)"), "exam_type", _exam_types_of),
            ),
        ),
        Screen(
            "slot_quota",
            pm.SpecialisedQuota,
            f.SpecialisedQuotaForm,
            _("quota de plages spécialisées"),
            _("quotas de plages spécialisées"),
            (
                (_("Modèle"), "template"),
                (_("Finalité"), "get_purpose_display"),
                (_("Plages / vacation"), "slots"),
                (_("Libération (min avant)"), "release_minutes"),
                (_("Jours"), "weekday_labels"),
            ),
            ("template__code",),
            select_related=("template",),
        ),
    )
}

# the order of the setup index page
SETUP_KEYS = (
    "opening_hours",
    "closure",
    "device_profile",
    "exam_type",
    "slot_template",
    "slot_quota",
)


def register() -> None:
    """Add the planning setup screens and their rules (declared in `planning.access`) to the
    registry's tables, whose generic views serve them (idempotent)."""
    from pimm.planning import access  # noqa: PLC0415 — called from PlanningConfig.ready()
    from pimm.registry import access as registry_access  # noqa: PLC0415 — idem
    from pimm.registry import screens  # noqa: PLC0415 — idem

    registry_access.RULES.objects.update({m: access.RULES.objects[m] for m in access.SETUP_MODELS})
    screens.SCREENS.update(SCREENS)
