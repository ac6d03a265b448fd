"""Roster ingestion: read an uploaded roster, check every row, store the good ones, report the rest."""
