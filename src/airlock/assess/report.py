"""Human reports of an assessment: Markdown for the terminal, self-contained HTML with SVG.

The HTML loads nothing: styles are inline and the bars are inline SVG, so it renders the
same offline, in a mail attachment or behind the enclave's boundary.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from html import escape

from airlock.assess.controls import FAMILIES
from airlock.assess.evidence import Status
from airlock.assess.gather import Assessment, Movement, status_counts

WIDTH = 100  # columns of the Markdown report, so it reads in a terminal

_MARK = {Status.SATISFIED: "#", Status.NOT_SATISFIED: "x", Status.NOT_ASSESSED: "."}
_COLOUR = {
    Status.SATISFIED: "#2e7d32",
    Status.NOT_SATISFIED: "#c62828",
    Status.NOT_ASSESSED: "#9e9e9e",
}
_WORD = {
    Status.SATISFIED: "satisfied",
    Status.NOT_SATISFIED: "NOT satisfied",
    Status.NOT_ASSESSED: "not assessed",
}


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=WIDTH, subsequent_indent="   ", break_on_hyphens=False)


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f} s"


def _friction_rows(a: Assessment) -> list[tuple[str, str]]:
    f = a.friction
    return [
        ("requests (last 7 days)", str(f.requests)),
        ("auto-release rate", f"{f.auto_release_rate:.1%}"),
        ("median wait for a decision", _seconds(f.median_seconds_to_decision)),
        ("false holds (held, then approved)", str(a.false_holds)),
        ("locks", str(f.locks)),
    ]


def headline(a: Assessment) -> str:
    target = f"SL{a.target}"
    return f"Level reached: SL{a.level} (assessed up to {target}; SL0 means not even SL1)"


def markdown(
    a: Assessment, moved: tuple[int, Sequence[Movement]] | None = None, width: int = 20
) -> str:
    """A report that reads well as plain text in a terminal."""
    out = [
        f"# SL assessment of {a.enclave}",
        "",
        f"{a.started.isoformat(timespec='seconds')}  ",
        headline(a),
        "",
    ]
    out += ["## Families", "", "`#` satisfied, `x` not satisfied, `.` not assessed", "", "```"]
    for fam in FAMILIES:
        counts = status_counts(a.findings, fam.id, a.target)
        total = sum(counts.values())
        if not total:
            continue
        bar = "".join(_MARK[s] * round(width * n / total) for s, n in counts.items())
        figures = f"{counts[Status.SATISFIED]}/{total}"
        out.append(f"{fam.title:<28} {bar:<{width}} {figures}")
    out += ["```", "", "## Gaps, by how far fixing each alone would raise the level", ""]
    if not a.gaps:
        out.append(f"None up to SL{a.target}.")
    for n, g in enumerate(a.gaps, 1):
        f = g.finding
        raise_to = f" -> SL{g.level_if_fixed}" if g.level_if_fixed > a.level else ""
        out.append(
            _wrap(
                f"{n}. **{f.control.id}** (SL{f.control.level}, {', '.join(f.control.nist)})"
                f"{raise_to}: {f.control.title}. {_WORD[f.status]}: {f.reason}"
            )
        )
    out += ["", "## Every measure", ""]
    for f in a.findings:
        if f.control.level <= a.target:
            out.append(
                _wrap(f"- [{_MARK[f.status]}] SL{f.control.level} {f.control.id}: {f.reason}")
            )
    out += ["", "## What security costs research", ""]
    out += [f"- {k}: {v}" for k, v in _friction_rows(a)]
    if moved is not None:
        out += [
            "",
            "## Since the earlier assessment",
            "",
            f"Level then: SL{moved[0]}, now: SL{a.level}",
            "",
        ]
        out += [f"- {m.control}: {m.before} -> {m.after}" for m in moved[1]] or ["- nothing moved"]
    return "\n".join(out) + "\n"


def _bar_svg(counts: dict[Status, int], width: int = 360, height: int = 18) -> str:
    total = sum(counts.values()) or 1
    x, parts = 0.0, []
    for status, n in counts.items():
        w = width * n / total
        if w:
            parts.append(
                f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="{height}" '
                f'fill="{_COLOUR[status]}">'
                f"<title>{n} {_WORD[status]}</title></rect>"
            )
        x += w
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="{counts[Status.SATISFIED]} of {total} satisfied">'
        f"{''.join(parts)}</svg>"
    )


_CSS = """
body{font:15px/1.45 system-ui,sans-serif;max-width:1100px;margin:1.5rem auto;padding:0 1rem;
color:#111}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:1.6rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .5rem;
text-align:left;vertical-align:top}.satisfied{color:#2e7d32}.not-satisfied{color:#c62828}
.not-assessed{color:#616161}#level{font-size:1.3rem;font-weight:600}
"""


def html(a: Assessment, moved: tuple[int, Sequence[Movement]] | None = None) -> str:
    """A self-contained page: no scripts, no external styles, fonts or images."""
    e = escape
    rows = []
    for fam in FAMILIES:
        counts = status_counts(a.findings, fam.id, a.target)
        total = sum(counts.values())
        if total:
            rows.append(
                f"<tr><th>{e(fam.title)}</th><td>{_bar_svg(counts)}</td>"
                f"<td>{counts[Status.SATISFIED]} / {total}</td></tr>"
            )
    gaps = "".join(
        f"<li><strong>{e(g.finding.control.id)}</strong> (SL{g.finding.control.level}, "
        f"{e(', '.join(g.finding.control.nist))})"
        f"{f' → SL{g.level_if_fixed}' if g.level_if_fixed > a.level else ''}: "
        f'{e(g.finding.control.title)}. <span class="{g.finding.status.value}">'
        f"{_WORD[g.finding.status]}</span>: {e(g.finding.reason)}</li>"
        for g in a.gaps
    )
    measures = "".join(
        f"<tr><td>{e(f.control.id)}</td><td>SL{f.control.level}</td>"
        f'<td class="{f.status.value}">{_WORD[f.status]}</td><td>{e(f.reason)}</td></tr>'
        for f in a.findings
        if f.control.level <= a.target
    )
    friction = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in _friction_rows(a))
    since = ""
    if moved is not None:
        items = (
            "".join(f"<li>{e(m.control)}: {e(m.before)} → {e(m.after)}</li>" for m in moved[1])
            or "<li>nothing moved</li>"
        )
        since = f"<h2>Since the earlier assessment (then SL{moved[0]})</h2><ul>{items}</ul>"
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>airlock · SL assessment</title><style>{_CSS}</style></head>
<body><h1>SL assessment of {e(a.enclave)}</h1>
<p>{e(a.started.isoformat(timespec="seconds"))}</p>
<p id="level">{e(headline(a))}</p>
<h2>Families</h2><table id="families">{"".join(rows)}</table>
<h2>Gaps, by how far fixing each alone would raise the level</h2>
<ol id="gaps">{gaps or f"<li>None up to SL{a.target}.</li>"}</ol>
<h2>Every measure</h2><table id="measures"><tr><th>measure</th><th>level</th><th>status</th>
<th>why</th></tr>{measures}</table>
<h2>What security costs research</h2><table id="friction">{friction}</table>
{since}
</body></html>
"""
