"""Time pacs.orthanc.orthanc_modalities for 1 vs 100 modalities against a native Orthanc (Debian packages).

Starts PostgreSQL + Orthanc with the PostgreSQL index (or Orthanc on SQLite with --index sqlite) on loopback,
runs the module as Ansible's module runner would (one Python process per run, arguments in a file), and
prints the median wall time and the HTTP requests counted at a proxy in front of Orthanc:

    .venv/bin/python benchmarks/orthanc_modalities_bench.py [--index postgresql|sqlite] [--runs 5] [--naive]

--naive also times the same 100 modalities as 100 orthanc_modality runs (a loop over one-entry tasks).
Figures only: nothing here passes or fails.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.orthanc_native.servers import (
    CountingProxy,
    OrthancServer,
    PostgresServer,
    run_module,
)


def entries(count, port=104):
    return [
        {"name": f"m{i:03d}", "aet": f"AE{i:03d}", "host": f"10.0.{i // 250}.{i % 250 + 1}", "port": port}
        for i in range(count)
    ]


def timed(name, args):
    started = time.perf_counter()
    result, _proc = run_module(name, args)
    elapsed = time.perf_counter() - started
    if result.get("failed"):
        raise SystemExit(f"{name} failed: {result['msg']}")
    return elapsed, result


def measure(orthanc, proxy, count, runs):
    conn = orthanc.connection(proxy.url)
    wanted = entries(count)
    rows = []

    create = []
    for _round in range(runs):
        orthanc.clear_modalities()
        proxy.reset()
        elapsed, _result = timed("orthanc_modalities", dict(conn, modalities=wanted))
        create.append(elapsed)
    rows.append((count, "create all", statistics.median(create), len(proxy.requests)))

    noop = []
    for _round in range(runs):
        proxy.reset()
        elapsed, result = timed("orthanc_modalities", dict(conn, modalities=wanted, purge=True))
        assert not result["changed"]
        noop.append(elapsed)
    rows.append((count, "no change", statistics.median(noop), len(proxy.requests)))

    changed = min(10, count)
    change = []
    for run in range(runs):
        altered = entries(count, port=11112 + run + 1)
        for item in altered[changed:]:
            item["port"] = 104
        proxy.reset()
        elapsed, _result = timed("orthanc_modalities", dict(conn, modalities=altered))
        change.append(elapsed)
    rows.append((count, f"change {changed}", statistics.median(change), len(proxy.requests)))
    return rows


def naive(orthanc, proxy, count):
    conn = orthanc.connection(proxy.url)
    rows = []
    for label in ("create all", "no change"):
        if label == "create all":
            orthanc.clear_modalities()
        proxy.reset()
        started = time.perf_counter()
        for item in entries(count):
            result, _proc = run_module("orthanc_modality", dict(conn, **item))
            if result.get("failed"):
                raise SystemExit(result["msg"])
        rows.append((count, f"{label}, {count} x orthanc_modality", time.perf_counter() - started, len(proxy.requests)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--naive", action="store_true")
    options = parser.parse_args()

    postgres = PostgresServer().start() if options.index == "postgresql" else None
    orthanc = OrthancServer("bench", postgres=postgres, modalities_in_database=True)
    proxy = None
    try:
        orthanc.start()
        proxy = CountingProxy(orthanc.http_port).start()
        rows = measure(orthanc, proxy, 1, options.runs) + measure(orthanc, proxy, 100, options.runs)
        if options.naive:
            rows += naive(orthanc, proxy, 100)
    finally:
        if proxy:
            proxy.stop()
        orthanc.cleanup()
        if postgres:
            postgres.stop()

    print(f"orthanc_modalities on Orthanc ({options.index} index), median of {options.runs} runs, one process per run")
    print(f"{'modalities':>10}  {'run':<38} {'seconds':>8}  {'HTTP requests':>13}")
    for count, label, seconds, requests in rows:
        print(f"{count:>10}  {label:<38} {seconds:>8.3f}  {requests:>13}")


if __name__ == "__main__":
    main()
