"""The eval report as one self-contained HTML page: the metrics with their change against a
baseline or another report, a case table filterable by text and outcome, and for each case its
question, expectations, failures, answer and trace.

Inline CSS and a few lines of inline JavaScript, nothing fetched: the file opens from a disk
or a CI artefact with no network. Every piece of text (answers quote documents; questions may
hold markup) is escaped. Built from report dicts as `EvalReport.to_dict()` writes them, so an
old JSON report renders too.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

from evals.baseline import BaselineDiff, diff
from evals.explain import format_trace
from evals.metrics import LATENCY_METRICS

_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1d2430;background:#fbfbfd}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.4rem 0 .4rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid #dde1e8;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#eef1f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pass{color:#17703a;font-weight:600}.fail{color:#b3261e;font-weight:600}
.up{color:#17703a}.down{color:#b3261e}
pre{white-space:pre-wrap;word-break:break-word;background:#f4f6f9;padding:.5rem;margin:.3rem 0}
#controls{display:flex;gap:.6rem;align-items:center;margin:.5rem 0}
#filter{flex:1;padding:.35rem}details summary{cursor:pointer}.muted{color:#5f6b7a}
"""

_JS = """
(function(){
  var text=document.getElementById('filter'), status=document.getElementById('status');
  var count=document.getElementById('shown');
  function apply(){
    var q=text.value.trim().toLowerCase(), s=status.value, n=0;
    document.querySelectorAll('tr.case').forEach(function(row){
      var ok=(!q||row.dataset.search.indexOf(q)>=0)&&(s==='all'||row.dataset.status===s);
      row.hidden=!ok; document.getElementById('detail-'+row.dataset.index).hidden=!ok; if(ok){n++;}
    });
    count.textContent=n;
  }
  text.addEventListener('input',apply); status.addEventListener('change',apply); apply();
})();
"""


def render_html(
    report: Mapping[str, Any],
    *,
    compare: Mapping[str, Any] | None = None,
    compare_label: str = "baseline",
    violations: Sequence[str] = (),
    title: str = "Eval report",
) -> str:
    cases = list(report.get("cases") or [])
    failed = [c for c in cases if not c.get("passed")]
    changes = diff(dict(report), dict(compare)) if compare is not None else None
    verdict = '<span class="fail">FAIL</span>' if violations or failed else '<span class="pass">PASS</span>'
    parts = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; script-src \'unsafe-inline\'">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
        f'<p id="summary">{len(cases) - len(failed)} of {len(cases)} cases passed · {len(failed)} failed · {verdict}</p>',
    ]
    if failed:
        parts.append("<p>Failed: " + ", ".join(f"<code>{_e(c.get('id'))}</code>" for c in failed) + "</p>")
    if violations:
        parts.append("<ul>" + "".join(f'<li class="fail">{_e(v)}</li>' for v in violations) + "</ul>")
    parts += _metrics(report.get("metrics") or {}, changes, compare_label)
    if changes is not None:
        parts += _changes(changes, compare_label)
    parts += _cases(cases, changes)
    config = report.get("config") or {}
    if config:
        parts.append(f'<p class="muted">config: {_e(", ".join(f"{k}={v}" for k, v in config.items()))}</p>')
    parts.append(f"<script>{_JS}</script></body></html>")
    return "\n".join(parts) + "\n"


def _metrics(metrics: Mapping[str, Any], changes: BaselineDiff | None, label: str) -> list[str]:
    head = "<tr><th>metric</th><th>value</th>" + (f"<th>{_e(label)}</th><th>change</th>" if changes else "") + "</tr>"
    rows = []
    for name, value in metrics.items():
        cells = f"<td>{_e(name)}</td><td class=num>{_value(name, value)}</td>"
        if changes is not None:
            before, _, delta = changes.metric_deltas.get(name, (None, None, None))
            cells += f"<td class=num>{_value(name, before)}</td><td class=num>{_delta(name, delta)}</td>"
        rows.append(f"<tr>{cells}</tr>")
    return ["<h2>Metrics</h2>", f'<table id="metrics">{head}{"".join(rows)}</table>']


