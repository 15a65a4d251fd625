"""Plain aligned text tables for terminals and logs (the one table formatter of every CLI)."""


def format_table(header, rows, right=()):
    """``header`` and ``rows`` of cells (any type, shown with str) as aligned lines joined by newlines.

    Columns whose index is in ``right`` are right-aligned (numbers); trailing blanks are stripped.
    """
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return "\n".join("  ".join(c.rjust(w) if i in right else c.ljust(w)
                               for i, (c, w) in enumerate(zip(row, widths))).rstrip()
                     for row in cells)
