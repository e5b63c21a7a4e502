"""orthanc_echo through a real Orthanc to a real DICOM AE (dcmtk storescp), and to a port nobody listens on."""

from tests.integration.orthanc_native.servers import free_port, run_module


def test_echo_to_a_live_registered_ae(orthanc_pg, dicom_peer):
    conn = orthanc_pg.connection()
    run_module("orthanc_modality", dict(conn, name="peer", aet=dicom_peer.aet, host="127.0.0.1", port=dicom_peer.port))

    result, proc = run_module("orthanc_echo", dict(conn, name="peer", dicom_timeout=5))

    assert proc.returncode == 0, result
    assert result["changed"] is False
    assert isinstance(result["elapsed"], float)
    assert result["elapsed"] > 0


def test_ad_hoc_echo_to_a_live_ae(orthanc_sqlite, dicom_peer):
    args = dict(orthanc_sqlite.connection(), aet=dicom_peer.aet, host="127.0.0.1", port=dicom_peer.port)
    result, proc = run_module("orthanc_echo", args)
    assert proc.returncode == 0, result
    assert result["elapsed"] > 0


def test_echo_to_a_dead_port_fails_cleanly(orthanc_pg):
    conn = orthanc_pg.connection()
    dead = free_port()
    run_module("orthanc_modality", dict(conn, name="dead", aet="DEAD", host="127.0.0.1", port=dead))

    result, proc = run_module("orthanc_echo", dict(conn, name="dead", dicom_timeout=3))

    assert proc.returncode != 0
    assert result["failed"] is True
    assert result["msg"].startswith("C-ECHO to modality 'dead' failed after ")
    assert 'connecting to AET "DEAD"' in result["msg"]
    assert "Connection refused" in result["msg"]
    assert isinstance(result["elapsed"], float)


def test_echo_to_an_unknown_name(orthanc_pg):
    result, _proc = run_module("orthanc_echo", dict(orthanc_pg.connection(), name="nobody"))
    assert result["failed"] is True
    assert "no such modality is registered in Orthanc" in result["msg"]
