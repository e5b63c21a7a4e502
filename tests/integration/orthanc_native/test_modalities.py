"""orthanc_modality and orthanc_modalities against real Orthanc servers (PostgreSQL and SQLite index)."""

import json
import subprocess
import sys
import tempfile
import time

from tests.integration.orthanc_native.servers import REPO_ROOT, run_module


def entries(count, port=104):
    return [
        {"name": f"m{i:03d}", "aet": f"AE{i:03d}", "host": f"10.0.{i // 250}.{i % 250 + 1}", "port": port}
        for i in range(count)
    ]


EVERY_OPTION = {
    "name": "full",
    "aet": "FULL_AE",
    "host": "192.0.2.10",
    "port": 11112,
    "manufacturer": "GenericNoUniversalWildcard",
    "allow_echo": False,
    "allow_store": False,
    "allow_find": False,
    "allow_find_worklist": False,
    "allow_get": False,
    "allow_move": False,
    "allow_n_action": False,
    "allow_event_report": True,
    "allow_transcoding": False,
    "use_dicom_tls": True,
    "local_aet": "ORTHANC_LOCAL",
    "dicom_timeout": 42,
}


def test_every_option_round_trips_through_the_real_server(orthanc_pg):
    args = dict(orthanc_pg.connection(), **EVERY_OPTION)

    first, _proc = run_module("orthanc_modality", args)
    second, _proc = run_module("orthanc_modality", args)

    assert first["changed"] is True
    assert second["changed"] is False, second
    live = orthanc_pg.modalities()["full"]
    assert live["LocalAet"] == "ORTHANC_LOCAL"
    assert live["Timeout"] == 42
    assert live["AllowEventReport"] is True
    assert live["AllowNAction"] is False
    assert live["UseDicomTls"] is True


def test_update_diff_check_mode_and_delete(orthanc_pg, proxy):
    conn = orthanc_pg.connection(proxy.url)
    ct = dict(conn, name="ct1", aet="CT1", host="10.0.0.21", port=104)
    run_module("orthanc_modality", ct)

    proxy.reset()
    checked, _proc = run_module("orthanc_modality", dict(ct, port=11112), check_mode=True, diff=True)
    assert checked["changed"] is True
    assert checked["diff"]["before"]["port"] == 104
    assert checked["diff"]["after"]["port"] == 11112
    assert proxy.requests == [("GET", "/modalities/ct1/configuration")]
    assert orthanc_pg.modalities()["ct1"]["Port"] == 104

    updated, _proc = run_module("orthanc_modality", dict(ct, port=11112))
    assert updated["differences"] == ["port"]
    assert orthanc_pg.modalities()["ct1"]["Port"] == 11112

    proxy.reset()
    removed, _proc = run_module("orthanc_modality", dict(conn, name="ct1", state="absent"))
    assert removed["changed"] is True
    assert proxy.requests == [("GET", "/modalities/ct1/configuration"), ("DELETE", "/modalities/ct1")]
    again, _proc = run_module("orthanc_modality", dict(conn, name="ct1", state="absent"))
    assert again["changed"] is False
    assert "ct1" not in orthanc_pg.modalities()


def test_obsolete_manufacturer_written_by_someone_else_is_not_rewritten(orthanc_pg, proxy):
    status, _body = orthanc_pg.api(
        "PUT", "/modalities/old", {"AET": "OLD", "Host": "h", "Port": 104, "Manufacturer": "EFilm2"}
    )
    assert status == 200
    proxy.reset()

    result, _proc = run_module(
        "orthanc_modality", dict(orthanc_pg.connection(proxy.url), name="old", aet="OLD", host="h", port=104)
    )

    assert result["changed"] is False
    assert [method for method, _path in proxy.requests] == ["GET"]


def test_invalid_input_sends_no_request(orthanc_pg, proxy):
    result, _proc = run_module(
        "orthanc_modality", dict(orthanc_pg.connection(proxy.url), name="x", aet="A\\B", host="h", port=104)
    )
    assert result["failed"] is True
    assert "backslash" in result["msg"]
    assert proxy.requests == []


