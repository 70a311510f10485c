"""Reading and writing CSV/XLSX tables, as every import and export of the platform does.

    from township_integrity.tabular import Column, Problems, as_text, open_table

``open_table(path, columns)`` maps the header (English or Chinese column names),
``Problems`` collects what is wrong by row and column and raises one
``TableError`` naming them all, so an import writes everything or nothing.
``write_table`` escapes cells so an export is safe to open in a spreadsheet.
"""

from platform_core.tabular import (
    Column,
    Problem,
    Problems,
    TableError,
    as_bool,
    as_date,
    as_int,
    as_text,
    escape_cell,
    open_table,
    write_table,
)

__all__ = [
    "Column",
    "Problem",
    "Problems",
    "TableError",
    "as_bool",
    "as_date",
    "as_int",
    "as_text",
    "escape_cell",
    "open_table",
    "write_table",
]
