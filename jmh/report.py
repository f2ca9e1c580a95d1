#!/usr/bin/env python3
"""Turns JMH JSON results of the orderkit benchmarks into a Markdown table and an SVG bar chart,
and optionally the README "Benchmarks" section.

Usage: report.py [--json] [--readme README.md --command CMD] OUT_BASENAME RESULT.json [RESULT.json ...]

Writes OUT_BASENAME.md and OUT_BASENAME.svg (with --json also OUT_BASENAME.json, all results
merged into one JMH JSON list). With --readme, replaces the text between the markers
`<!-- bench:begin -->` and `<!-- bench:end -->` of that file with the command, the issue-11
targets (pass/miss), the table and a link to the chart. Standard library only.

Rows: one per backend, lines, skus, threads (and combine, when the run used several values).
Columns: orderkit reserve; the raw reservation (JDBC: the hand-written transaction,
`reserveRawTxn`; Redis: EVALSHA check-and-decrement, `reserveRawEvalsha`; in-memory: CAS,
`reserveRawCas`; older files: `reserveRaw`); the raw single-statement conditional UPDATE in
autocommit (JDBC only, `reserveRawUpdate`); orderkit/raw ratios against each; orderkit place()
and place/raw. `RedisBenchmark.placeOrderkitPgOrders` (Redis stock, PostgreSQL keys and orders)
gets its own row label. Raw results are shared by every combine value of their row.
Exit status 1 if no result was found, 2 on bad usage.
"""
import datetime
import html
import json
import math
import os
import platform
import sys

BACKENDS = {  # class simple name -> label, in display order
    "InMemoryBenchmark": "in-memory",
    "RedisBenchmark": "Redis",
    "H2Benchmark": "H2",
    "PostgresBenchmark": "PostgreSQL",
    "MariaDbBenchmark": "MariaDB",
}
MIXED = "Redis stock + PostgreSQL orders"
LABEL_ORDER = ["in-memory", "Redis", MIXED, "H2", "PostgreSQL", "MariaDB"]
COLUMN = {  # method -> column
    "reserveOrderkit": "ok",
    "reserveRawTxn": "txn",
    "reserveRawEvalsha": "txn",
    "reserveRawCas": "txn",
    "reserveRaw": "txn",
    "reserveRawUpdate": "stmt",
    "placeOrderkit": "place",
    "placeOrderkitPgOrders": "place",
}
RAW = {"txn", "stmt"}
SERIES = [  # column, label, colour
    ("ok", "orderkit reserve", "#2b6cb0"),
    ("txn", "raw reservation (txn / EVALSHA / CAS)", "#a0aec0"),
    ("stmt", "raw single UPDATE", "#718096"),
    ("place", "orderkit place()", "#dd6b20"),
]
# Issue 11 "Targets": (backend, lines, skus or None = both, threads, numerator, denominator or None
# = absolute, threshold, description, short description for the table's target column)
TARGETS = [
    ("PostgreSQL", "1", "hot", {64}, "ok", "stmt", 5.0,
     "reserve ≥ 5× the raw hot-row conditional UPDATE", "≥ 5× UPDATE"),
    ("PostgreSQL", "1", "spread", {16}, "ok", "txn", 1.0,
     "reserve ≥ 1.0× the hand-written reservation txn", "≥ 1.0× txn"),
    ("PostgreSQL", "1", None, {16}, "place", "txn", 0.5,
     "place() ≥ 0.5× the raw reservation txn", "place ≥ 0.5× txn"),
    ("Redis", "1", "hot", {64}, "ok", "txn", 3.0, "reserve ≥ 3× raw EVALSHA", "≥ 3× EVALSHA"),
    ("Redis", "1", "spread", {64}, "ok", "txn", 0.8, "reserve ≥ 0.8× raw EVALSHA", "≥ 0.8× EVALSHA"),
    ("in-memory", "1", None, {1, 2}, "ok", "txn", 0.5, "reserve ≥ 0.5× the raw CAS", "≥ 0.5× CAS"),
    ("in-memory", "1", None, {2}, "place", None, 200_000.0, "place() ≥ 200,000 orders/s", "place ≥ 200k/s"),
]


