"""PostgreSQL least privilege, on the converged lab: Orthanc connects as a login role that is no superuser, cannot
create databases or roles, and owns its database and every table in it; the cluster's superuser is the role's own.

And the migration: a server rebuilt in the layout the role made before (the cluster initialised with
POSTGRES_USER=orthanc and Orthanc's password, so Orthanc connected as the bootstrap superuser and owned nothing
else), with instances stored, is converged by site.yml: killed right after the new files are written (the
superuser's password and the marker on the host, PostgreSQL untouched), then run again. Every instance is still
there, the layout is the new one, and the run after changes nothing.
"""

from tests.conftest import run
from tests.dicom import fresh_instances
from tests.integration.conftest import HOSTS, INVENTORY, SERVERS, kill_playbook_at, recap
from tests.integration.lab_rest import Rest

SECRETS = "/opt/orthanc/secrets"
# Over the container's local socket as the superuser the role uses (trust inside the container).
SUPERUSER = "postgres"
ROLE_STATE = (
    "SELECT r.rolname, r.rolsuper, r.rolcreatedb, r.rolcreaterole, r.oid = 10,"
    " (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'orthanc')"
    " FROM pg_roles r WHERE r.rolname IN ('orthanc', 'postgres') ORDER BY 1"
)
# Tables, sequences, indexes and routines of Orthanc's schema with their owners; not the members of extensions
# (pg_trgm, which the index plugin creates: a trusted extension's objects belong to the bootstrap superuser).
OWNERS = (
    "SELECT pg_get_userbyid(owner), count(*) FROM ("
    " SELECT oid, relowner AS owner FROM pg_class WHERE relnamespace = 'public'::regnamespace"
    " UNION ALL SELECT oid, proowner FROM pg_proc WHERE pronamespace = 'public'::regnamespace) o"
    " WHERE NOT EXISTS (SELECT FROM pg_depend d WHERE d.objid = o.oid AND d.deptype = 'e') GROUP BY 1"
)
MARKER = f"{SECRETS}/postgres-password.rotating"
# Who holds Orthanc's sessions (a session keeps the privileges of the role it was opened as).
SESSIONS = "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = 'orthanc' AND pid <> pg_backend_pid()"
# As Orthanc connects: over the network, as its role, with the password kept on the host (read on stdin).
AS_ORTHANC = (
    "docker exec -i orthanc-postgres-1 sh -c '"
    "read -r PGPASSWORD; export PGPASSWORD; "
    'psql -X -h 127.0.0.1 -U orthanc -d orthanc -tA -v ON_ERROR_STOP=1 -c "$0"'
    '\' "$SQL" < ' + f"{SECRETS}/postgres-password"
)


def psql(host, sql, user=SUPERUSER):
    argv = ["psql", "-X", "-tA", "-F", "|", "-U", user, "-d", "orthanc", "-v", "ON_ERROR_STOP=1", "-c", sql]
    proc = run(["docker", "exec", host, "docker", "exec", "orthanc-postgres-1", *argv])
    return [line.split("|") for line in proc.stdout.split("\n") if line]


def as_orthanc(host, sql):
    return run(["docker", "exec", "-e", f"SQL={sql}", host, "sh", "-c", AS_ORTHANC], check=False)


# Whole runs, not --limit: the rebuilt index lost its registrations, and a limited run would only give back those
# of the gateways inside the limit (the other tests' verify.yml expects every one).
def site():
    return run(["ansible-playbook", *INVENTORY, "site.yml"], timeout=1800)


def test_orthanc_connects_as_a_role_without_privileges_that_owns_its_database(converged_lab):
    for host in SERVERS:
        # The bootstrap superuser is the role's; Orthanc's role is none of superuser, CREATEDB, CREATEROLE.
        assert psql(host, ROLE_STATE) == [
            ["orthanc", "f", "f", "f", "f", "orthanc"],
            ["postgres", "t", "t", "t", "t", "orthanc"],
        ], host
        # Orthanc created its schema as its role: nothing in it belongs to another.
        owners = dict(psql(host, OWNERS))
        assert set(owners) == {"orthanc"} and int(owners["orthanc"]) > 10, (host, owners)
        # Every connection Orthanc holds is its role's.
        assert psql(host, SESSIONS) == [["orthanc"]], host
        # What that role may not do, asked as Orthanc connects (network, password).
        assert as_orthanc(host, "SELECT count(*) FROM resources").returncode == 0
        database = as_orthanc(host, "CREATE DATABASE pacs_not_allowed")
        assert "permission denied to create database" in database.stderr, database.stderr
        role = as_orthanc(host, "CREATE ROLE pacs_not_allowed")
        assert "permission denied to create role" in role.stderr, role.stderr
        # The superuser's password: its own file, root cannot lose it to Orthanc (owned by PostgreSQL's uid, 0400).
        stat = run(["docker", "exec", host, "stat", "-c", "%a %u", f"{SECRETS}/postgres-superuser-password"]).stdout
        assert stat.split() == ["400", "999"]


