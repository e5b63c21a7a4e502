"""pacs.orthanc.orthanc_info through the real AnsibleModule; only the HTTP boundary (api.http_open) is fake."""

from tests.unit.orthanc_modules.conftest import URL


def test_postgresql_index_facts(orthanc, run_module):
    result = run_module("orthanc_info", {})

    assert result["changed"] is False
    assert result["index"] == {
        "backend": "postgresql",
        "plugin": "/usr/lib/orthanc/libOrthancPostgreSQLIndex.so.4.0",
        "plugin_version": "4.0",
        "database_answers": True,
        "database_error": None,
        "last_change": 42,
    }
    assert result["system"]["Version"] == "1.10.1"
    assert result["plugins"]["postgresql-index"]["Version"] == "4.0"
    assert result["statistics"]["CountInstances"] == 7
    assert result["modalities_in_database"] is None
    assert {method for method, _path, _body in orthanc.requests} == {"GET"}
    assert ("GET", "/changes?last", None) in orthanc.requests


def test_sqlite_is_told_apart_even_with_the_postgresql_plugin_loaded(orthanc, run_module):
    # EnableIndex false: the plugin is loaded but Orthanc keeps SQLite.
    orthanc.system["DatabaseBackendPlugin"] = None

    result = run_module("orthanc_info", {})

    assert result["index"]["backend"] == "sqlite"
    assert result["index"]["plugin"] is None
    assert result["index"]["plugin_version"] is None
    assert "postgresql-index" in result["plugins"]


def test_expect_index_confirms_postgresql(orthanc, run_module):
    result = run_module("orthanc_info", {"expect_index": "postgresql"})
    assert result.get("failed") is not True
    assert result["index"]["backend"] == "postgresql"


def test_expect_index_fails_when_the_backend_differs(orthanc, run_module):
    orthanc.system["DatabaseBackendPlugin"] = None

    result = run_module("orthanc_info", {"expect_index": "postgresql"})

    assert result["failed"] is True
    assert result["msg"] == (
        f"Orthanc at {URL} uses the sqlite index (DatabaseBackendPlugin: null, the built-in SQLite), not "
        "postgresql: check that the PostgreSQL section has EnableIndex true and that Plugins lists the "
        "PostgreSQL index plugin"
    )
    assert result["index"]["backend"] == "sqlite"


def test_expect_sqlite_fails_on_postgresql(orthanc, run_module):
    result = run_module("orthanc_info", {"expect_index": "sqlite"})
    assert result["failed"] is True
    assert (
        "uses the postgresql index (DatabaseBackendPlugin: /usr/lib/orthanc/libOrthancPostgreSQLIndex" in result["msg"]
    )


def test_database_that_does_not_answer(orthanc, run_module):
    orthanc.database_down = True

    result = run_module("orthanc_info", {"database_timeout": 3})

    assert result.get("failed") is not True
    assert result["index"]["database_answers"] is False
    assert result["index"]["database_error"] == f"GET {URL}/changes?last: no answer within 3 s (timed out)"
    assert result["statistics"] is None
    assert ("GET", "/statistics", None) not in orthanc.requests
    probe = [call for call in orthanc.calls if call["url"].endswith("/changes?last")]
    assert probe[0]["timeout"] == 3


def test_expect_index_fails_when_the_database_does_not_answer(orthanc, run_module):
    orthanc.database_down = True

    result = run_module("orthanc_info", {"expect_index": "postgresql", "database_timeout": 3})

    assert result["failed"] is True
    assert result["msg"] == (
        f"Orthanc at {URL} uses the postgresql index, but its database does not answer: "
        f"GET {URL}/changes?last: no answer within 3 s (timed out)"
    )


def test_modalities_in_database_from_config(orthanc, run_module, tmp_path):
    config = tmp_path / "orthanc.json"
    config.write_text('{"DicomModalitiesInDatabase": true, "Comment": "a // inside a string stays"}')

    result = run_module("orthanc_info", {"config_path": str(config)})

    assert result["modalities_in_database"] is True
    assert result["modalities_persistent"] is True
    assert result["modalities_persistence"] == f"DicomModalitiesInDatabase is true in {config} (built-in SQLite index)"


def test_modalities_in_database_without_server_identifier_are_not_persistent(orthanc, run_module, tmp_path):
    config = tmp_path / "orthanc.json"
    config.write_text('{"DicomModalitiesInDatabase": true, "PostgreSQL": {"EnableIndex": true}}')

    result = run_module("orthanc_info", {"config_path": str(config)})

    assert result["modalities_in_database"] is True
    assert result["modalities_persistent"] is False
    assert "DatabaseServerIdentifier, which is not set" in result["modalities_persistence"]


def test_invalid_config_is_reported(orthanc, run_module, tmp_path):
    config = tmp_path / "orthanc.json"
    config.write_text('{"DicomModalitiesInDatabase": "yes"}')

    result = run_module("orthanc_info", {"config_path": str(config)})

    assert result["failed"] is True
    assert result["msg"] == f"DicomModalitiesInDatabase in {config} must be true or false, got 'yes'"
    assert orthanc.requests == []


def test_unreachable_orthanc(orthanc, run_module):
    orthanc.refuse_connections = 100
    result = run_module("orthanc_info", {"startup_timeout": 2})
    assert result["failed"] is True
    assert result["msg"] == f"GET {URL}/system: cannot reach Orthanc (retried for 2 s): [Errno 111] Connection refused"


def test_check_mode_is_supported(orthanc, run_module):
    result = run_module("orthanc_info", {"expect_index": "postgresql"}, check_mode=True)
    assert result["changed"] is False
    assert result["index"]["database_answers"] is True
