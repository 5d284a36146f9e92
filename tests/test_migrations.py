"""Models and migrations agree: a model change without its migration fails the build here rather
than on the first deployment's ``migrate``."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # --check exits 1 when a migration would be written
        pytest.fail(f"missing migrations (exit {exc.code}):\n{out.getvalue()}")
