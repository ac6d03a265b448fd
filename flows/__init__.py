"""Prefect flows: each reads top to bottom like the stage it runs."""
