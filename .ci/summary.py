#!/usr/bin/env python3
"""Prints one Surefire/Failsafe summary over every module: 'N passed, N failed, N skipped'."""
import glob
import sys
import xml.etree.ElementTree as ET

tests = failures = errors = skipped = 0
per_module = {}
for path in sorted(glob.glob("**/target/*-reports/TEST-*.xml", recursive=True)):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError:
        continue
    t = int(root.get("tests", 0)); f = int(root.get("failures", 0))
    e = int(root.get("errors", 0)); s = int(root.get("skipped", 0))
    tests += t; failures += f; errors += e; skipped += s
    module = path.split("/target/")[0]
    m = per_module.setdefault(module, [0, 0, 0, 0.0])
    m[0] += t; m[1] += f + e; m[2] += s; m[3] += float(root.get("time", 0) or 0)
for module, (t, bad, s, secs) in per_module.items():
    print(f"  {module:28s} tests={t:4d} failed={bad:3d} skipped={s:3d} time={secs:7.1f}s")
passed = tests - failures - errors - skipped
print(f"{passed} passed, {failures + errors} failed, {skipped} skipped")
sys.exit(1 if failures + errors else 0)
