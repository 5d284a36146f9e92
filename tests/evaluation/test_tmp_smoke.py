import subprocess, time
import pytest
from pimm.evaluation import services, models as ev
from tests import clock

@pytest.mark.django_db
def test_smoke(world, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    coord = world.users["coordinator"]
    for kind, year in (("annual", 1), ("final", None), ("dossier", None)):
        d = services.draft_create(actor=coord, kind=kind, year=year)
        t = time.perf_counter()
        r = services.report_start(actor=coord, draft=d)
        print(kind, r.status, r.message[:2000], round(time.perf_counter() - t, 2))
        if r.pdf:
            out = subprocess.run(["pdftotext", r.pdf.path, "-"], capture_output=True, text=True).stdout
            print(out[:1500])
