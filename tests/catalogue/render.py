"""Write the bad-input catalogue table: ``python -m tests.catalogue.render`` updates docs/BAD_INPUT.md."""

from __future__ import annotations

from pathlib import Path

from tests.catalogue.cases import CASES

DOC = Path(__file__).resolve().parents[2] / "docs" / "BAD_INPUT.md"

HEADER = """# Bad input catalogue

Every input below fails before any billed call, with a message that names the field and, where
the values are a fixed set, the allowed ones. "construct" cases fail when the DAG file is parsed;
"execute" cases fail when the task runs, after templates are rendered, before the first request,
except a name checked against one of AudioStack's lists, which costs one free read of that list
(shown as "after GET ..."): the sandbox counts no other request. The table is generated from
`tests/catalogue/cases.py`, which `tests/catalogue/test_bad_input.py` runs ({count} cases).

| # | operator | malformed input | fails at | the error contains |
|---|---|---|---|---|
"""


def render() -> str:
    """The catalogue as markdown."""
    rows = []
    for number, case in enumerate(CASES, start=1):
        operator = case.operator.rsplit(".", 1)[1]
        expected = case.expected.replace("|", "\\\\|")
        remarks = [case.notes] if case.notes else []
        if case.reads:
            remarks.append(f"after {' and '.join(case.reads)}")
        note = f" ({'; '.join(remarks)})" if remarks else ""
        rows.append(f"| {number} | `{operator}` | {case.name}{note} | {case.when} | `{expected}` |")
    return HEADER.format(count=len(CASES)) + "\n".join(rows) + "\n"


if __name__ == "__main__":
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text(render())
    print(f"wrote {DOC} ({len(CASES)} cases)")
