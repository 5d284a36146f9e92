"""Imports people can use: labels and codes, French column names, allowed values, template files
that import back cleanly, and a preview that writes nothing until confirmed."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pimm.registry import models as m
from pimm.registry.imports import choice_code, registry_import

PRACTITIONERS = "rpps;prenom;nom;membre;statut;competences;quotite;sites\n"


def _run(world, kind, text, *, persona="coordinator", name="f.csv", **kw):
    return registry_import(
        actor=world.users[persona], kind=kind, name=name, content=text.encode("utf-8"), **kw
    )


@pytest.mark.parametrize(
    ("written", "code"),
    [("CT", "CT"), ("ct", "CT"), ("Scanner (TDM)", "CT"), ("scanner", "CT"), ("IRM", "MRI")]
    + [("TEP-TDM", "PET_CT"), ("tep-tdm", "PET_CT"), ("gamma-camera", "GAMMA")],
)
def test_modality_by_code_label_or_alias(written, code):
    from pimm.registry.imports import MODALITY_ALIASES

    assert choice_code(written, m.Modality.choices, MODALITY_ALIASES) == code


def test_practitioner_labels_and_codes_are_both_accepted(world):
    code = world.member_a.code
    status_label = str(m.Practitioner.Status("public").label)
    text = PRACTITIONERS + (
        f"10000001015;Anne;Durand;{code};{status_label};Neuroradiologie|general;0,8;\n"
        f"10000002013;Paul;Martin;{code};private;sénologie;1;\n"
    )
    result = _run(world, "practitioners", text)
    assert result.ok, result.errors
    anne = m.Practitioner.objects.get(rpps="10000001015")
    assert (anne.status, anne.competences) == ("public", ["neuro", "general"])
    assert m.Practitioner.objects.get(rpps="10000002013").competences == ["breast"]


def test_a_header_in_french_labels_is_read(world):
    code = world.member_a.code
    text = f"RPPS;Prénom;Nom;Membre (code);Statut\n10000001015;Anne;Durand;{code};public\n"
    result = _run(world, "practitioners", text)
    assert result.ok, result.errors


def test_errors_name_the_column_by_its_french_label(world, client_for):
    text = PRACTITIONERS + "10000001015;Anne;Durand;INCONNU;public;;1;\n"
    result = _run(world, "practitioners", text)
    assert [(e.column, e.label) for e in result.errors] == [("membre", "Membre (code)")]
    bad = _run(
        world, "practitioners", PRACTITIONERS + f"10000001015;A;B;{world.member_a.code};x;;1;\n"
    )
    assert bad.errors[0].label == "Statut"
    assert "public (" in bad.errors[0].message  # the allowed values, code and label


def test_preview_writes_nothing_and_counts(world):
    code = world.member_a.code
    existing = m.Practitioner.objects.filter(member=world.member_a).first()
    text = PRACTITIONERS + (
        f"10000001015;Anne;Durand;{code};public;;1;\n"
        f"{existing.rpps};{existing.first_name};{existing.last_name};{code};"
        f"{existing.status};{'|'.join(existing.competences)};1;\n"
    )
    before = m.Practitioner.objects.count()
    history = m.Practitioner.history.count()
    result = _run(world, "practitioners", text, write=False)
    assert result.ok and not result.written
    assert (result.created, result.updated) == (1, 1)
    assert [r.action for r in result.rows] == ["create", "update"]
    assert m.Practitioner.objects.count() == before
    assert m.Practitioner.history.count() == history


def test_preview_with_errors_lists_each_row(world):
    code = world.member_a.code
    text = PRACTITIONERS + (
        f"10000001015;Anne;Durand;{code};public;;1;\n10000001016;Bad;Key;{code};public;;1;\n"
    )
    result = _run(world, "practitioners", text, write=False)
    assert [(r.line, r.action) for r in result.rows] == [(2, "create"), (3, "error")]
    assert (result.created, result.updated) == (1, 0)
    assert [e.line for e in result.errors] == [3]


def _upload(text: str, name="radiologues.csv"):
    f = io.BytesIO(text.encode("utf-8"))
    f.name = name
    return f


def test_the_job_shows_a_preview_and_writes_only_when_confirmed(world, client_for):
    client = client_for("manager_a")
    code = world.member_a.code
    text = PRACTITIONERS + f"10000001015;Anne;Durand;{code};Praticien hospitalier (public);;1;\n"
    before = m.Practitioner.objects.count()
    response = client.post(
        reverse("registry:import"),
        {"kind": "practitioners", "file": _upload(text)},
        follow=True,
    )
    job = m.ImportJob.objects.get()
    assert job.status == "checked" and not job.confirmed
    body = response.content.decode()
    assert 'id="import-preview"' in body and "Durand" in body
    assert reverse("registry:import_confirm", args=[job.pk]) in body
    assert m.Practitioner.objects.count() == before
    # nobody else confirms it; a GET does nothing
    other = client_for("coordinator").post(reverse("registry:import_confirm", args=[job.pk]))
    assert other.status_code == 302
    client.get(reverse("registry:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "checked"
    assert (
        client_for("manager_b").post(reverse("registry:import_confirm", args=[job.pk])).status_code
        == 404
    )
    client.post(reverse("registry:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done" and job.created_count == 1
    assert m.Practitioner.objects.count() == before + 1
    again = client.post(reverse("registry:import_confirm", args=[job.pk]), follow=True)
    assert "n&#x27;attend plus de confirmation" in again.content.decode()
    assert m.Practitioner.objects.count() == before + 1


def test_a_refused_job_page_names_columns_in_french(world, client_for):
    text = PRACTITIONERS + "10000001015;Anne;Durand;INCONNU;public;;1;\n"
    response = client_for("coordinator").post(
        reverse("registry:import"), {"kind": "practitioners", "file": _upload(text)}, follow=True
    )
    body = response.content.decode()
    assert m.ImportJob.objects.get().status == "failed"
    assert "Membre (code)" in body and 'id="import-preview"' in body


def test_import_page_lists_allowed_values_and_templates(world, client_for):
    body = client_for("manager_a").get(reverse("registry:import")).content.decode()
    assert "<code>MRI</code> — IRM" in body
    assert "<code>neuro</code> — Neuroradiologie" in body
    assert f"<code>{world.member_a.code}</code>" in body
    assert f"<code>{world.member_b.code}</code>" not in body  # not a member they may import into
    for kind in ("sites", "equipment", "practitioners"):
        for fmt in ("csv", "xlsx"):
            assert reverse("registry:import_template", args=[kind, fmt]) in body


@pytest.mark.parametrize("persona", ["secretary_a", "radiologist_a", "reviewer"])
def test_templates_are_for_importers_only(client_for, persona):
    url = reverse("registry:import_template", args=["sites", "csv"])
    assert client_for(persona).get(url).status_code == 403


@pytest.mark.parametrize("persona", ["coordinator", "manager_a"])
@pytest.mark.parametrize("kind", ["sites", "equipment", "practitioners"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_round_trip_imports_cleanly(world, client_for, persona, kind, fmt):
    response = client_for(persona).get(reverse("registry:import_template", args=[kind, fmt]))
    assert response.status_code == 200
    content = response.content
    if fmt == "xlsx":
        rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    else:
        rows = content.decode("utf-8-sig").splitlines()
    assert len(rows) >= 2  # a header and at least one example line
    result = registry_import(
        actor=world.users[persona], kind=kind, name=f"modele.{fmt}", content=content
    )
    assert result.ok, result.errors
    assert (result.created, result.updated) == (0, len(rows) - 1)
