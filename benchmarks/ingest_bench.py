"""Ingest into a deployed Orthanc server, measured in one run: where the time per instance goes.

On a converged lab host (`make demo`, or LAB_PREFIX=... lab), sends fresh CT instances (pydicom's CT_small.dcm,
39 kB, new UIDs every time) as the lab's registered sender (LABSCU) and prints:
  1. instances/s into the deployed server (a) through the published DICOM port from this machine, (b) from
     inside the host to the container's address, (c) with 4 parallel associations from this machine, (d)-(f) as
     (a) with TCP_NODELAY and/or TCP_QUICKACK on the sender's socket (see TCP_NOTE); with the CPU time each party
     spent per instance (Orthanc, PostgreSQL, the sender), read from the containers' cgroups;
  2. per tuning setting, the single-association rate (as in b) of a scratch server: the deployed image and
     configuration with that one setting changed, a fresh database each time, best of --rounds;
  3. /tools/find latency by PatientID at growing index sizes, PostgreSQL against SQLite (scratch servers).
"CPU wait" is the share of the wall time during which some task of the machine waited for a CPU (Linux PSI):
high values mean the figures measure a busy machine. The scratch containers (ingest-bench-*) run on the host
next to the deployed stack and are removed at the end, with the instances sent to the deployed server.
Figures only: nothing here passes or fails.

    .venv/bin/python benchmarks/ingest_bench.py [--host pacs-lab-1] [--count 200] [--find-sizes 1000,10000,50000]
        [--skip deployed,settings,find] [--settings baseline,sync-storage-off,...] [--rounds 3]
        [--find-backends postgresql,sqlite]
"""

import argparse
import copy
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pydicom
import pynetdicom

HERE = Path(__file__).resolve().parent
SENDER = HERE / "ingest_sender.py"
WORK = "/tmp/ingest-bench"  # noqa: S108 - inside the lab host, removed at the end
SENDER_AET = "LABSCU"
# Host checking is on: a sender inside the host reaches the server from the DICOM network's gateway address, so
# it gets a registration of its own for the run (removed at the end).
HOST_SENDER_AET, HOST_SENDER_MODALITY = "IBSCU", "ingest-bench-host"
NET, PG, SCRATCH = "ingest-bench", "ingest-bench-pg", "ingest-bench-orthanc"
BENCH_USER, BENCH_PASSWORD = "bench", "bench-password-0123"
# Rows (d)-(f) of section 1: the sender from (a) with TCP options on its socket (ingest_sender.py, "tcp").
TCP_ROWS = {"d": ("nodelay", "sender TCP_NODELAY"), "e": ("quickack", "sender TCP_QUICKACK"),
            "f": ("nodelay+quickack", "sender TCP_NODELAY + TCP_QUICKACK")}  # fmt: skip
TCP_NOTE = """\
  (d)-(f), two waits seen in tcpdump. (1) Orthanc (DCMTK) with Nagle on writes each C-STORE response as 12 bytes,
  then the rest once the sender has ACKed those; a sender that delays that ACK (Linux: about 40 ms; pynetdicom and
  DCMTK storescu alike) waits that long per instance. The role sets TCP_NODELAY=1 in Orthanc's environment (DCMTK
  reads it; orthanc_dicom_tcp_no_delay, settings row dicom-nagle-on), which removes it for every sender, as
  TCP_QUICKACK on the sender would. (2) With Nagle on in the sender, about one request in ten stalls some 90 ms
  halfway, though the sender has written it all: only TCP_NODELAY on the sender removes it."""

