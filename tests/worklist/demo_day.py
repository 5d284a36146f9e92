"""Clearing the session's demo day before a test loads its own: the ledger's rows that bill its
exams go first (they protect the exams they bill, as a ledger must), reversals before what they
reverse."""

from pimm.ledger import models as lm


def clear(*models):
    lm.ExtraFeeAttempt.objects.all().delete()
    lm.ToFix.objects.all().delete()
    lm.Entry.objects.filter(reverses__isnull=False).delete()
    lm.Entry.objects.all().delete()
    for model in models:
        model.objects.all().delete()
