"""Defuse text that a spreadsheet would run as a formula, in every Excel and CSV file we write.

A roster may hold `=HYPERLINK(...)` or `@SUM(...)` in a name or a department; we store it as
given, but a CSV opened in Excel (or a cell pasted from a workbook) would run it. OWASP's advice
for CSV injection is to start such a cell with a single quote, which Excel shows and never
evaluates; we do that in the .xlsx files too, where values are written as strings all the same.
Only text from users goes through here: numbers the app writes (a negative count, a score) are
numbers, not text, and ID numbers cannot start with these characters.
"""

from __future__ import annotations

import polars as pl

# OWASP CSV injection: the characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def defused(text: str) -> str:
    """`text` with a leading `'` when a spreadsheet would take it for a formula, else unchanged."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def defused_text_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """Every text column of `frame` defused; numbers, dates and nulls untouched."""
    return frame.with_columns(
        pl.when(pl.any_horizontal(pl.col(name).str.starts_with(start) for start in FORMULA_STARTS))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )
