"""The synthetic PIMM used by `make demo`, tests and benchmarks (seeded, scalable).

`generator` is Django-free (engines and benches use it); `loader` writes it to the database.
"""
