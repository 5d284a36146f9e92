"""The presence plan now belongs to the duty room (``oncall.0004`` took the tables over): the
model leaves the worklist's state only; no table is dropped."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("worklist", "0003_exam_reason_rules"),
        ("oncall", "0004_readerpresence_from_worklist"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name="HistoricalReaderPresence"),
                migrations.DeleteModel(name="ReaderPresence"),
            ],
            database_operations=[],
        ),
    ]