# name: (what it changes, the role variable, Orthanc settings, PostgreSQL database settings, extra)
SETTINGS = {
    "baseline": ("the deployed configuration", "-", {}, {}, {}),
    "index-connections-1": ("IndexConnectionsCount 1", "orthanc_index_connections_count",
                            {"PostgreSQL": {"IndexConnectionsCount": 1}}, {}, {}),
    "compression-on": ("StorageCompression true", "orthanc_storage_compression", {"StorageCompression": True}, {}, {}),
    "sync-storage-off": ("SyncStorageArea false", "orthanc_config_extra", {"SyncStorageArea": False}, {}, {}),
    "md5-off": ("StoreMD5ForAttachments false", "orthanc_config_extra", {"StoreMD5ForAttachments": False}, {}, {}),
    "access-on-find-always": ("StorageAccessOnFind Always", "orthanc_storage_access_on_find",
                              {"StorageAccessOnFind": "Always"}, {}, {}),
    "transaction-read-committed": ("PostgreSQL TransactionMode ReadCommitted", "orthanc_config_extra",
                                   {"PostgreSQL": {"TransactionMode": "ReadCommitted"}}, {},
                                   {"needs": "TransactionMode"}),
    "verbose-logging": ("--verbose logging", "-", {}, {}, {"verbose": True}),
    "pg-synchronous-commit-off": ("synchronous_commit off (PostgreSQL server)", "-", {},
                                  {"synchronous_commit": "off"}, {}),
    "sqlite-index": ("SQLite index instead of PostgreSQL", "-", {"PostgreSQL": None}, {}, {}),
    "no-fsync-at-all": ("SyncStorageArea false + synchronous_commit off", "-", {"SyncStorageArea": False},
                        {"synchronous_commit": "off"}, {}),
    # The deployed container's environment is the scratch server's (TCP_NODELAY=1 by default): this row drops it.
    "dicom-nagle-on": ("TCP_NODELAY unset (DCMTK's default: Nagle on)", "orthanc_dicom_tcp_no_delay", {}, {},
                       {"env_drop": ["TCP_NODELAY"]}),
}  # fmt: skip

FIND = r"""
import base64, json, random, sys, time, urllib.request
address, user, password, prefix, patients, rounds = json.loads(sys.argv[1])
auth = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
def find(level, pid):
    body = json.dumps({"Level": level, "Query": {"PatientID": pid}}).encode()
    request = urllib.request.Request("http://%s:8042/tools/find" % address, data=body, method="POST")
    request.add_header("Authorization", auth)
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as answer:
        found = json.loads(answer.read())
    return (time.perf_counter() - start) * 1000, len(found)
out = {}
for level in ("Study", "Instance"):
    times = []
    for _ in range(rounds):
        ms, n = find(level, "%s-%06d" % (prefix, random.randrange(patients)))
        assert n > 0, (level, n)
        times.append(ms)
    out[level] = sorted(times)[len(times) // 2]
print(json.dumps(out))
"""

WAIT = r"""
import base64, json, sys, time, urllib.request
address, user, password = json.loads(sys.argv[1])
request = urllib.request.Request("http://%s:8042/system" % address)
request.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode())
for _ in range(240):
    try:
        print(json.loads(urllib.request.urlopen(request, timeout=5).read())["Version"])
        sys.exit(0)
    except Exception:
        time.sleep(0.5)
sys.exit(1)
"""


def sh(*argv, stdin=None, check=True):
    proc = subprocess.run(argv, input=stdin, capture_output=True, text=True, check=False)
    if check and proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    return proc.stdout.strip()


class Host:
    """A lab host (a container on this machine's engine) with its nested engine."""

    def __init__(self, name):
        self.name = name
        self.address = sh("docker", "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", name)

    def run(self, *argv, stdin=None, check=True):
        return sh("docker", "exec", "-i", self.name, *argv, stdin=stdin, check=check)

    def docker(self, *argv, check=True):
        return self.run("docker", *argv, check=check)

    def python(self, script, *args):
        return self.run("env", f"PYTHONPATH={WORK}/lib", "python3", "-", *args, stdin=script)

    def cpu_ms(self, container):
        """CPU time the container has used so far (cgroup v2 cpu.stat, or v1 cpuacct.usage in ns)."""
        read = "cat /sys/fs/cgroup/cpu.stat 2>/dev/null || cat /sys/fs/cgroup/cpuacct/cpuacct.usage"
        stat = self.docker("exec", container, "sh", "-c", read)
        if "usage_usec" in stat:
            return int(stat.split("usage_usec")[1].split()[0]) / 1000
        return int(stat) / 1e6

    def inspect(self, container):
        return json.loads(self.docker("inspect", container))[0]