# The layout before least privilege: POSTGRES_USER was orthanc_postgres_user, with Orthanc's password.
OLD_LAYOUT = """
services:
  postgres:
    environment:
      POSTGRES_USER: orthanc
      POSTGRES_PASSWORD_FILE: /run/secrets/postgres-password
    secrets: [postgres-password]
secrets:
  postgres-password:
    file: ./secrets/postgres-password
"""


def make_old_layout(host):
    """A fresh index made the old way on `host`: its volumes removed, the cluster initialised by PostgreSQL's
    entrypoint with the superuser orthanc, Orthanc creating its tables as that superuser."""
    compose = ["docker", "exec", host, "docker", "compose", "--project-directory", "/opt/orthanc"]
    run([*compose, "down", "--volumes"], timeout=600)
    run(["docker", "exec", "-i", host, "sh", "-c", "cat > /opt/orthanc/old-layout.yaml"], input=OLD_LAYOUT)
    try:
        run(
            [*compose, "-f", "/opt/orthanc/compose.yaml", "-f", "/opt/orthanc/old-layout.yaml", "up", "-d", "--wait"],
            timeout=900,
        )
    finally:
        run(["docker", "exec", host, "rm", "-f", "/opt/orthanc/old-layout.yaml"])
    # That layout kept no superuser password.
    run(["docker", "exec", host, "rm", f"{SECRETS}/postgres-superuser-password"])
    assert psql(host, ROLE_STATE, user="orthanc") == [["orthanc", "t", "t", "t", "t", "orthanc"]]


def test_an_index_made_as_the_superuser_is_migrated_without_losing_an_instance(converged_lab, tmp_path):
    host = SERVERS[-1]
    make_old_layout(host)
    server = Rest(host)
    server.wait()
    sent = fresh_instances(tmp_path, 20)
    for path in sent.values():
        server.json("/instances", "POST", path.read_bytes())
    before = server.json("/statistics")
    assert before["CountInstances"] == len(sent)
    assert set(dict(psql(host, OWNERS, user="orthanc"))) == {"orthanc"}

    # Killed once the superuser's password and the marker are on the host, before PostgreSQL is touched.
    kill_playbook_at(["ansible-playbook", *INVENTORY, "site.yml"])
    assert run(["docker", "exec", host, "test", "-e", MARKER], check=False).returncode == 0
    assert psql(host, ROLE_STATE, user="orthanc") == [["orthanc", "t", "t", "t", "t", "orthanc"]]

    # The next run migrates: the superuser renamed, Orthanc's role created with its old password, everything
    # handed over; Orthanc keeps its configuration and every instance.
    counts = recap(site().stdout)
    assert counts[host]["changed"] > 0 and counts[host]["failed"] == 0
    assert psql(host, ROLE_STATE) == [
        ["orthanc", "f", "f", "f", "f", "orthanc"],
        ["postgres", "t", "t", "t", "t", "orthanc"],
    ]
    assert set(dict(psql(host, OWNERS))) == {"orthanc"}
    assert psql(host, SESSIONS) == [["orthanc"]]
    assert run(["docker", "exec", host, "test", "-e", MARKER], check=False).returncode != 0
    after = server.json("/statistics")
    assert {k: after[k] for k in ("CountPatients", "CountStudies", "CountSeries", "CountInstances")} == {
        k: before[k] for k in ("CountPatients", "CountStudies", "CountSeries", "CountInstances")
    }
    stored = {i["MainDicomTags"]["SOPInstanceUID"] for i in server.json("/instances?expand")}
    assert stored == set(sent)
    # Orthanc's role writes: a new instance is accepted after the migration.
    more = fresh_instances(tmp_path / "after", 1)
    server.json("/instances", "POST", next(iter(more.values())).read_bytes())
    assert server.json("/statistics")["CountInstances"] == len(sent) + 1

    assert {h: c["changed"] for h, c in recap(site().stdout).items()} == dict.fromkeys(HOSTS, 0)
