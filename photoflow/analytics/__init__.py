"""Figures for analysts: tables computed from the event log and the review tables, with plots.

Read-only: nothing here writes to the database. The SQL behind each table is in `report.py` and is
documented in `docs/analytics.md`, so analysts can run it themselves.
"""
