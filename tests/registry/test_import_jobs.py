"""Imports run as background jobs (the immediate task backend of the tests runs the real task):
the upload view queues a job and redirects to its page, which polls the job's progress."""

import io

import pytest
from django.urls import reverse

from pimm.registry import import_jobs, imports, tasks
from pimm.registry import models as m

HEADER = "rpps;prenom;nom;membre;statut;competences;quotite;sites\n"


def _upload(world, rows: list[str], name: str = "radiologues.csv") -> io.BytesIO:
    upload = io.BytesIO((HEADER + "".join(r + "\n" for r in rows)).encode("utf-8"))
    upload.name = name
    return upload


def _good_rows(world) -> list[str]:
    code = world.member_a.code
    return [
        f"10000001015;Anne;Durand;{code};PH;general;1;",
        f"10000002013;Paul;Martin;{code};libéral;;1;",
        f"10000003011;Lea;Petit;{code};PH;general;0,5;",
    ]


def _post(client, upload, kind="practitioners"):
    return client.post(reverse("registry:import"), {"kind": kind, "file": upload})


def test_an_upload_is_a_job_that_goes_from_queued_to_done_with_its_counts(
    world, client_for, monkeypatch
):
    seen = []
    real_run = tasks.import_job_run

    def spy(*, job_id, language):
        seen.append(m.ImportJob.objects.get(pk=job_id).status)
        return real_run(job_id=job_id, language=language)

    monkeypatch.setattr(tasks, "import_job_run", spy)
    before = m.Practitioner.objects.count()
    response = _post(client_for("manager_a"), _upload(world, _good_rows(world)))
    job = m.ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert seen == ["queued"]  # the task found the job queued...
    assert job.status == "checked"  # ...and left it checked: a preview, nothing written
    assert m.Practitioner.objects.count() == before
    assert (job.preview["create"], job.preview["update"]) == (3, 0)
    response = client_for("manager_a").post(reverse("registry:import_confirm", args=[job.pk]))
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert seen == ["queued", "queued"]  # confirmed: queued again, then written
    job.refresh_from_db()
    assert job.status == "done"
    assert job.created_by == world.users["manager_a"]
    assert (job.kind, job.file_name) == ("practitioners", "radiologues.csv")
    assert (job.rows_total, job.rows_checked, job.rows_written) == (3, 3, 3)
    assert (job.created_count, job.updated_count, job.errors) == (3, 0, [])
    assert m.Practitioner.objects.count() == before + 3
    page = client_for("manager_a").get(job.get_absolute_url()).content.decode()
    assert "Import réussi : 3 créé(s), 0 mis à jour." in page
    assert "hx-trigger" not in page  # a finished job is not polled


def test_progress_is_written_in_small_updates_the_page_can_read(world, client_for, monkeypatch):
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 1)
    stored = []
    real_import = import_jobs.registry_import

    def spy(**kwargs):
        report = kwargs["on_progress"]

        def recording(checked, total):
            report(checked, total)
            job = m.ImportJob.objects.get()
            stored.append((job.status, job.rows_checked, job.rows_total))

        return real_import(**{**kwargs, "on_progress": recording})

    monkeypatch.setattr(import_jobs, "registry_import", spy)
    _post(client_for("manager_a"), _upload(world, _good_rows(world)))
    assert stored[0] == ("running", 0, 3)
    assert [checked for _s, checked, _t in stored] == [0, 1, 2, 3]


def test_a_bad_file_gives_a_failed_job_with_its_row_errors_and_writes_nothing(world, client_for):
    code = world.member_a.code
    rows = [
        f"10000001015;Anne;Durand;{code};PH;general;1;",
        f"10000001016;Bad;Key;{code};PH;general;1;",  # wrong RPPS check key, line 3
    ]
    before = m.Practitioner.objects.count()
    response = client_for("manager_a").post(
        reverse("registry:import"),
        {"kind": "practitioners", "file": _upload(world, rows)},
        follow=True,
    )
    job = m.ImportJob.objects.get()
    assert job.status == "failed"
    assert (job.rows_checked, job.rows_written, job.created_count) == (2, 0, 0)
    assert [(e["line"], e["column"]) for e in job.errors] == [(3, "rpps")]
    assert m.Practitioner.objects.count() == before
    body = response.content.decode()
    assert "Import refusé : 1 erreur." in body
    assert "clé de contrôle" in job.errors[0]["message"] and "clé de contrôle" in body


def test_a_wrong_format_is_refused_before_any_job(world, client_for):
    upload = io.BytesIO(b"%PDF-1.7")
    upload.name = "radiologues.pdf"
    response = _post(client_for("manager_a"), upload)
    assert response.status_code == 200
    assert "Format non pris en charge" in response.content.decode()
    assert not m.ImportJob.objects.exists()


@pytest.mark.parametrize("page", ["registry:import_job", "registry:import_progress"])
def test_only_the_creator_and_coordination_see_a_job(world, client_for, page):
    _post(client_for("manager_a"), _upload(world, _good_rows(world)))
    url = reverse(page, args=[m.ImportJob.objects.get().pk])
    assert client_for("manager_b").get(url).status_code == 404  # another member's manager
    assert client_for("secretary_a").get(url).status_code == 404  # same member, not the creator
    assert client_for("manager_a").get(url).status_code == 200
    assert client_for("coordinator").get(url).status_code == 200
    missing = reverse(page, args=[m.ImportJob.objects.get().pk + 1000])
    assert client_for("manager_a").get(missing).status_code == 404


def test_the_progress_partial_shows_the_counts_and_polls_while_running(world, client_for):
    job = m.ImportJob.objects.create(
        created_by=world.users["manager_a"],
        kind="sites",
        file_name="sites.csv",
        content=b"",
        status="running",
        rows_checked=400,
        rows_total=1200,
    )
    url = reverse("registry:import_progress", args=[job.pk])
    body = client_for("manager_a").get(url, headers={"HX-Request": "true"}).content.decode()
    assert "400 lignes vérifiées sur 1200" in body
    assert f'hx-get="{url}"' in body and 'hx-trigger="every 1s"' in body
    m.ImportJob.objects.filter(pk=job.pk).update(
        status="done", rows_checked=1200, rows_written=1200
    )
    body = client_for("manager_a").get(url, headers={"HX-Request": "true"}).content.decode()
    assert "1200 lignes vérifiées sur 1200, 1200 enregistrées." in body
    assert "hx-get" not in body
