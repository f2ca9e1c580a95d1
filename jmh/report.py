#!/usr/bin/env python3
"""Turns JMH JSON results of the orderkit benchmarks into a Markdown table and an SVG bar chart.

Usage: report.py OUT_BASENAME RESULT.json [RESULT.json ...]
Writes OUT_BASENAME.md and OUT_BASENAME.svg. Standard library only.

Pairs: within one benchmark class, the same @Param values and the same thread count,
`reserveOrderkit` is divided by `reserveRaw` (orderkit/raw ratio); `placeOrderkit` is shown
next to them (no raw baseline). Exit status 1 if no result was found.
"""
import html
import json
import math
import sys

BACKENDS = {  # class simple name -> label, in display order
    "InMemoryBenchmark": "in-memory",
    "RedisBenchmark": "Redis",
    "H2Benchmark": "H2",
    "PostgresBenchmark": "PostgreSQL",
    "MariaDbBenchmark": "MariaDB",
}
SERIES = [  # method, label, colour
    ("reserveOrderkit", "orderkit reserve", "#2b6cb0"),
    ("reserveRaw", "raw baseline", "#a0aec0"),
    ("placeOrderkit", "orderkit place", "#dd6b20"),
]


def load(paths):
    rows = {}
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for r in json.load(f):
                cls, method = r["benchmark"].rsplit(".", 2)[-2:]
                params = r.get("params", {})
                key = (cls, params.get("lines", "?"), params.get("skus", "?"), r["threads"])
                m = r["primaryMetric"]
                err = m.get("scoreError")
                if err is None or (isinstance(err, float) and math.isnan(err)) or err == "NaN":
                    err = None
                rows.setdefault(key, {})[method] = (m["score"], err, m["scoreUnit"])
    return rows


def order(key):
    cls, lines, skus, threads = key
    idx = list(BACKENDS).index(cls) if cls in BACKENDS else len(BACKENDS)
    return (idx, cls, int(lines) if lines.isdigit() else 0, skus != "spread", threads)


def fmt(v):
    if v is None:
        return "—"
    score, err, _ = v
    s = f"{score:,.0f}" if score >= 100 else f"{score:,.1f}"
    if err is not None:
        s += f" ± {err:,.0f}" if score >= 100 else f" ± {err:,.1f}"
    return s


def ratio(m):
    if "reserveOrderkit" in m and "reserveRaw" in m and m["reserveRaw"][0] > 0:
        return m["reserveOrderkit"][0] / m["reserveRaw"][0]
    return None


def markdown(rows):
    out = [
        "| backend | lines | skus | threads | orderkit reserve (ops/s) | raw baseline (ops/s) "
        "| orderkit/raw | orderkit place (ops/s) |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for key in sorted(rows, key=order):
        cls, lines, skus, threads = key
        m = rows[key]
        r = ratio(m)
        out.append(
            f"| {BACKENDS.get(cls, cls)} | {lines} | {skus} | {threads} | {fmt(m.get('reserveOrderkit'))} "
            f"| {fmt(m.get('reserveRaw'))} | {'—' if r is None else f'{r:.2f}'} | {fmt(m.get('placeOrderkit'))} |"
        )
    return "\n".join(out) + "\n"


def svg(rows, title):
    keys = sorted(rows, key=order)
    bar_h, gap, group_gap = 11, 2, 14
    left, right, top = 250, 150, 60
    width = 1000
    plot_w = width - left - right
    values = [v[0] for m in rows.values() for v in m.values() if v[0] > 0]
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = 10 ** math.ceil(math.log10(max(values)))
    if hi <= lo:
        hi = lo * 10

    def x(v):
        return left + plot_w * (math.log10(max(v, lo)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

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
    lx = left
    for _, label, colour in SERIES:
        e.append(f'<rect x="{lx}" y="32" width="12" height="10" fill="{colour}"/>')
        e.append(f'<text x="{lx + 16}" y="41">{label}</text>')
        lx += 140
    e.append(f'<text x="{lx}" y="41" fill="#555">ops/s, log scale; label: orderkit/raw</text>')
    d = lo
    while d <= hi * 1.0001:
        xx = x(d)
        e.append(f'<line x1="{xx:.1f}" y1="{top - 6}" x2="{xx:.1f}" y2="{height - 35}" stroke="#ddd"/>')
        e.append(f'<text x="{xx:.1f}" y="{height - 20}" text-anchor="middle" fill="#555">{d:,.0f}</text>')
        d *= 10
    for key, present, gy, gh in groups:
        cls, lines, skus, threads = key
        label = f"{BACKENDS.get(cls, cls)} · {lines} line{'s' if lines != '1' else ''} · {skus} · {threads} thr"
        e.append(f'<text x="{left - 8}" y="{gy + gh / 2 + 4:.1f}" text-anchor="end">{html.escape(label)}</text>')
        by = gy
        for method, slabel, colour in present:
            score, err, _ = rows[key][method]
            w = max(1.0, x(score) - left)
            e.append(f'<rect x="{left}" y="{by}" width="{w:.1f}" height="{bar_h}" fill="{colour}">'
                     f'<title>{html.escape(slabel)}: {score:,.1f} ops/s</title></rect>')
            text = f"{score:,.0f}"
            if method == "reserveOrderkit" and ratio(rows[key]) is not None:
                text += f"  ({ratio(rows[key]):.2f}×)"
            e.append(f'<text x="{left + w + 4:.1f}" y="{by + bar_h - 2}" fill="#333">{text}</text>')
            by += bar_h + gap
    e.append("</svg>")
    return "\n".join(e) + "\n"


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    base, paths = argv[1], argv[2:]
    rows = load(paths)
    if not rows:
        print("no results in " + ", ".join(paths), file=sys.stderr)
        return 1
    md = markdown(rows)
    with open(base + ".md", "w", encoding="utf-8") as f:
        f.write(md)
    with open(base + ".svg", "w", encoding="utf-8") as f:
        f.write(svg(rows, "orderkit vs raw baselines (JMH throughput, higher is better)"))
    sys.stdout.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
