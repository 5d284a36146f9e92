"""The audit trail: every historical record becomes an AuditEvent; both are append-only.

django-simple-history was chosen over django-pghistory (PostgreSQL-only triggers, while SQLite is
our embedded default) and django-auditlog (JSON diffs only, no queryable per-model snapshots): it
keeps a full snapshot table per model, works the same on both databases and knows the request user.
"""

import datetime as dt
import json

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, connections
from django.db.models.signals import post_migrate
from django.dispatch import receiver
from simple_history.signals import post_create_historical_record, pre_create_historical_record

from pimm.accounts.models import AuditEvent
from pimm.engine.i18n import Message, as_record

SYSTEM_USERNAME = "système"


def _plain(value: object) -> object:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _snapshot(history_instance) -> dict:
    fields = history_instance.instance_type._meta.concrete_fields
    return {f.attname: getattr(history_instance, f.attname, None) for f in fields}


def changes_for(history_instance) -> dict:
    """`{field: [before, after]}`; before is None on creation, after is None on deletion."""
    kind = history_instance.history_type
    if kind == "~":
        previous = history_instance.prev_record
        if previous is not None:
            delta = history_instance.diff_against(previous)
            return _plain({c.field: [c.old, c.new] for c in delta.changes})
    snap = _snapshot(history_instance)
    if kind == "-":
        return _plain({k: [v, None] for k, v in snap.items()})
    return _plain({k: [None, v] for k, v in snap.items()})


LOGIN_WINDOW = dt.timedelta(seconds=5)


def _action(instance, history_instance, changes: dict) -> str:
    """A user saved with nothing audited changed and a fresh `last_login` is a login (Django's
    `update_last_login`; `last_login` itself is not kept in the user's history)."""
    kind = history_instance.history_type
    last_login = getattr(instance, "last_login", None)
    if (
        kind == "~"
        and not changes
        and isinstance(instance, get_user_model())
        and last_login is not None
        and abs(history_instance.history_date - last_login) <= LOGIN_WINDOW
    ):
        return AuditEvent.Action.LOGIN
    return kind


@receiver(pre_create_historical_record)
def keep_reason_as_message(sender, instance, history_instance, **kwargs) -> None:
    """The history row keeps a message reason as its record too (a plan's or a booking's
    journal reads it in each reader's language, like the audit trail)."""
    history_instance.history_change_reason = _reason(history_instance.history_change_reason)


@receiver(post_create_historical_record)
def record_audit_event(sender, instance, history_instance, **kwargs) -> None:
    user = getattr(history_instance, "history_user", None)
    changes = changes_for(history_instance)
    AuditEvent.objects.create(
        at=history_instance.history_date,
        user=user,
        username=user.get_username() if user else SYSTEM_USERNAME,
        action=_action(instance, history_instance, changes),
        app_label=instance._meta.app_label,
        model=instance._meta.model_name,
        object_id=str(instance.pk),
        object_repr=str(instance)[:255],
        member_id=getattr(instance, "audit_member_id", None),
        changes=changes,
        reason=_reason(history_instance.history_change_reason),
    )


def _reason(reason) -> str:
    """A message (``pimm.engine.i18n.gettext_noop``) is kept as its record, JSON, so the audit
    trail reads it in each reader's language; any other reason is kept as written."""
    if isinstance(reason, Message):
        return json.dumps(as_record(reason), ensure_ascii=False, cls=DjangoJSONEncoder)
    return reason or ""


def append_only_tables() -> list[str]:
    tables = [AuditEvent._meta.db_table]
    for model in apps.get_models():
        if model._meta.model_name.startswith("historical") and hasattr(model, "instance_type"):
            tables.append(model._meta.db_table)
    return tables


_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION pimm_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'pimm: table % is append-only (audit trail)', TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
"""


def install_append_only_triggers(using_connection=None) -> list[str]:
    """Refuse UPDATE and DELETE on audit tables, whatever role the application connects with.

    On SQLite only UPDATE is refused: Django's test flush deletes rows there, and SQLite is the
    single-user embedded database, not where the ARS audit trail must be proven.
    """
    conn = using_connection or connection
    existing = set(conn.introspection.table_names())
    done = []
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(_PG_FUNCTION)
        for table in append_only_tables():
            if table not in existing:
                continue
            quoted = conn.ops.quote_name(table)
            if conn.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS pimm_append_only ON {quoted}")
                cursor.execute(
                    f"CREATE TRIGGER pimm_append_only BEFORE UPDATE OR DELETE ON {quoted} "
                    "FOR EACH ROW EXECUTE FUNCTION pimm_append_only()"
                )
            elif conn.vendor == "sqlite":
                name = conn.ops.quote_name(f"pimm_append_only_{table}")
                cursor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE UPDATE ON {quoted} "
                    "BEGIN SELECT RAISE(ABORT, 'pimm: audit trail is append-only'); END"
                )
            done.append(table)
    return done


@receiver(post_migrate)
def _install_triggers_after_migrate(sender, using="default", **kwargs) -> None:
    if sender.name == "pimm.accounts":
        install_append_only_triggers(connections[using])
