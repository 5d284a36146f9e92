"""The presence plan moves from the worklist to the duty room: the model's state is created here
on the worklist's existing tables, which are then renamed (rows, ids and history kept as they
are: no copy). ``worklist.0004`` removes the model from the worklist's state."""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("oncall", "0003_astreinte_label"),
        ("registry", "0001_initial"),
        ("worklist", "0003_exam_reason_rules"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ReaderPresence",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("start", models.DateTimeField(verbose_name="début")),
                        ("end", models.DateTimeField(verbose_name="fin")),
                        ("on_duty", models.BooleanField(default=False, verbose_name="de garde / astreinte")),
                        ("practitioner", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+", to="registry.practitioner")),
                        ("site", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="registry.site")),
                    ],
                    options={
                        "verbose_name": "présence",
                        "db_table": "worklist_readerpresence",
                        "indexes": [models.Index(fields=["start", "end"], name="worklist_re_start_46fe44_idx")],
                    },
                ),
                migrations.CreateModel(
                    name="HistoricalReaderPresence",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("start", models.DateTimeField(verbose_name="début")),
                        ("end", models.DateTimeField(verbose_name="fin")),
                        ("on_duty", models.BooleanField(default=False, verbose_name="de garde / astreinte")),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.TextField(null=True)),
                        ("history_type", models.CharField(choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1)),
                        ("history_user", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("practitioner", models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="registry.practitioner")),
                        ("site", models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name="+", to="registry.site")),
                    ],
                    options={
                        "verbose_name": "historical présence",
                        "verbose_name_plural": "historical présences",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                        "db_table": "worklist_historicalreaderpresence",
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
            ],
            database_operations=[],
        ),
        # the tables take the duty room's names (a rename: the rows stay where they are)
        migrations.AlterModelTable(name="readerpresence", table=None),
        migrations.AlterModelTable(name="historicalreaderpresence", table=None),
        migrations.RenameIndex(
            model_name="readerpresence",
            new_name="oncall_presence_start_end",
            old_name="worklist_re_start_46fe44_idx",
        ),
    ]
