"""Markdown pieces the report and every experiment section use: tables and figure links."""


def figure(summary, name, caption=""):
    """Markdown for a figure of this experiment (paths relative to REPORT.md)."""
    return f"![{caption or name}]({summary['id']}/{name})"


def table(header, rows):
    """A Markdown table from a header list and row lists (values already formatted)."""
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(v) for v in row) + " |" for row in rows]
    return "\n".join(out)
