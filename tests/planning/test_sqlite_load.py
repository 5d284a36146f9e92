"""SQLite under load, over loopback: a real server on a file database (WAL, busy timeout, IMMEDIATE
transactions, the settings `make demo` uses) takes concurrent bookings through the API without a
single 500 ("database is locked") and without booking a slot twice.

The test settings use an in-memory database, so this test builds its own file database in a
temporary directory, migrates it, and serves it with `manage.py runserver` on 127.0.0.1.
"""

import concurrent.futures
import datetime as dt
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 16
SLOTS = 4


def build_world() -> None:
    """Run inside the server's environment: one member, four free slots, sixteen secretaries."""
    from pimm.accounts.roles import Role
    from pimm.accounts.services import api_token_create, user_create
    from pimm.planning import adapter
    from pimm.planning import models as pm
    from pimm.registry import models as m

    platform = m.Platform.objects.create(
        name="PIMM charge",
        legal_form="gcs_moyens",
        siren="732829320",
        authorized_on=dt.date(2026, 1, 1),
    )
    member = m.Member.objects.create(
        platform=platform, code="M1", name="Membre 1", kind="private_group", siren="552100554"
    )
    site = m.Site.objects.create(
        member=member,
        code="S1",
        name="Site 1",
        town="Vienne",
        departement="38",
        latitude=45.5,
        longitude=4.8,
    )
    eq = m.Equipment.objects.create(
        site=site, holder=member, code="CT-L", name="Scanner L", modality="CT"
    )
    m.Authorization.objects.create(
        equipment=eq,
        number="ARS-L",
        decided_on=dt.date(2025, 1, 1),
        starts_on=dt.date(2025, 1, 1),
        ends_on=dt.date(2045, 1, 1),
    )
    pm.ExamType.objects.create(code="CT_L", label="Scanner", modality="CT", minutes=15)
    from django.utils import timezone

    today = timezone.localdate()
    plan = pm.VacationPlan.objects.create(
        platform=platform,
        name="P",
        start=today,
        end=today + dt.timedelta(days=30),
        status="published",
    )
    start = adapter.aware(dt.datetime.combine(today + dt.timedelta(days=2), dt.time(8, 0)))
    slots = [
        pm.Slot.objects.create(
            plan=plan,
            equipment=eq,
            member=member,
            start=start + dt.timedelta(minutes=15 * i),
            end=start + dt.timedelta(minutes=15 * (i + 1)),
        ).pk
        for i in range(SLOTS)
    ]
    tokens = []
    for i in range(WORKERS):
        user = user_create(
            username=f"charge{i}",
            password="x-very-long-pass-1",
            role=Role.SECRETARY,
            member=member,
        )
        tokens.append(api_token_create(user=user, name="charge")[1])
    print(json.dumps({"member": member.pk, "slots": slots, "tokens": tokens}))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback only
            return
        except urllib.error.HTTPError:
            return  # the server answers
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(url)


@pytest.mark.slow
def test_concurrent_bookings_on_file_sqlite_give_no_500_and_no_double_booking(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pimm.settings.dev",
        "PIMM_DB_ENGINE": "sqlite",
        "PIMM_DB_PATH": str(tmp_path / "load.sqlite3"),
        "PIMM_VAR_DIR": str(tmp_path),
        "PIMM_DEBUG": "0",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v0"], env=env, check=True, timeout=300)
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from tests.planning.test_sqlite_load import build_world; build_world()",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    world = json.loads(out.stdout.strip().splitlines()[-1])
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/api/me")

        def book(i: int) -> tuple[int, dict]:
            body = {
                "order_reference": f"LOAD-{i}",
                "exam_type": "CT_L",
                "patient_pseudonym": f"PAT-LD{i:04d}",
                "member": world["member"],
                "slot": world["slots"][i % SLOTS],
            }
            request = urllib.request.Request(  # noqa: S310 - loopback only
                f"{base}/api/planning/bookings",
                data=json.dumps(body).encode(),
                headers={
                    "Authorization": f"Bearer {world['tokens'][i]}",
                    "Content-Type": "application/json",
                },
                method="POST",
            )
            try:
                with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                    return response.status, json.loads(response.read())
            except urllib.error.HTTPError as exc:
                return exc.code, json.loads(exc.read() or b"{}")

        with concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS) as pool:
            results = list(pool.map(book, range(WORKERS)))
    finally:
        server.terminate()
        server.wait(timeout=30)
    statuses = [status for status, _ in results]
    assert all(s < 500 for s in statuses), results
    booked = [body for status, body in results if status == 201]
    assert sorted(b["id"] for b in booked) == sorted({b["id"] for b in booked})
    # every slot booked exactly once; every other request refused as taken
    assert len(booked) == SLOTS, results
    assert statuses.count(409) == WORKERS - SLOTS, results
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from pimm.planning.models import Booking, Slot; "
            "print(Slot.objects.filter(booking__isnull=False).count(), Booking.objects.count())",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    booked_slots, bookings = (int(x) for x in check.stdout.split())
    assert (booked_slots, bookings) == (SLOTS, SLOTS)  # one booking per slot, none left over