def test_wrong_password_is_named(orthanc_pg):
    conn = dict(orthanc_pg.connection(), password="not-the-password")  # noqa: S106
    result, _proc = run_module("orthanc_modality", dict(conn, name="x", aet="X", host="h", port=104))
    assert result["failed"] is True
    assert f"GET {orthanc_pg.url}/modalities/x/configuration failed: HTTP 401 Unauthorized" in result["msg"]


def test_registrations_in_the_postgresql_index_survive_a_restart(orthanc_pg):
    args = dict(orthanc_pg.connection(), modalities=entries(3), config_path=str(orthanc_pg.config_path))
    created, _proc = run_module("orthanc_modalities", args)
    assert created["added"] == ["m000", "m001", "m002"]
    assert created["persistent"] is True  # DicomModalitiesInDatabase and DatabaseServerIdentifier are set
    assert "warnings" not in created

    orthanc_pg.restart()

    assert sorted(orthanc_pg.modalities()) == ["m000", "m001", "m002"]
    again, _proc = run_module("orthanc_modalities", args)
    assert again["changed"] is False
    # They are rows of PostgreSQL, not only memory.
    rows = orthanc_pg.postgres.psql("SELECT value FROM serverproperties", "orthanc")
    assert "AE001" in rows


def test_memory_only_registrations_warn_and_really_vanish(orthanc_sqlite):
    args = dict(orthanc_sqlite.connection(), modalities=entries(2), config_path=str(orthanc_sqlite.config_path))
    created, _proc = run_module("orthanc_modalities", args)
    assert created["persistent"] is False
    warning = json.dumps(created["warnings"])
    assert "Modalities changed (m000, m001) will not survive a restart of Orthanc" in warning

    orthanc_sqlite.restart()

    assert orthanc_sqlite.modalities() == {}  # the warning was right


def test_require_persistent_refuses_a_memory_only_server(orthanc_sqlite):
    args = dict(
        orthanc_sqlite.connection(),
        modalities=entries(1),
        config_path=str(orthanc_sqlite.config_path),
        require_persistent=True,
    )
    result, _proc = run_module("orthanc_modalities", args)
    assert result["failed"] is True
    assert "registrations would not persist: DicomModalitiesInDatabase is false" in result["msg"]
    assert orthanc_sqlite.modalities() == {}


def test_purge_and_check_mode(orthanc_pg, proxy):
    conn = orthanc_pg.connection(proxy.url)
    run_module("orthanc_modalities", dict(conn, modalities=entries(4)))
    proxy.reset()

    checked, _proc = run_module("orthanc_modalities", dict(conn, modalities=entries(2), purge=True), check_mode=True)
    assert checked["removed"] == ["m002", "m003"]
    assert proxy.requests == [("GET", "/modalities?expand")]
    assert len(orthanc_pg.modalities()) == 4

    purged, _proc = run_module("orthanc_modalities", dict(conn, modalities=entries(2), purge=True), diff=True)
    assert purged["removed"] == ["m002", "m003"]
    assert sorted(purged["diff"]["before"]) == ["m002", "m003"]
    assert sorted(orthanc_pg.modalities()) == ["m000", "m001"]


def test_waits_for_orthanc_while_it_starts(orthanc_sqlite):
    """The bounded retry: the module is started first, Orthanc a few seconds later."""
    orthanc_sqlite.stop()
    args = dict(orthanc_sqlite.connection(), modalities=entries(1), startup_timeout=90)
    payload = dict(args, _ansible_check_mode=False, _ansible_diff=False)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": payload}, handle)
    module = subprocess.Popen(
        [sys.executable, "-m", "ansible_collections.pacs.orthanc.plugins.modules.orthanc_modalities", handle.name],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": str(REPO_ROOT / ".collections"), "PATH": "/usr/bin:/bin"},
    )
    try:
        time.sleep(2)
        assert module.poll() is None, module.communicate()
        orthanc_sqlite.start()
        out, err = module.communicate(timeout=120)
    finally:
        if module.poll() is None:
            module.kill()
    result = json.loads(out)
    assert result.get("failed") is not True, (result, err)
    assert result["added"] == ["m000"]
    assert result["requests"] > 2  # refused at least once, then the GET and the PUT
