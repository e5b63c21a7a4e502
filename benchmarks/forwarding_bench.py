"""Forwarding rate through a gateway against a direct C-STORE to the server, side by side in one run.

On a converged lab (`make demo`), sends fresh CT instances from this machine with dcmtk's storescu as the
lab's registered sender (LABSCU) to a classic lab host:
  direct       sender -> server (port 4242): done when every storescu has its answers (the server stored them)
  via gateway  sender -> gateway (4243) -> server: done when the last instance is on the server
with 1 and 4 parallel associations, and prints instances per second and the ratio gateway/direct:

    .venv/bin/python benchmarks/forwarding_bench.py [--host pacs-lab-1] [--count 200] [--rounds 1]

Figures only: nothing here passes or fails.
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from base64 import b64encode
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pydicom import dcmread

from tests.dicom import SENDER_AET, fresh_instances


def sh(*argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout.strip()


class Server:
    """The host's server REST API, published on the lab host's address (inventories/lab)."""

    def __init__(self, host):
        self.address = sh("docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", host)
        password = sh("docker", "exec", host, "cat", "/opt/orthanc/secrets/admin-password")
        self.auth = "Basic " + b64encode(f"admin:{password}".encode()).decode()

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"http://{self.address}:8042{path}", data=data, method=method)
        request.add_header("Authorization", self.auth)
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - an http:// URL built here
            return json.loads(answer.read())

    def count(self, study):
        query = {"Level": "Instance", "Query": {"StudyInstanceUID": study}}
        return len(self.call("POST", "/tools/find", query))


def storescu(files, address, port, aet, associations):
    shares = [files[i::associations] for i in range(associations)]
    procs = [
        subprocess.Popen(["storescu", "-aet", SENDER_AET, "-aec", aet, address, str(port), *map(str, share)])
        for share in shares
    ]
    if any(proc.wait() != 0 for proc in procs):
        raise SystemExit(f"storescu to {aet} at {address}:{port} failed")


def one_run(server, files, study, port, aet, associations):
    started = time.perf_counter()
    storescu(files, server.address, port, aet, associations)
    while server.count(study) < len(files):
        if time.perf_counter() - started > 900:
            raise SystemExit(f"{len(files)} instances did not reach the server within 900 s")
        time.sleep(0.1)
    return len(files) / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="pacs-lab-1", help="a classic lab host (server + gateway)")
    parser.add_argument("--count", type=int, default=200, help="instances per run")
    parser.add_argument("--rounds", type=int, default=1, help="runs per cell (the median is printed)")
    args = parser.parse_args()

    server = Server(args.host)
    aet = args.host.upper().replace("-", "_")
    version = server.call("GET", "/system")["Version"]
    print(f"host {args.host}, Orthanc {version}, {args.count} CT instances of 39 KB per run, median of {args.rounds}")
    print(f"{'associations':<14}{'direct inst/s':>15}{'via gateway inst/s':>20}{'ratio':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for associations in (1, 4):
            rates = {"direct": [], "gateway": []}
            for round_ in range(args.rounds):
                # Alternate the order so neither route always runs on a warmer machine.
                routes = [("direct", 4242, aet), ("gateway", 4243, "GW_" + aet)]
                for name, port, called in routes if round_ % 2 == 0 else routes[::-1]:
                    batch = fresh_instances(Path(tmp) / f"{associations}-{round_}-{name}", args.count)
                    files = list(batch.values())
                    study = dcmread(files[0], stop_before_pixels=True).StudyInstanceUID
                    rates[name].append(one_run(server, files, study, port, called, associations))
            direct, gateway = statistics.median(rates["direct"]), statistics.median(rates["gateway"])
            print(f"{associations:<14}{direct:>15.1f}{gateway:>20.1f}{gateway / direct:>8.2f}")


if __name__ == "__main__":
    main()
