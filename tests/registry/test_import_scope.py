"""Imports go through the registry forms: codes resolve within the importing member, a row naming a
site or holder the importer may not write is refused, all rows or none, big files refused early."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook

from pimm.registry import import_files
from pimm.registry import models as m
from pimm.registry.imports import registry_import

pytestmark = pytest.mark.django_db

EQUIPMENT = "code;nom;modalite;site;titulaire\n"


def _decoy(world) -> m.Site:
    """Member B creates a site with member A's site code (codes are unique within a member)."""
    site = m.Site.objects.get(pk=world.site_b.pk)
    site.pk = None
    site.code = world.site_a.code
    site.name = "Leurre"
    site.save()
    return site


def test_decoy_site_code_does_not_capture_another_members_import(world):
    decoy = _decoy(world)
    content = (
        EQUIPMENT + f"EQN1;IRM neuve;IRM;{world.site_a.code};{world.member_a.code}\n"
    ).encode()
    result = registry_import(
        actor=world.users["manager_a"], kind="equipment", name="e.csv", content=content
    )
    assert result.ok, result.errors
    assert m.Equipment.objects.get(code="EQN1").site == world.site_a != decoy


def test_decoy_site_code_does_not_capture_a_coordinators_practitioner_import(world):
    _decoy(world)
    content = (
        "rpps;prenom;nom;membre;statut;sites\n"
        f"10000001015;Anne;Durand;{world.member_a.code};PH;{world.site_a.code}\n"
    ).encode()
    result = registry_import(
        actor=world.users["coordinator"], kind="practitioners", name="p.csv", content=content
    )
    assert result.ok, result.errors
    assert list(m.Practitioner.objects.get(rpps="10000001015").sites.all()) == [world.site_a]


@pytest.mark.parametrize(
    "site,holder,column",
    [
        ("b_site", "a", "site"),  # own device on another member's site
        ("a_site", "b", "titulaire"),  # another member's device on one's own site
    ],
)
def test_manager_cannot_name_a_site_or_holder_outside_their_writes(world, site, holder, column):
    site_cell = (
        world.site_a.code if site == "a_site" else f"{world.member_b.code}/{world.site_b.code}"
    )
    holder_code = world.member_a.code if holder == "a" else world.member_b.code
    content = (
        EQUIPMENT
        + f"EQOK;IRM bonne;IRM;{world.site_a.code};{world.member_a.code}\n"
        + f"EQX;IRM pirate;IRM;{site_cell};{holder_code}\n"
    ).encode()
    result = registry_import(
        actor=world.users["manager_a"], kind="equipment", name="e.csv", content=content
    )
    assert [(e.line, e.column) for e in result.errors] == [(3, column)]
    assert not m.Equipment.objects.filter(code__in=["EQOK", "EQX"]).exists()  # all or nothing


def test_coordinator_places_a_device_on_another_members_site_explicitly(world):
    content = (
        EQUIPMENT
        + f"EQC;Scanner;scanner;{world.member_b.code}/{world.site_b.code};{world.member_a.code}\n"
    ).encode()
    result = registry_import(
        actor=world.users["coordinator"], kind="equipment", name="e.csv", content=content
    )
    assert result.ok, result.errors
    device = m.Equipment.objects.get(code="EQC")
    assert (device.site, device.holder) == (world.site_b, world.member_a)


def test_rows_go_through_the_form_limits(world):
    long_name = "x" * 131_000  # under csv's own field limit: the form's max_length refuses it
    content = (
        "membre;code;nom;commune;departement;latitude;longitude\n"
        f"{world.member_a.code};S1;{long_name};Lyon;69;45.7;4.8\n"
        f"{world.member_a.code};S2;Site;Lyon;69;NaN;4.8\n"
    ).encode()
    result = registry_import(
        actor=world.users["manager_a"], kind="sites", name="s.csv", content=content
    )
    assert [(e.line, e.column) for e in result.errors] == [(2, "nom"), (3, "latitude")]
    assert not m.Site.objects.filter(code__in=["S1", "S2"]).exists()


def test_a_field_over_csvs_limit_is_a_file_error_not_a_crash(world):
    content = f"membre;code\n{'x' * 200_000};S\n".encode()
    result = registry_import(
        actor=world.users["manager_a"], kind="sites", name="s.csv", content=content
    )
    assert result.errors[0].line == 1 and "CSV illisible" in result.errors[0].message


def test_nan_coordinates_and_nul_bytes_are_refused_by_row(world):
    content = (
        "membre;code;nom;commune;departement;latitude;longitude\n"
        f"{world.member_a.code};S2;Site;Lyon;69;NaN;4.8\n"
    ).encode()
    result = registry_import(
        actor=world.users["manager_a"], kind="sites", name="s.csv", content=content
    )
    assert [(e.line, e.column) for e in result.errors] == [(2, "latitude")]
    nul = registry_import(
        actor=world.users["manager_a"], kind="sites", name="s.csv", content=b"membre\x00;code\n"
    )
    assert nul.errors and nul.errors[0].line == 1


def test_a_huge_xlsx_is_refused_before_it_is_parsed_whole(world, monkeypatch):
    monkeypatch.setattr(import_files, "MAX_ROWS", 50)  # the file reader lives there
    wb = Workbook(write_only=True)
    ws = wb.create_sheet()
    ws.append(["membre", "code", "nom", "commune", "departement", "latitude", "longitude"])
    for i in range(5000):
        ws.append([world.member_a.code, f"Z{i}", "n", "Lyon", "69", 45.0, 4.0])
    buf = io.BytesIO()
    wb.save(buf)
    read = []
    original = import_files._read_xlsx

    def spy(content, limit):
        rows = original(content, limit)
        read.append(len(rows))
        return rows

    monkeypatch.setattr(import_files, "_read_xlsx", spy)
    result = registry_import(
        actor=world.users["coordinator"], kind="sites", name="s.xlsx", content=buf.getvalue()
    )
    assert "Trop de lignes" in result.errors[0].message
    assert read and read[0] <= 52


def test_the_import_page_refuses_a_file_over_the_size_limit(world, client_for, monkeypatch):
    from pimm.registry import forms

    monkeypatch.setattr(forms, "MAX_BYTES", 100)
    upload = io.BytesIO(b"a;b\n" * 100)
    upload.name = "big.csv"
    response = client_for("coordinator").post(
        reverse("registry:import"), {"kind": "sites", "file": upload}
    )
    assert response.status_code == 200
    assert "Fichier trop volumineux" in response.content.decode()
