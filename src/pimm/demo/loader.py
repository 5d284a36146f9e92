"""Write the generated demo PIMM to the database, with one login per role."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from pimm.accounts.models import User
from pimm.accounts.roles import Role
from pimm.accounts.services import user_create
from pimm.demo.generator import DemoPimm, generate
from pimm.evaluation.demo import load_evaluation_demo
from pimm.ledger.demo import load_ledger_demo, load_reference
from pimm.oncall.demo import load_oncall_demo
from pimm.planning.demo import load_planning_demo
from pimm.registry import models as m
from pimm.worklist.demo import load_worklist_demo

DEMO_PASSWORD = "pimm-demo-2027"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    detail: str


def _d(value: float) -> Decimal:
    return Decimal(str(round(value, 2)))


def _fix_rounding(values: list[Decimal]) -> list[Decimal]:
    """Shares rounded to cents must still sum to exactly 100."""
    values = list(values)
    values[0] += Decimal("100.00") - sum(values)
    return values


@transaction.atomic
def load_demo(
    seed: int = 42, scale: int = 1, data: DemoPimm | None = None, today: dt.date | None = None
) -> list[DemoLogin]:
    """Load the demo, as it stands on ``today`` (the local date by default), unless a platform
    already exists; return the logins either way."""
    if not m.Platform.objects.exists():
        today = today or timezone.localdate()
        _write(data := data or generate(seed=seed, scale=scale, today=today))
        load_reference()  # the tariffs before the worklist signs its exams
        load_worklist_demo(data)
        load_ledger_demo(today=today)
        load_evaluation_demo(today=today)
    return demo_logins()


def _write(d: DemoPimm) -> None:
    p = d.platform
    platform = m.Platform.objects.create(
        name=p.name,
        legal_form=m.Platform.LegalForm.GCS_MOYENS,
        carrier_name=f"GCS {p.name}",
        siren=p.siren,
        region=p.region,
        ars_decision=p.ars_decision,
        authorized_on=p.authorized_on,
    )
    members = {}
    for mem in d.members:
        members[mem.code] = m.Member.objects.create(
            platform=platform,
            code=mem.code,
            name=mem.name,
            kind=mem.kind,
            finess=mem.finess or "",
            siren=mem.siren,
            is_ght_lead=mem.is_ght_lead,
            joined_on=p.authorized_on,
        )
    sites = {}
    for s in d.sites:
        sites[s.code] = m.Site.objects.create(
            member=members[s.member_code],
            code=s.code,
            name=s.name,
            finess=s.finess or "",
            postcode=s.postcode,
            town=s.town,
            departement=s.departement,
            latitude=s.lat,
            longitude=s.lon,
        )
    for e in d.equipment:
        equipment = m.Equipment.objects.create(
            site=sites[e.site_code],
            holder=members[e.member_code],
            code=e.code,
            name=e.name,
            modality=e.modality,
            manufacturer=e.manufacturer,
            installed_on=e.installed_on,
        )
        m.Authorization.objects.create(
            equipment=equipment,
            number=e.authorization_number,
            decided_on=e.authorized_on,
            starts_on=e.authorized_on,
            ends_on=m.add_years(e.authorized_on, m.AUTHORIZATION_YEARS),
        )
    for pr in d.practitioners:
        practitioner = m.Practitioner.objects.create(
            member=members[pr.member_code],
            rpps=pr.rpps,
            first_name=pr.first_name,
            last_name=pr.last_name,
            status=pr.status,
            competences=list(pr.competences),
            working_time=_d(pr.working_time),
            email=f"{pr.code.lower()}@demo.pimm.invalid",
        )
        practitioner.sites.set([sites[c] for c in pr.site_codes])
    m.Technologist.objects.bulk_create(
        m.Technologist(
            member=members[t.member_code],
            site=sites[t.site_code],
            first_name=t.first_name,
            last_name=t.last_name,
            modalities=list(t.modalities),
            working_time=_d(t.working_time),
        )
        for t in d.technologists
    )
    convention = m.Convention.objects.create(
        platform=platform,
        title="Convention constitutive du GCS",
        version="1",
        signed_on=p.authorized_on - dt.timedelta(days=90),
        effective_from=p.authorized_on,
    )
    keys = d.sharing_keys
    shares = {
        field: _fix_rounding([_d(getattr(k, field)) for k in keys])
        for field in ("time_share", "revenue_share", "cost_share")
    }
    for i, k in enumerate(keys):
        m.SharingKey.objects.create(
            convention=convention,
            member=members[k.member_code],
            **{field: values[i] for field, values in shares.items()},
        )
    _create_users(d, members)
    load_planning_demo(start=d.start_date)
    load_oncall_demo(d)


def _create_users(d: DemoPimm, members: dict) -> None:
    first, private = d.members[0].code, d.members[3].code
    user_create(
        username="coordinateur",
        password=DEMO_PASSWORD,
        role=Role.COORDINATOR,
        first_name="Claire",
        last_name="Coordinatrice",
    )
    user_create(
        username="admin",
        password=DEMO_PASSWORD,
        role=Role.ADMINISTRATOR,
        is_superuser=True,
        first_name="Marc",
        last_name="Fabre",
    )
    user_create(
        username="gestionnaire",
        password=DEMO_PASSWORD,
        role=Role.MEMBER_MANAGER,
        member=members[first],
        first_name="Gérard",
        last_name="Gestionnaire",
    )
    user_create(
        username="gestionnaire2",
        password=DEMO_PASSWORD,
        role=Role.MEMBER_MANAGER,
        member=members[private],
        first_name="Hugo",
        last_name="Lambert",
    )
    user_create(
        username="secretaire",
        password=DEMO_PASSWORD,
        role=Role.SECRETARY,
        member=members[first],
        first_name="Nathalie",
        last_name="Garnier",
    )
    user_create(
        username="ars",
        password=DEMO_PASSWORD,
        role=Role.ARS_REVIEWER,
        first_name="Anne",
        last_name="Morel",
    )
    # the radiologist's and the technologist's accounts wear the name of the person they are
    practitioner = m.Practitioner.objects.filter(member=members[first]).order_by("pk").first()
    radiologist = user_create(
        username="radiologue",
        password=DEMO_PASSWORD,
        role=Role.RADIOLOGIST,
        first_name=practitioner.first_name,
        last_name=practitioner.last_name,
    )
    m.Practitioner.objects.filter(pk=practitioner.pk).update(user=radiologist)
    technologist = m.Technologist.objects.filter(member=members[first]).order_by("pk").first()
    tech_user = user_create(
        username="manipulateur",
        password=DEMO_PASSWORD,
        role=Role.TECHNOLOGIST,
        member=members[first],
        first_name=technologist.first_name,
        last_name=technologist.last_name,
    )
    m.Technologist.objects.filter(pk=technologist.pk).update(user=tech_user)


def demo_logins() -> list[DemoLogin]:
    out = []
    for user in User.objects.select_related("member").order_by("pk"):
        detail = user.member.name if user.member else ""
        practitioner = m.Practitioner.objects.filter(user=user).first()
        if practitioner:
            detail = str(practitioner)
        out.append(DemoLogin(user.username, user.get_role_display(), detail))
    return out
