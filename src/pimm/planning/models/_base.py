"""Choices and helpers shared by the planning models."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Part(models.TextChoices):
    MORNING = "morning", _("matin")
    AFTERNOON = "afternoon", _("après-midi")
    EVENING = "evening", _("soirée")
    NIGHT = "night", _("nuit")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("lundi")
    TUESDAY = 1, _("mardi")
    WEDNESDAY = 2, _("mercredi")
    THURSDAY = 3, _("jeudi")
    FRIDAY = 4, _("vendredi")
    SATURDAY = 5, _("samedi")
    SUNDAY = 6, _("dimanche")


class Purpose(models.TextChoices):
    GENERAL = "general", _("générale")
    EMERGENCY = "emergency", _("urgence")
    PAEDIATRIC = "paediatric", _("pédiatrie")
    DISABILITY = "disability", _("handicap")
    NEURO = "neuro", _("neuroradiologie")
    SCREENING = "screening", _("dépistage")


SPECIALISED = [p for p in Purpose if p not in (Purpose.GENERAL, Purpose.EMERGENCY)]


def _setup_url(key: str, pk: int) -> str:
    """Setup rows are shown and edited by the registry's generic screens (`planning.screens`)."""
    return reverse(f"registry:{key}_detail", args=[pk])


def _week_intervals(weekday: int, start, end) -> list[tuple[int, int]]:
    """A session as minute intervals of the week (0 = Monday 00:00), split when it wraps."""
    week = 7 * 24 * 60
    a = weekday * 1440 + start.hour * 60 + start.minute
    b = weekday * 1440 + end.hour * 60 + end.minute
    if b <= a:
        b += 1440
    return [(a, min(b, week))] + ([(0, b - week)] if b > week else [])
