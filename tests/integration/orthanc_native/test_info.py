"""orthanc_info against real Orthanc servers: PostgreSQL index vs built-in SQLite, and a database that is gone."""

import subprocess

from tests.integration.orthanc_native.servers import OrthancServer, PostgresServer, run_module


def _dpkg_version(package):
    out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, text=True, check=True)
    return out.stdout


def test_postgresql_index_is_reported_with_its_plugin(orthanc_pg):
    result, _proc = run_module("orthanc_info", dict(orthanc_pg.connection(), config_path=str(orthanc_pg.config_path)))

    index = result["index"]
    assert index["backend"] == "postgresql"
    assert "libOrthancPostgreSQLIndex" in index["plugin"]
    # The plugin's own version matches the Debian package it came from (4.0 on Debian 12).
    assert _dpkg_version("orthanc-postgresql").startswith(index["plugin_version"])
    assert index["database_answers"] is True
    assert result["modalities_in_database"] is True
    assert result["system"]["Version"] == _dpkg_version("orthanc").split("+")[0].split("-")[0]
    assert result["statistics"]["CountInstances"] == 0
    assert "postgresql-index" in result["plugins"]
    # Cross-check from the other side: the plugin created Orthanc's tables in PostgreSQL.
    tables = orthanc_pg.postgres.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", "orthanc")
    assert {"resources", "changes", "serverproperties"} <= set(tables.split())


def test_sqlite_default_is_told_apart(orthanc_sqlite):
    result, _proc = run_module(
        "orthanc_info", dict(orthanc_sqlite.connection(), config_path=str(orthanc_sqlite.config_path))
    )

    assert result["index"]["backend"] == "sqlite"
    assert result["index"]["plugin"] is None
    assert result["index"]["plugin_version"] is None
    assert result["index"]["database_answers"] is True
    assert result["modalities_in_database"] is False


def test_expect_index_confirms_in_one_task(orthanc_pg, orthanc_sqlite):
    ok, proc = run_module("orthanc_info", dict(orthanc_pg.connection(), expect_index="postgresql"))
    assert proc.returncode == 0, ok
    assert ok.get("failed") is not True

    wrong, proc = run_module("orthanc_info", dict(orthanc_sqlite.connection(), expect_index="postgresql"))
    assert proc.returncode != 0
    assert wrong["failed"] is True
    assert wrong["msg"].startswith(
        f"Orthanc at {orthanc_sqlite.url} uses the sqlite index (DatabaseBackendPlugin: null, the built-in SQLite), "
        "not postgresql"
    )

    lite, _proc = run_module("orthanc_info", dict(orthanc_sqlite.connection(), expect_index="sqlite"))
    assert lite.get("failed") is not True


def test_postgresql_loaded_but_not_enabled_is_sqlite():
    """The plugin listed in /plugins proves nothing: with EnableIndex false Orthanc stays on SQLite."""
    postgres = PostgresServer()
    server = None
    try:
        postgres.start()
        server = OrthancServer("pg-off", postgres=postgres)
        server.config["PostgreSQL"]["EnableIndex"] = False
        server.start()
        result, _proc = run_module("orthanc_info", dict(server.connection(), expect_index="postgresql"))
    finally:
        if server:
            server.cleanup()
        postgres.stop()

    assert result["failed"] is True
    assert "postgresql-index" in result["plugins"]
    assert result["index"]["backend"] == "sqlite"


def test_database_that_stops_answering_fails_the_confirmation():
    postgres = PostgresServer()
    server = None
    try:
        postgres.start()
        server = OrthancServer("pg-gone", postgres=postgres)
        server.config["PostgreSQL"].update(MaximumConnectionRetries=1, ConnectionRetryInterval=1)
        server.start()
        before, _proc = run_module("orthanc_info", dict(server.connection(), expect_index="postgresql"))
        postgres.stop()
        after, proc = run_module(
            "orthanc_info",
            dict(server.connection(), expect_index="postgresql", database_timeout=3, startup_timeout=2),
        )
    finally:
        if server:
            server.cleanup()
        postgres.stop()

    assert before.get("failed") is not True
    assert proc.returncode != 0
    assert after["failed"] is True
    # Orthanc 1.10.1 already refuses /system with 503; newer versions answer /system from cache and the
    # /changes?last probe fails instead. Either way the message names the database.
    assert "database" in after["msg"]
    assert "not available" in after["msg"] or "does not answer" in after["msg"]
