"""Reads a bench's JSON lines and keeps, per mode, the fastest of its runs (runs on a shared VM move by 10-20 %)."""
import json


def fastest_per_mode(path, seconds_key):
    best = {}
    for line in open(path):
        if not line.startswith("{"):
            continue
        r = json.loads(line)
        if r["mode"] not in best or r[seconds_key] < best[r["mode"]][seconds_key]:
            best[r["mode"]] = r
    return best
