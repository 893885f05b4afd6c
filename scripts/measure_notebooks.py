"""How long each notebook takes: to run, from the cell timings its committed run stored; to read, from its length.

    python scripts/measure_notebooks.py                            # print the table
    python scripts/measure_notebooks.py --write docs/teaching.md   # put it between the guide's two markers

Running: Jupyter stores beside each code cell's outputs when it started and when it ended (``execution`` in
the cell's metadata); the committed outputs come from ``./run.sh notebooks`` on a 2-core CPU machine, full
MNIST, so the durations added up here are that run's, measured. Cells run again alone since then keep their
own later timings; a cell with none is counted and said. Reading: the words of the prose at 200 a minute and
the lines of code at 10 a minute: a rule of thumb, stated as such, not a measurement.
"""

import argparse
import json
import re
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- durations: written by scripts/measure_notebooks.py -->", "<!-- end of durations -->"
WORDS_A_MINUTE, CODE_LINES_A_MINUTE = 200, 10


def _moment(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def measure(path):
    """``{title, run_seconds, longest_seconds, untimed_cells, run_dates, read_minutes}`` of the notebook at ``path``."""
    cells = json.loads(Path(path).read_text())["cells"]
    durations, untimed, dates, words, code_lines = [], 0, set(), 0, 0
    for cell in cells:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            words += len(re.findall(r"[A-Za-z0-9][\w'.,%-]*", source))
            continue
        code_lines += sum(1 for line in source.splitlines() if line.strip() and not line.strip().startswith("#"))
        timing = cell.get("metadata", {}).get("execution", {})
        if "iopub.execute_input" in timing and "shell.execute_reply" in timing:
            started, ended = _moment(timing["iopub.execute_input"]), _moment(timing["shell.execute_reply"])
            durations.append((ended - started).total_seconds())
            dates.add(started.date().isoformat())
        else:
            untimed += 1
    title = "".join(cells[0]["source"]).splitlines()[0].lstrip("# ").strip()
    return {"title": title, "run_seconds": sum(durations), "longest_seconds": max(durations, default=0),
            "untimed_cells": untimed, "run_dates": sorted(dates),
            "read_minutes": words / WORDS_A_MINUTE + code_lines / CODE_LINES_A_MINUTE}  # fmt: skip


def _minutes(seconds):
    return f"{seconds / 60:.0f} min" if seconds >= 90 else f"{seconds:.0f} s"


def table(notebooks):
    """The Markdown table of the notebooks at ``notebooks``, and a line with the totals."""
    rows = [
        "| notebook | to read (rule of thumb) | to run on 2 CPU cores (measured) | its longest cell | run on |",
        "|---|---|---|---|---|",
    ]
    read = run = 0
    for path in notebooks:
        m = measure(path)
        read, run = read + m["read_minutes"], run + m["run_seconds"]
        untimed = f" ({m['untimed_cells']} cell{'s' * (m['untimed_cells'] > 1)} untimed)" if m["untimed_cells"] else ""
        rows.append(f"| {m['title']} | {m['read_minutes']:.0f} min | {_minutes(m['run_seconds'])}{untimed} | "
                    f"{_minutes(m['longest_seconds'])} | {', '.join(m['run_dates'])} |")  # fmt: skip
    rows.append(f"| **all** | **{read:.0f} min** | **{_minutes(run)}** | | |")
    return "\n".join(rows)


def write_into(guide, text):
    """Put ``text`` between the guide's two markers (a one-line ``ValueError`` if they are missing)."""
    content = Path(guide).read_text()
    if START not in content or END not in content:
        raise ValueError(f"{guide} lacks the markers {START} and {END}: expected them around the table")
    before, rest = content.split(START, 1)
    after = rest.split(END, 1)[1]
    Path(guide).write_text(f"{before}{START}\n{text}\n{END}{after}")


def notebooks():
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="GUIDE", help="write the table between the markers in GUIDE")
    args = parser.parse_args()
    text = table(notebooks())
    print(text)
    if args.write:
        write_into(args.write, text)
        print(f"written into {args.write}")


if __name__ == "__main__":
    main()