def load(paths):
    """Returns (results, cells): cells[(label, lines, skus, threads, combine or None)][column] = (score, err)."""
    results, cells = [], {}
    for p in paths:
        with open(p, encoding="utf-8") as f:
            data = json.load(f)
        results += data
        for r in data:
            cls, method = r["benchmark"].rsplit(".", 2)[-2:]
            col = COLUMN.get(method)
            if col is None:
                continue
            label = MIXED if method == "placeOrderkitPgOrders" else BACKENDS.get(cls, cls)
            params = r.get("params", {})
            combine = None if col in RAW else params.get("combine", "default")
            key = (label, params.get("lines", "?"), params.get("skus", "?"), r["threads"], combine)
            m = r["primaryMetric"]
            err = m.get("scoreError")
            if err is None or err == "NaN" or (isinstance(err, float) and math.isnan(err)):
                err = None
            cells.setdefault(key, {})[col] = (m["score"], err)
    return results, cells


def rows_of(cells):
    """Merges raw cells into the orderkit rows of the same backend/lines/skus/threads."""
    rows = {}
    for key, cols in cells.items():
        if key[4] is not None:
            rows.setdefault(key, {}).update(cols)
    for key, cols in cells.items():
        if key[4] is None:
            targets = [k for k in rows if k[:4] == key[:4]]
            if not targets:
                targets = [key]
                rows.setdefault(key, {})
            for k in targets:
                rows[k].update(cols)
    return rows


def order(key):
    label, lines, skus, threads, combine = key
    idx = LABEL_ORDER.index(label) if label in LABEL_ORDER else len(LABEL_ORDER)
    return (idx, label, int(lines) if str(lines).isdigit() else 0, skus != "hot", threads, combine or "")


def fmt(v):
    if v is None:
        return "—"
    score, err = v
    s = f"{score:,.0f}" if score >= 100 else f"{score:,.1f}"
    if err is not None:
        s += f" ± {err:,.0f}" if score >= 100 else f" ± {err:,.1f}"
    return s


def ratio(m, num, den):
    if num in m and den in m and m[den][0] > 0:
        return m[num][0] / m[den][0]
    return None


def fratio(r):
    return "—" if r is None else f"{r:.2f}"


def bounds(m, num, den):
    """The ratio's range when both scores move by their error (None: unknown)."""
    a, ea = m[num]
    if den is None:
        return (a - ea, a + ea) if ea is not None else None
    b, eb = m[den]
    if ea is None or eb is None:
        return None
    return (max(a - ea, 0.0) / (b + eb), math.inf if b - eb <= 0 else (a + ea) / (b - eb))


def evaluate(rows):
    """Every target that applies to a measured row: (key, description, measured text, result)."""
    out = []
    for key in sorted(rows, key=order):
        label, lines, skus, threads, _ = key
        m = rows[key]
        for t_label, t_lines, t_skus, t_threads, num, den, thr, text, short in TARGETS:
            if label != t_label or lines != t_lines or (t_skus and skus != t_skus) or threads not in t_threads:
                continue
            if num not in m or (den is not None and den not in m):
                out.append((key, text, short, "not measured", "—"))
                continue
            value = m[num][0] if den is None else ratio(m, num, den)
            measured = f"{value:,.0f}/s" if den is None else f"{value:.2f}×"
            result = "pass" if value >= thr else "miss"
            b = bounds(m, num, den)
            if b is not None and b[0] < thr <= b[1]:
                result += " (within error)"
            out.append((key, text, short, measured, result))
    return out


def describe(key, with_combine):
    label, lines, skus, threads, combine = key
    s = f"{label}, {lines} line{'s' if lines != '1' else ''}, {skus}, {threads} thread{'s' if threads != 1 else ''}"
    return s + (f", combine={combine}" if with_combine and combine else "")


