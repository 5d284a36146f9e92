"""The personas of the permission matrices (see the ``world`` fixture in conftest.py) and the
HTTP answers the matrices expect, so that every app's matrix covers the same people."""

SIGNED_IN = (
    "coordinator",
    "administrator",
    "reviewer",
    "manager_a",
    "secretary_a",
    "technologist_a",
    "radiologist_a",
)
PERSONAS = (None, *SIGNED_IN)  # None: not signed in

OK, FOUND, FORBIDDEN, HIDDEN, UNAUTHORISED = 200, 302, 403, 404, 401
LOGIN = REDIRECT = FOUND  # the login page, or a redirect after a write

# Objects that involve two members (a device held by B on A's site, a booking of B on A's site,
# an exam of B read by A's radiologist) are also tried by the manager of the other member.
TWO_MEMBER_PERSONAS = (*PERSONAS, "manager_b")