class Deployed:
    """The deployed server on the host: image, configuration, addresses."""

    def __init__(self, host, project, project_dir):
        self.host, self.server, self.postgres = host, f"{project}-orthanc-1", f"{project}-postgres-1"
        self.config = json.loads(host.run("cat", f"{project_dir}/config/orthanc.json"))
        self.password = host.run("cat", f"{project_dir}/secrets/admin-password")
        info = host.inspect(self.server)
        self.image, self.user = info["Config"]["Image"], info["Config"]["User"]
        # What the role sets in the environment (DCMTK's TCP_NODELAY), given to the scratch servers too.
        self.env = [e for e in info["Config"]["Env"] or [] if e.startswith("TCP_NODELAY=")]
        self.official = "Plugins" not in self.config
        self.mount = next(m["Destination"] for m in info["Mounts"] if m["Type"] == "volume")
        dicom = next(n for name, n in info["NetworkSettings"]["Networks"].items() if name.endswith("_dicom"))
        self.container_address, self.dicom_gateway = dicom["IPAddress"], dicom["Gateway"]
        self.port = int(info["HostConfig"]["PortBindings"]["4242/tcp"][0]["HostPort"])
        self.postgres_image = host.inspect(self.postgres)["Config"]["Image"]
        self.aet = self.config["DicomAet"]


def prepare_host(host):
    """Copy the sender and the two packages it needs into the host (no pip there)."""
    host.run("rm", "-rf", WORK)
    host.run("mkdir", "-p", f"{WORK}/lib", f"{WORK}/cfg")
    for package in (pydicom, pynetdicom):
        root = Path(package.__path__[0])
        # The package and its metadata (pydicom reads its own version from it).
        names = [root.name] + [p.name for p in root.parent.glob(f"{root.name}-*.dist-info")]
        tar = subprocess.run(["tar", "-C", str(root.parent), "-c", *names], capture_output=True, check=True).stdout
        subprocess.run(["docker", "exec", "-i", host.name, "tar", "-C", f"{WORK}/lib", "-x"], input=tar, check=True)
    # Through stdin: docker cp cannot write into the host's /tmp, a tmpfs.
    host.run("sh", "-c", f"cat > {WORK}/ingest_sender.py", stdin=SENDER.read_text())


