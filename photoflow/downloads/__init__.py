"""One-time download packages: each collected or registered record is handed over once, as an
information table and a zip of photos named by ID number, and every package can be fetched again."""