def markdown(rows):
    combines = {k[4] for k in rows if k[4] is not None}
    with_combine = len(combines) > 1
    evaluated = evaluate(rows)
    by_row = {}
    for key, _, short, measured, result in evaluated:
        by_row.setdefault(key, []).append(f"**{result}** {short} ({measured})")
    out = []
    if evaluated:
        out += ["| case | issue 11 target | measured | result |", "|---|---|---:|---|"]
        for key, text, _, measured, result in evaluated:
            out.append(f"| {describe(key, with_combine)} | {text} | {measured} | **{result}** |")
        out.append("")
    head = "| backend | lines | skus | threads |" + (" combine |" if with_combine else "")
    head += (" orderkit reserve (ops/s) | raw reservation: txn / EVALSHA / CAS (ops/s) | raw single UPDATE (ops/s) "
             "| reserve / raw | reserve / raw UPDATE | orderkit place() (ops/s) | place / raw | target |")
    out += [head, "|---|---:|---|---:|" + ("---|" if with_combine else "") + "---:|---:|---:|---:|---:|---:|---:|---|"]
    for key in sorted(rows, key=order):
        label, lines, skus, threads, combine = key
        m = rows[key]
        out.append(
            f"| {label} | {lines} | {skus} | {threads} |" + (f" {combine or '—'} |" if with_combine else "")
            + f" {fmt(m.get('ok'))} | {fmt(m.get('txn'))} | {fmt(m.get('stmt'))} | {fratio(ratio(m, 'ok', 'txn'))} "
            f"| {fratio(ratio(m, 'ok', 'stmt'))} | {fmt(m.get('place'))} | {fratio(ratio(m, 'place', 'txn'))} "
            f"| {'; '.join(by_row.get(key, [])) or ''} |"
        )
    return "\n".join(out) + "\n"


