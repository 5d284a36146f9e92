"""Django-free solvers, routers and simulators: plain dataclasses in and out.

Nothing under this package may import Django; adapters in the Django apps translate ORM rows.
"""
