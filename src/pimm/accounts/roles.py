"""The people who use pimm, and what each may do (see docs/architecture.md, "Permissions")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Coordinateur du PIMM")
    ADMINISTRATOR = "administrator", _("Administrateur")
    MEMBER_MANAGER = "member_manager", _("Gestionnaire d'un membre")
    RADIOLOGIST = "radiologist", _("Radiologue")
    TECHNOLOGIST = "technologist", _("Manipulateur (MERM)")
    SECRETARY = "secretary", _("Secrétaire")
    ARS_REVIEWER = "ars_reviewer", _("Référent ARS (lecture seule)")


# Roles that run the whole platform: they read and write every registry object.
PLATFORM_ROLES = frozenset({Role.COORDINATOR, Role.ADMINISTRATOR})
# Roles tied to one member organisation.
MEMBER_ROLES = frozenset({Role.MEMBER_MANAGER, Role.TECHNOLOGIST, Role.SECRETARY})
