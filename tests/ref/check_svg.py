#!/usr/bin/env python3
"""Independent check of a chart written by rppgq (src/eval/plot_svg.c).

Parses the SVG with xml.etree (so it must be well-formed XML) and checks, per panel
(<g class="axes">): every data point, line vertex and bar lies inside the plot area, and the
tick labels are evenly spaced numbers (a linear axis). Options require minimum counts.
Exit status 0 when all holds; otherwise one line per problem on stderr."""
import argparse
import re
import sys
import xml.etree.ElementTree as ET

NS = "{http://www.w3.org/2000/svg}"
TOL = 0.6  # pixel coordinates are written with one decimal


def cls(e):
    return (e.get("class") or "").split()


def fail(msg):
    print(f"check_svg: {msg}", file=sys.stderr)
    return 1


def check_ticks(ax, anchor, coord, name):
    ticks = [t for t in ax.iter(NS + "text") if "tick" in cls(t) and t.get("text-anchor") == anchor]
    try:
        vals = [float(t.text) for t in ticks]
    except (TypeError, ValueError):
        return 0  # category names (bar charts) are not numbers
    pos = [float(t.get(coord)) for t in ticks]
    if len(vals) < 2:
        return fail(f"{name}: fewer than two {coord} ticks")
    dv = [b - a for a, b in zip(vals, vals[1:])]
    dp = [b - a for a, b in zip(pos, pos[1:])]
    if any(abs(d - dv[0]) > 1e-9 * max(1, abs(dv[0])) for d in dv):
        return fail(f"{name}: tick values not evenly spaced: {vals}")
    if any(abs(d - dp[0]) > 2 * TOL for d in dp):
        return fail(f"{name}: tick positions not evenly spaced: {pos}")
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("svg")
    ap.add_argument("--axes", type=int)
    ap.add_argument("--min-points", type=int, default=0)
    ap.add_argument("--min-lines", type=int, default=0)
    ap.add_argument("--min-bars", type=int, default=0)
    a = ap.parse_args()
    try:
        root = ET.parse(a.svg).getroot()
    except ET.ParseError as e:
        return fail(f"{a.svg}: not well-formed XML: {e}")
    if root.tag != NS + "svg":
        return fail(f"{a.svg}: root is {root.tag}, not svg")
    axes = [g for g in root.iter(NS + "g") if "axes" in cls(g)]
    bad = 0
    if a.axes is not None and len(axes) != a.axes:
        bad |= fail(f"{a.svg}: {len(axes)} panels, wanted {a.axes}")
    n_pts = n_lines = n_bars = 0
    for i, ax in enumerate(axes):
        name = f"{a.svg} panel {i}"
        area = [r for r in ax.iter(NS + "rect") if "plot-area" in cls(r)]
        if len(area) != 1:
            bad |= fail(f"{name}: {len(area)} plot areas")
            continue
        r = area[0]
        x0, y0 = float(r.get("x")), float(r.get("y"))
        x1, y1 = x0 + float(r.get("width")), y0 + float(r.get("height"))

        def inside(x, y, what):
            if not (x0 - TOL <= x <= x1 + TOL and y0 - TOL <= y <= y1 + TOL):
                return fail(f"{name}: {what} at ({x}, {y}) outside plot area ({x0},{y0})-({x1},{y1})")
            return 0

        data = [g for g in ax.iter(NS + "g") if "data" in cls(g)]
        if len(data) != 1:
            bad |= fail(f"{name}: {len(data)} data groups")
            continue
        for c in data[0].iter(NS + "circle"):
            bad |= inside(float(c.get("cx")), float(c.get("cy")), "point")
            n_pts += 1
        for pl in data[0].iter(NS + "polyline"):
            pts = re.findall(r"(-?[\d.]+),(-?[\d.]+)", pl.get("points"))
            if len(pts) < 2 and "line" in cls(pl):
                bad |= fail(f"{name}: line with {len(pts)} vertices")
            for x, y in pts:
                bad |= inside(float(x), float(y), "line vertex")
            if "line" in cls(pl):
                n_lines += 1
        for rc in data[0].iter(NS + "rect"):
            x, y, w, h = (float(rc.get(k)) for k in ("x", "y", "width", "height"))
            bad |= inside(x, y, "bar corner") | inside(x + w, y + h, "bar corner")
            n_bars += 1
        bad |= check_ticks(ax, "middle", "x", name)
        if not any("bars" in cls(g) for g in ax.iter(NS + "g")):
            bad |= check_ticks(ax, "end", "y", name)
    if n_pts < a.min_points:
        bad |= fail(f"{a.svg}: {n_pts} points, wanted at least {a.min_points}")
    if n_lines < a.min_lines:
        bad |= fail(f"{a.svg}: {n_lines} lines, wanted at least {a.min_lines}")
    if n_bars < a.min_bars:
        bad |= fail(f"{a.svg}: {n_bars} bars, wanted at least {a.min_bars}")
    return bad


if __name__ == "__main__":
    sys.exit(main())
