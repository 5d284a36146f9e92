"""Every role against every on-call page: allowed and refused both asserted.

Written from the brief, not from the code: coordinator/administrator manage lines and rotas and
alone see drafts; every user of the platform (technologists included) sees the published rotas;
radiologists enter their own wishes, swap and get their iCal feed; member managers export their
member's duties; the ARS reviewer reads published rotas, lines and weights, and changes nothing.
"""

import pytest
from django.urls import reverse

from pimm.oncall import services
from pimm.oncall.models import Rota
from tests import clock
from tests.personas import FORBIDDEN, FOUND, HIDDEN, LOGIN, OK, PERSONAS


def row(coord, admin, ars, manager, secretary, tech, radiologist):
    return dict(zip(PERSONAS, (LOGIN, coord, admin, ars, manager, secretary, tech, radiologist)))


EXPECTED = {
    # name: (method, url name, rota kind, expectations)
    "index": ("get", "oncall:index", None, row(OK, OK, OK, OK, OK, OK, OK)),
    "rota published": ("get", "oncall:rota", "published", row(OK, OK, OK, OK, OK, OK, OK)),
    "rota draft": (
        "get",
        "oncall:rota",
        "draft",
        row(OK, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    ),
    "progress": (
        "get",
        "oncall:progress",
        "draft",
        row(OK, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    ),
    "lines": (
        "get",
        "oncall:lines",
        None,
        row(OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    ),
    "line create": (
        "get",
        "oncall:line_create",
        None,
        row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    ),
    "wishes": (
        "get",
        "oncall:wishes",
        None,
        row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    ),
    "swaps": ("get", "oncall:swaps", None, row(OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK)),
    "fairness": ("get", "oncall:fairness", None, row(OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, OK)),
    "calendar": (
        "get",
        "oncall:calendar",
        None,
        row(FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, OK),
    ),
    "csv": ("get", "oncall:csv", "published", row(OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN)),
    "xlsx": (
        "get",
        "oncall:xlsx",
        "published",
        row(OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    ),
    "pdf": ("get", "oncall:pdf", "published", row(OK, OK, OK, OK, OK, OK, OK)),
    "pdf draft": (
        "get",
        "oncall:pdf",
        "draft",
        row(OK, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    ),
    "csv draft": (
        "get",
        "oncall:csv",
        "draft",
        row(OK, OK, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    ),
    "weights": (
        "get",
        "oncall:weights",
        None,
        row(OK, OK, OK, OK, FORBIDDEN, FORBIDDEN, OK),
    ),
    "weights save": (
        "post",
        "oncall:weights",
        None,
        row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    ),
    "generate": (
        "post",
        "oncall:generate",
        "draft",
        row(FOUND, FOUND, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    ),
    "publish": (
        "post",
        "oncall:publish",
        "draft",
        row(FOUND, FOUND, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    ),
    "revise": (
        "post",
        "oncall:revise",
        "published",
        row(FOUND, FOUND, HIDDEN, HIDDEN, HIDDEN, HIDDEN, HIDDEN),
    ),
    "create rota": (
        "post",
        "oncall:index",
        None,
        row(OK, OK, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN, FORBIDDEN),
    ),
}


@pytest.fixture
def rotas(world):
    published = Rota.objects.get(status=Rota.Status.PUBLISHED, start=clock.month_start())
    draft = services.rota_create(
        actor=world.users["coordinator"],
        platform=world.platform,
        start=clock.day(3, 1),
        end=clock.day(3, 3),
    )
    return {"published": published, "draft": draft}


@pytest.mark.parametrize("view", list(EXPECTED))
def test_every_role_on_every_view(view, rotas, client_for):
    method, name, kind, expected = EXPECTED[view]
    url = reverse(name, args=[rotas[kind].pk]) if kind else reverse(name)
    got = {}
    for persona in PERSONAS:
        client = client_for(persona)
        if method == "get":
            response = client.get(url)
        else:  # the create form posts nothing valid: 200 with errors for managers
            response = client.post(url, {"version": "0", "seconds": "1"})
        got[persona] = response.status_code
        if persona is None:
            assert response.status_code == LOGIN and "/comptes/connexion/" in response["Location"]
    assert got == expected


def test_manager_export_is_limited_to_own_member(world, client_for, rotas):
    url = reverse("oncall:csv", args=[rotas["published"].pk])
    body = client_for("manager_a").get(url).content.decode("utf-8-sig")
    members = {line.split(";")[0] for line in body.strip().splitlines()[1:]}
    assert members == {world.member_a.name}
    body_all = client_for("reviewer").get(url).content.decode("utf-8-sig")
    assert len({line.split(";")[0] for line in body_all.strip().splitlines()[1:]}) > 1


def test_radiologist_cannot_act_on_someone_elses_swap(world, client_for, rotas):
    from pimm.oncall.models import SwapRequest

    published = rotas["published"]
    a = published.shifts.select_related("assignment").first()
    b = published.shifts.exclude(assignment__practitioner=a.assignment.practitioner).first()
    swap = SwapRequest.objects.create(
        rota=published,
        kind="swap",
        shift=a,
        other_shift=b,
        from_practitioner=a.assignment.practitioner,
        to_practitioner=b.assignment.practitioner,
    )
    url = reverse("oncall:swap_action", args=[swap.pk, "accept"])
    assert client_for("radiologist_a").post(url).status_code == HIDDEN
    swap.refresh_from_db()
    assert swap.status == "proposed"


@pytest.mark.parametrize(
    "status", [Rota.Status.DRAFT, Rota.Status.READY, Rota.Status.FAILED, Rota.Status.SOLVING]
)
def test_unpublished_rotas_only_for_coordinator_and_administrator(status, world, rotas, client_for):
    draft = rotas["draft"]
    Rota.objects.filter(pk=draft.pk).update(status=status)
    url = reverse("oncall:rota", args=[draft.pk])
    for persona in PERSONAS[1:]:
        listed = draft in client_for(persona).get(reverse("oncall:index")).context["rotas"]
        code = client_for(persona).get(url).status_code
        allowed = persona in ("coordinator", "administrator")
        assert (listed, code) == ((True, OK) if allowed else (False, HIDDEN)), persona


def test_superseded_rota_stays_readable_by_every_platform_user(world, rotas, client_for):
    old = rotas["published"]
    Rota.objects.filter(pk=old.pk).update(status=Rota.Status.SUPERSEDED)
    url = reverse("oncall:rota", args=[old.pk])
    for persona in PERSONAS[1:]:
        assert client_for(persona).get(url).status_code == OK, persona


def test_draft_revision_link_hidden_from_readers_of_the_published_rota(world, rotas, client_for):
    published = rotas["published"]
    revision = services.rota_revise(actor=world.users["coordinator"], rota=published)
    url = reverse("oncall:rota", args=[published.pk])
    link = reverse("oncall:rota", args=[revision.pk])
    assert link in client_for("coordinator").get(url).content.decode()
    for persona in ("reviewer", "radiologist_a", "technologist_a", "manager_a"):
        assert link not in client_for(persona).get(url).content.decode(), persona


def test_reviewer_changes_nothing(world, rotas, client_for):
    client = client_for("reviewer")
    published, draft = rotas["published"], rotas["draft"]
    version = published.version
    for name, rota in (("publish", draft), ("revise", published), ("generate", draft)):
        response = client.post(reverse(f"oncall:{name}", args=[rota.pk]), {"version": "1"})
        assert response.status_code == HIDDEN
    published.refresh_from_db()
    assert published.version == version and published.status == Rota.Status.PUBLISHED
    assert not Rota.objects.filter(based_on=published).exists()
