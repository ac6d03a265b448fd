"""Standardisation to the registry spec and stage 1 automatic review: pure functions over image arrays."""