def _changes(changes: BaselineDiff, label: str) -> list[str]:
    groups = (("regressed", changes.regressed), ("fixed", changes.fixed), ("new", changes.new), ("removed", changes.removed))
    items = "".join(f"<li>{name} ({len(ids)}): {_e(', '.join(ids)) or 'none'}</li>" for name, ids in groups)
    return [f"<h2>Against the {_e(label)}</h2>", f'<ul id="changes">{items}</ul>']


def _cases(cases: list[Mapping[str, Any]], changes: BaselineDiff | None) -> list[str]:
    regressed = set(changes.regressed) if changes else set()
    rows = []
    for i, case in enumerate(cases):
        status = "passed" if case.get("passed") else "failed"
        search = " ".join(str(x) for x in (case.get("id"), case.get("question"), *(case.get("tags") or []),
                                           *(case.get("failures") or []))).lower()
        mark = " (regressed)" if case.get("id") in regressed else ""
        rows.append(
            f'<tr class="case" id="case-{i}" data-index="{i}" data-status="{status}" data-search="{_e(search)}">'
            f"<td><code>{_e(case.get('id'))}</code></td>"
            f'<td class="{status[:4]}">{status}{mark}</td><td>{_e(case.get("question") or "")}</td>'
            f"<td>{_e(', '.join(case.get('tags') or []))}</td><td>{_e(' | '.join(case.get('failures') or []))}</td></tr>"
            f'<tr class="detail" id="detail-{i}"><td colspan="5">{_detail(case)}</td></tr>'
        )
    controls = (
        '<div id="controls"><input id="filter" type="search" placeholder="Filter by id, question, tag or failure">'
        '<select id="status"><option value="all">all cases</option><option value="failed">failed</option>'
        '<option value="passed">passed</option></select><span><span id="shown">0</span> shown</span></div>'
    )
    head = "<tr><th>case</th><th>outcome</th><th>question</th><th>tags</th><th>failures</th></tr>"
    return ["<h2>Cases</h2>", controls, f'<table id="cases">{head}{"".join(rows)}</table>']


def _detail(case: Mapping[str, Any]) -> str:
    answer = case.get("answer") if isinstance(case.get("answer"), Mapping) else None
    trace = case.get("trace", answer.get("trace") if answer else None)
    history = case.get("history") or []
    expected = case.get("expected") or {}
    text = (answer or {}).get("answer") or "(no answer: the assistant raised an error)"
    sources = ", ".join(f"[{c.get('n')}] {c.get('doc_id')}" for c in (answer or {}).get("citations") or [] if isinstance(c, Mapping))
    body = [
        f"<p><b>Earlier questions:</b> {_e(' / '.join(history))}</p>" if history else "",
        f"<p><b>Expected:</b></p><pre class=\"expected\">{_e(json.dumps(expected, ensure_ascii=False, indent=1))}</pre>",
        f"<p><b>Answer</b> ({_e(sources) or 'nothing cited'}):</p><pre class=\"answer\">{_e(text)}</pre>",
        f"<p><b>Trace:</b></p><pre class=\"trace\">{_e(format_trace(trace))}</pre>",
    ]
    return f"<details><summary>Answer, expectations and trace</summary>{''.join(body)}</details>"


def _value(name: str, value: Any) -> str:
    if not isinstance(value, int | float) or isinstance(value, bool):
        return "n/a"
    return f"{value:.0f}" if name in LATENCY_METRICS else f"{value:.3f}"


def _delta(name: str, delta: float | None) -> str:
    if delta is None:
        return "n/a"
    if abs(delta) < 1e-12:
        return "="
    # a latency going up is worse; a rate going up is better
    better = delta < 0 if name in LATENCY_METRICS else delta > 0
    return f'<span class="{"up" if better else "down"}">{"+" if delta > 0 else ""}{_value(name, delta)}</span>'


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)