def svg(rows, title):
    keys = sorted(rows, key=order)
    with_combine = len({k[4] for k in rows if k[4] is not None}) > 1
    bar_h, gap, group_gap = 11, 2, 14
    left, right, top = 340, 230, 80
    width = 1150
    plot_w = width - left - right
    values = [v[0] for m in rows.values() for v in m.values() if v[0] > 0]
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = 10 ** math.ceil(math.log10(max(values)))
    if hi <= lo:
        hi = lo * 10

    def x(v):
        return left + plot_w * (math.log10(max(v, lo)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    results = {}
    for key, _, _, _, result in evaluate(rows):
        results.setdefault(key, []).append(result.split(" ")[0])
    groups = []
    y = top
    for key in keys:
        present = [s for s in SERIES if s[0] in rows[key]]
        h = len(present) * (bar_h + gap)
        groups.append((key, present, y, h))
        y += h + group_gap
    height = y + 40
    e = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
         f'font-family="sans-serif" font-size="11">',
         f'<rect width="{width}" height="{height}" fill="white"/>',
         f'<text x="{width / 2}" y="20" text-anchor="middle" font-size="14" font-weight="bold">'
         f'{html.escape(title)}</text>']
    lx = 20
    for _, label, colour in SERIES:
        e.append(f'<rect x="{lx}" y="32" width="12" height="10" fill="{colour}"/>')
        e.append(f'<text x="{lx + 16}" y="41">{html.escape(label)}</text>')
        lx += 16 + 6.2 * len(label) + 18
    e.append('<text x="20" y="60" fill="#555">ops/s, log scale; bar labels: orderkit / raw in the same run; '
             '<tspan fill="#2f855a">✔</tspan> / <tspan fill="#c53030">✘</tspan> an issue-11 target of the row '
             'met / missed</text>')
    d = lo
    while d <= hi * 1.0001:
        xx = x(d)
        e.append(f'<line x1="{xx:.1f}" y1="{top - 6}" x2="{xx:.1f}" y2="{height - 35}" stroke="#ddd"/>')
        e.append(f'<text x="{xx:.1f}" y="{height - 20}" text-anchor="middle" fill="#555">{d:,.0f}</text>')
        d *= 10
    for key, present, gy, gh in groups:
        label = describe(key, with_combine).replace(", ", " · ").replace(MIXED, "Redis stock + PG orders")
        marks = "".join('<tspan fill="#2f855a">&#160;✔</tspan>' if r == "pass" else '<tspan fill="#c53030">&#160;✘</tspan>'
                        for r in results.get(key, []))
        e.append(f'<text x="{left - 8}" y="{gy + gh / 2 + 4:.1f}" text-anchor="end">{html.escape(label)}{marks}</text>')
        by = gy
        m = rows[key]
        for col, slabel, colour in present:
            score, _ = m[col]
            w = max(1.0, x(score) - left)
            e.append(f'<rect x="{left}" y="{by}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                     f'<title>{html.escape(slabel)}: {score:,.1f} ops/s</title></rect>')
            text = f"{score:,.0f}"
            notes = []
            if col == "ok":
                for den, name in (("txn", "raw"), ("stmt", "UPDATE")):
                    r = ratio(m, "ok", den)
                    if r is not None:
                        notes.append(f"{r:.2f}× {name}")
            if col == "place" and ratio(m, "place", "txn") is not None:
                notes.append(f"{ratio(m, 'place', 'txn'):.2f}× raw")
            if notes:
                text += "  (" + ", ".join(notes) + ")"
            e.append(f'<text x="{left + w + 4:.1f}" y="{by + bar_h - 2}" fill="#333">{html.escape(text)}</text>')
            by += bar_h + gap
    e.append("</svg>")
    return "\n".join(e) + "\n"


def readme_section(md, results, base, command):
    rel = os.path.relpath(base + ".svg", os.getcwd())
    first = results[0] if results else {}
    jdk = f"JDK {first.get('jdkVersion', '?')} ({first.get('vmName', '?')})"
    checked = sum(1 for r in results if r["benchmark"].rsplit(".", 1)[-1] in COLUMN)
    return (
        "<!-- bench:begin -->\n"
        "<!-- generated by jmh/report.py from one run of the command below; edit jmh/report.py, not this text -->\n"
        f"Produced by one run of (on {datetime.date.today().isoformat()}, {os.cpu_count()} cores, "
        f"{html.escape(jdk)}, {platform.system()} {platform.release()}; databases on the same host):\n\n"
        f"```bash\n{command}\n```\n\n"
        "orderkit and its raw baselines ran in the same run, minutes apart; read the ratios. `±` is JMH's 99.9 % "
        "confidence half-width; \"within error\" marks a target whose verdict the error could flip. "
        f"All {checked} trials ran their invariant check (no level above its on-hand, reserved units = successful "
        "operations × lines, one CONFIRMED order per successful `place()`, no idempotency key twice); a violation "
        "fails the run, so no table is written.\n\n"
        f"{md}\n"
        f"![orderkit vs raw baselines]({rel})\n\n"
        f"Chart: [{rel}]({rel}); every result of the run: `{os.path.relpath(base + '.json', os.getcwd())}`.\n"
        "<!-- bench:end -->"
    )


def main(argv):
    args = argv[1:]
    readme = command = None
    merge = False
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--json":
            merge = True
        elif opt == "--readme" and args:
            readme = args.pop(0)
        elif opt == "--command" and args:
            command = args.pop(0)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    if len(args) < 2 or (readme is not None and command is None):
        print(__doc__, file=sys.stderr)
        return 2
    base, paths = args[0], args[1:]
    results, cells = load(paths)
    rows = rows_of(cells)
    if not rows:
        print("no results in " + ", ".join(paths), file=sys.stderr)
        return 1
    md = markdown(rows)
    if merge:
        with open(base + ".json", "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    with open(base + ".md", "w", encoding="utf-8") as f:
        f.write(md)
    with open(base + ".svg", "w", encoding="utf-8") as f:
        f.write(svg(rows, "orderkit vs raw baselines (JMH throughput, higher is better)"))
    if readme is not None:
        with open(readme, encoding="utf-8") as f:
            text = f.read()
        begin, end = text.find("<!-- bench:begin -->"), text.find("<!-- bench:end -->")
        if begin < 0 or end < begin:
            print(f"{readme}: markers <!-- bench:begin --> / <!-- bench:end --> not found", file=sys.stderr)
            return 1
        text = text[:begin] + readme_section(md, results, base, command) + text[end + len("<!-- bench:end -->"):]
        with open(readme, "w", encoding="utf-8") as f:
            f.write(text)
    sys.stdout.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
