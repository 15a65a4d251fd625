"""Reports of the speed-quality sweep: the Pareto front of our measurements beside the paper's.

Modules, one job each: ``pareto`` (the front), ``inputs`` (stores and bench JSON → rows), ``table``
(rows + the paper's numbers → one pandas table), ``analysis`` (fronts, agreement, rank correlation,
energy), ``provenance`` (environment, commands), ``figures`` (matplotlib), ``document`` (what the
report says), ``html`` / ``markdown`` (how it is written), ``build`` (all of it into a folder).
"""
