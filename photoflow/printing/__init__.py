"""Print deliverables: ID prints laid out on photo paper as print-ready sheets (PDF or 300 dpi PNG)."""

from photoflow.printing.sheets import (
    SheetGrid,
    SheetItem,
    Slot,
    grid,
    iter_sheets,
    print_layout,
    render_sheets,
    sheet_count,
    write_pdf,
    write_pngs,
)

__all__ = [
    "SheetGrid",
    "SheetItem",
    "Slot",
    "grid",
    "iter_sheets",
    "print_layout",
    "render_sheets",
    "sheet_count",
    "write_pdf",
    "write_pngs",
]