def make_remote(host, name, count, patients=None):
    directory = f"{WORK}/{name}"
    host.run("env", f"PYTHONPATH={WORK}/lib", "python3", f"{WORK}/ingest_sender.py", "make", directory, str(count),
             str(patients or max(1, count // 10)), f"IB-{name}")  # fmt: skip
    return directory


def send(where, host, spec, tolerate=0):
    """Send from this machine (where='local') or from inside the host; returns the sender's JSON.

    Fails when an instance was not stored, beyond `tolerate` of them (filling an index on a loaded machine
    may see a rare timeout; the find queries only need most of the patients)."""
    if where == "local":
        out = sh(sys.executable, str(SENDER), "send", json.dumps(spec))
    else:
        out = host.run("env", f"PYTHONPATH={WORK}/lib", "python3", f"{WORK}/ingest_sender.py", "send", json.dumps(spec))
    result = json.loads(out)
    if result["count"] - result["statuses"].get("0", 0) > tolerate:
        raise SystemExit(f"not every instance was stored: {result['statuses']}")
    return result


def pressure_us():
    """Machine-wide time (µs) during which some runnable task waited for a CPU (Linux PSI), or None."""
    try:
        return int(Path("/proc/pressure/cpu").read_text().split("total=")[1].split()[0])
    except (OSError, IndexError):
        return None


def measured(host, containers, where, spec):
    before = {c: host.cpu_ms(c) for c in containers}
    waited = pressure_us()
    result = send(where, host, spec)
    result["cpu"] = {c: (host.cpu_ms(c) - before[c]) / result["count"] for c in containers}
    after = pressure_us()
    result["pressure"] = None if waited is None else (after - waited) / 1e4 / result["wall"]
    result["ms"] = result["wall"] * 1000 / result["count"]
    result["rate"] = result["count"] / result["wall"]
    result["sender_ms"] = result["sender_cpu"] * 1000 / result["count"]
    return result


def row(label, r, orthanc, postgres):
    pg = f"{r['cpu'][postgres]:6.1f}" if postgres in r["cpu"] else "     -"
    waiting = r["ms"] - r["cpu"][orthanc] - r["cpu"].get(postgres, 0) - r["sender_ms"]
    pressure = "-" if r["pressure"] is None else f"{r['pressure']:.0f}%"
    return (f"  {label:<46} {r['count']:>6} {r['rate']:>8.1f} {r['ms']:>8.1f} {r['cpu'][orthanc]:>8.1f} {pg:>8} "
            f"{r['sender_ms']:>8.1f} {waiting:>8.1f} {pressure:>9}")  # fmt: skip


HEADER = (f"  {'':<46} {'inst':>6} {'inst/s':>8} {'ms/inst':>8} {'orthanc':>8} {'postgres':>8} {'sender':>8} "
          f"{'rest':>8} {'CPU wait':>9}\n  {'':<46} {'':>6} {'':>8} {'':>8} {'CPU ms per instance':^35}"
          f" {'':>8} {'(PSI)':>9}")  # fmt: skip


class Scratch:
    """A scratch server on the host: the deployed image and configuration, one setting changed."""

    def __init__(self, host, deployed):
        self.host, self.deployed = host, deployed
        host.docker("network", "create", NET, check=False)
        host.docker("run", "-d", "--name", PG, "--network", NET, "-e", f"POSTGRES_USER={BENCH_USER}",
                    "-e", f"POSTGRES_PASSWORD={BENCH_PASSWORD}", "-e", "POSTGRES_DB=bench",
                    deployed.postgres_image)  # fmt: skip
        host.run("sh", "-c", f"for i in $(seq 120); do docker exec {PG} pg_isready -q -h 127.0.0.1 && exit 0; "
                 "sleep 0.5; done; exit 1")  # fmt: skip
        self.databases = 0

    def psql(self, sql, database="bench"):
        self.host.docker("exec", PG, "psql", "-q", "-U", BENCH_USER, "-d", database, "-c", sql)

    def start(self, settings, database_settings=None, verbose=False, postgres=True, env_drop=()):
        self.databases += 1
        database = f"bench_{self.databases}"
        config = copy.deepcopy(self.deployed.config)
        config.update(RegisteredUsers={BENCH_USER: BENCH_PASSWORD}, DicomAlwaysAllowStore=True,
                      DatabaseServerIdentifier="ingest-bench")  # fmt: skip
        if postgres:
            self.psql(f"CREATE DATABASE {database}")
            for key, value in (database_settings or {}).items():
                self.psql(f"ALTER DATABASE {database} SET {key} = '{value}'")
            config["PostgreSQL"].update(Host=PG, Port=5432, Database=database, Username=BENCH_USER,
                                        Password=BENCH_PASSWORD, Lock=False)  # fmt: skip
        for key, value in settings.items():
            if value is None:
                config.pop(key, None)
                if key == "PostgreSQL" and "Plugins" in config:
                    config["Plugins"] = [p for p in config["Plugins"] if "PostgreSQL" not in p]
            elif isinstance(value, dict):
                config.setdefault(key, {}).update(value)
            else:
                config[key] = value
        self.host.run("sh", "-c", f"cat > {WORK}/cfg/orthanc.json && chmod 0644 {WORK}/cfg/orthanc.json",
                      stdin=json.dumps(config))  # fmt: skip
        argv = ["run", "-d", "--name", SCRATCH, "--network", NET, "-v", self.deployed.mount,
                "-v", f"{WORK}/cfg/orthanc.json:/etc/orthanc/orthanc.json:ro"]  # fmt: skip
        if self.deployed.user:
            argv += ["--user", self.deployed.user]
        for entry in self.deployed.env:
            if entry.split("=", 1)[0] not in env_drop:
                argv += ["-e", entry]
        if verbose and self.deployed.official:
            argv += ["-e", "VERBOSE_ENABLED=true"]
        argv.append(self.deployed.image)
        if verbose and not self.deployed.official:
            argv += ["--verbose", "/etc/orthanc/orthanc.json"]
        self.host.docker(*argv)
        self.address = self.host.docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                                        SCRATCH)  # fmt: skip
        self.host.python(WAIT, json.dumps([self.address, BENCH_USER, BENCH_PASSWORD]))
        return database if postgres else None

    def stop(self, database=None):
        self.host.docker("rm", "-f", "-v", SCRATCH, check=False)
        if database:
            self.psql(f"DROP DATABASE {database}")

    def close(self):
        self.host.docker("rm", "-f", "-v", SCRATCH, PG, check=False)
        self.host.docker("network", "rm", NET, check=False)


def supports(host, image, word):
    script = f"grep -l {word} $(find / -name 'libOrthancPostgreSQLIndex.so*' 2>/dev/null) || true"
    found = host.docker("run", "--rm", "--user", "0", "--entrypoint", "sh", image, "-c", script)
    return bool(found)


def deployed_rates(host, deployed, count):
    containers = [deployed.server, deployed.postgres]
    spec = {"called": deployed.aet, "calling": SENDER_AET}
    with tempfile.TemporaryDirectory() as local:
        for name in ("a", "c", *TCP_ROWS):
            subprocess.run(
                [sys.executable, str(SENDER), "make", f"{local}/{name}", str(count), str(count // 10), f"IB-{name}"],
                check=True,
            )
        remote_b = make_remote(host, "b", count)
        register_host_sender(host, deployed)
        published = {"address": host.address, "port": deployed.port}
        a = measured(host, containers, "local", {**spec, **published, "dir": f"{local}/a", "associations": 1})
        inside = {"calling": HOST_SENDER_AET, "address": deployed.container_address, "port": 4242}
        b = measured(host, containers, "host", {**spec, **inside, "dir": remote_b, "associations": 1})
        c = measured(host, containers, "local", {**spec, **published, "dir": f"{local}/c", "associations": 4})
        tuned = {
            name: measured(host, containers, "local", {**spec, **published, "dir": f"{local}/{name}", "associations": 1,
                                                       "tcp": tcp})
            for name, (tcp, _label) in TCP_ROWS.items()
        }  # fmt: skip
    print(f"\n1. Into the deployed server {deployed.server} ({deployed.image}), {count} instances each\n{HEADER}")
    print(row("(a) published port, from this machine", a, *containers))
    print(row("(b) container address, from inside the host", b, *containers))
    print(row("(c) published port, 4 associations", c, *containers))
    for name, (_tcp, label) in TCP_ROWS.items():
        print(row(f"({name}) as (a), {label}", tuned[name], *containers))
    ratios = "".join(f"   ({name})/(a) = {tuned[name]['rate'] / a['rate']:.2f}" for name in TCP_ROWS)
    print(f"  (a)/(b) = {a['rate'] / b['rate']:.2f}   (c)/(a) = {c['rate'] / a['rate']:.2f}{ratios}\n{TCP_NOTE}")
    return b


def settings_table(host, deployed, count, names, rounds):
    scratch = Scratch(host, deployed)
    results = {}
    try:
        # Rounds interleave the settings so that the machine's load drifts over all of them alike; each
        # setting keeps its best round (the least disturbed).
        for name in [n for _round in range(rounds) for n in names]:
            label, variable, settings, database_settings, extra = SETTINGS[name]
            if "needs" in extra and not supports(host, deployed.image, extra["needs"]):
                if name not in results:
                    print(f"  {name}: not supported by this PostgreSQL plugin, skipped")
                results.setdefault(name, None)
                continue
            postgres = settings.get("PostgreSQL", {}) is not None
            database = scratch.start(settings, database_settings, extra.get("verbose", False), postgres,
                                     extra.get("env_drop", ()))  # fmt: skip
            directory = make_remote(host, name, count)
            spec = {"called": deployed.aet, "calling": SENDER_AET, "address": scratch.address, "port": 4242,
                    "dir": directory, "associations": 1}  # fmt: skip
            result = measured(host, [SCRATCH] + ([PG] if postgres else []), "host", spec)
            if name not in results or result["rate"] > results[name][2]["rate"]:
                results[name] = (label, variable, result)
            scratch.stop(database)
            host.run("rm", "-rf", directory)
    finally:
        scratch.close()
    results = {name: value for name, value in results.items() if value}
    base = results.get("baseline", (None, None, None))[2]
    print(f"\n2. One setting changed at a time, scratch server, one association, {count} instances, best of {rounds}"
          f" rounds\n{HEADER}")  # fmt: skip
    for _name, (label, variable, result) in results.items():
        change = f"  x{result['rate'] / base['rate']:.2f}" if base else ""
        print(row(label, result, SCRATCH, PG) + change + (f"  ({variable})" if variable != "-" else ""))


def find_latency(host, deployed, sizes, backends, associations, rounds=30):
    scratch = Scratch(host, deployed)
    print("\n3. /tools/find by PatientID (median of %d queries, ms; 10 instances per patient)" % rounds)
    print(f"  {'index':<12} {'instances':>10} {'fill inst/s':>12} {'Study':>8} {'Instance':>9}")
    try:
        for backend in backends:
            postgres = backend == "postgresql"
            database = scratch.start({} if postgres else {"PostgreSQL": None}, postgres=postgres)
            stored = 0
            for size in sizes:
                directory = make_remote(host, f"find-{backend}-{size}", size - stored, (size - stored) // 10)
                spec = {"called": deployed.aet, "calling": SENDER_AET, "address": scratch.address, "port": 4242,
                        "dir": directory, "associations": associations}  # fmt: skip
                fill = send("host", host, spec, tolerate=(size - stored) // 100)
                host.run("rm", "-rf", directory)
                patients = (size - stored) // 10
                stored = size
                query = [scratch.address, BENCH_USER, BENCH_PASSWORD, f"IB-find-{backend}-{size}", patients, rounds]
                answer = json.loads(host.python(FIND, json.dumps(query)))
                print(f"  {backend:<12} {size:>10} {fill['count'] / fill['wall']:>12.1f} {answer['Study']:>8.1f} "
                      f"{answer['Instance']:>9.1f}")  # fmt: skip
            scratch.stop(database)
    finally:
        scratch.close()


REST = r"""
import base64, json, sys, urllib.error, urllib.request
address, password, steps = json.loads(sys.argv[1])
auth = "Basic " + base64.b64encode(("admin:" + password).encode()).decode()
def call(method, path, body=None):
    request = urllib.request.Request("http://%s:8042%s" % (address, path), method=method,
                                     data=None if body is None else json.dumps(body).encode())
    request.add_header("Authorization", auth)
    return json.loads(urllib.request.urlopen(request, timeout=120).read() or "null")
for method, path, body in steps:
    if method == "DELETE-FOUND":  # every resource a find answers
        for found in call("POST", "/tools/find", body):
            call("DELETE", path + found)
    elif method == "DELETE-IF-THERE":  # a run that failed early never made it
        try:
            call("DELETE", path)
        except urllib.error.HTTPError as error:
            if error.code != 404:
                raise
    else:
        call(method, path, body)
"""


def rest(host, deployed, *steps):
    """REST calls to the deployed server as its admin, from inside the host."""
    host.python(REST, json.dumps([deployed.container_address, deployed.password, steps]))


def register_host_sender(host, deployed):
    modality = {"AET": HOST_SENDER_AET, "Host": deployed.dicom_gateway, "Port": 104}
    rest(host, deployed, ("PUT", f"/modalities/{HOST_SENDER_MODALITY}", modality))


def remove_sent(host, deployed):
    """Delete what section 1 stored in the deployed server (patients IB-*) and the in-host sender's registration."""
    rest(host, deployed, ("DELETE-FOUND", "/patients/", {"Level": "Patient", "Query": {"PatientID": "IB-*"}}),
         ("DELETE-IF-THERE", f"/modalities/{HOST_SENDER_MODALITY}", None))  # fmt: skip


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="pacs-lab-1")
    parser.add_argument("--project", default="orthanc")
    parser.add_argument("--project-dir", default="/opt/orthanc")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--find-sizes", default="1000,10000,50000")
    parser.add_argument("--settings", default=",".join(SETTINGS))
    parser.add_argument("--find-backends", default="postgresql,sqlite")
    parser.add_argument("--find-associations", type=int, default=4, help="associations filling the index")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the settings table (best kept)")
    parser.add_argument("--skip", default="", help="comma-separated: deployed, settings, find")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    host = Host(args.host)
    deployed = Deployed(host, args.project, args.project_dir)
    prepare_host(host)
    cores = host.run("nproc")
    flavor = "official" if deployed.official else "debian"
    print(
        f"host {args.host} ({cores} cores), image {deployed.image}, {flavor} flavor, sender pynetdicom "
        f"{pynetdicom.__version__}; 'rest' = wall time minus the CPU times (waiting)"
    )
    try:
        if "deployed" not in skip:
            deployed_rates(host, deployed, args.count)
        if "settings" not in skip:
            settings_table(host, deployed, args.count, args.settings.split(","), args.rounds)
        if "find" not in skip:
            find_latency(
                host,
                deployed,
                [int(s) for s in args.find_sizes.split(",")],
                args.find_backends.split(","),
                args.find_associations,
            )
    finally:
        if "deployed" not in skip:
            remove_sent(host, deployed)
        host.run("rm", "-rf", WORK)
    print("\nFigures only: nothing here passes or fails.")


if __name__ == "__main__":
    main()
