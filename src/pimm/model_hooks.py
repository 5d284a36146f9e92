"""One way for a room to publish "my data changed" to the rooms above it: a callback run after
any save or delete of some models and any change of some many-to-many tables, by any path
(services, admin, API, imports, demo). Used by ``registry.hooks`` and ``oncall.hooks``."""

from collections.abc import Callable, Iterable

from django.db.models.signals import m2m_changed, post_delete, post_save


def connect_model_changes(
    *, name: str, models: Iterable, m2m_through: Iterable = (), notify: Callable[[], None]
) -> None:
    """Call ``notify()`` after each save or delete of ``models`` and each change of the
    ``m2m_through`` tables. Idempotent (``name`` makes the dispatch ids)."""

    def saved_or_deleted(sender, **kwargs) -> None:
        notify()

    def m2m(sender, action: str, **kwargs) -> None:
        if action.startswith("post_"):
            notify()

    for model in models:
        uid = f"{name}-{model._meta.label}"
        post_save.connect(saved_or_deleted, sender=model, weak=False, dispatch_uid=uid + "-save")
        post_delete.connect(
            saved_or_deleted, sender=model, weak=False, dispatch_uid=uid + "-delete"
        )
    for through in m2m_through:
        m2m_changed.connect(
            m2m, sender=through, weak=False, dispatch_uid=f"{name}-{through._meta.label}"
        )
