"""Stand-ins for what the product talks to but cannot reach here (the registry, the ID registry), the demo,
and generators of sample rosters, photo defects and vendor edits: used by the demo, tests and benchmarks,
never by the product itself."""
