from django import template

from pimm.ledger.exports import amount

register = template.Library()


@register.filter
def eur(value) -> str:
    """An amount as the statements print it (French decimal comma, two places)."""
    return amount(value or 0)
