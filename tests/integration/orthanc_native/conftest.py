"""Fixtures: PostgreSQL 15 and Orthanc 1.10.1 from the Debian packages, started natively on loopback.

- ``orthanc_pg``: Orthanc with the PostgreSQL index plugin, DicomModalitiesInDatabase true.
- ``orthanc_sqlite``: Orthanc on its built-in SQLite index, DicomModalitiesInDatabase false (the defaults).
- ``dicom_peer``: dcmtk's storescp, a live DICOM AE.
- ``proxy``: a reverse proxy in front of orthanc_pg that counts every HTTP request.

Servers live for the whole package and are stopped by pid at the end; each test starts with no modalities.
"""

import pytest

from tests.integration.orthanc_native.servers import (
    CountingProxy,
    DicomPeer,
    OrthancServer,
    PostgresServer,
)


@pytest.fixture(scope="package")
def postgres():
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="package")
def orthanc_pg_server(postgres):
    server = OrthancServer("pg", postgres=postgres, modalities_in_database=True)
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


@pytest.fixture(scope="package")
def orthanc_sqlite_server():
    server = OrthancServer("sqlite")
    try:
        server.start()
        yield server
    finally:
        server.cleanup()


def _fresh(server):
    if server.process is None or server.process.poll() is not None:
        server.start()  # a previous test stopped it (or it died): the next one gets a running server
    server.clear_modalities()
    assert server.modalities() == {}
    return server


@pytest.fixture
def orthanc_pg(orthanc_pg_server):
    return _fresh(orthanc_pg_server)


@pytest.fixture
def orthanc_sqlite(orthanc_sqlite_server):
    return _fresh(orthanc_sqlite_server)


@pytest.fixture(scope="package")
def dicom_peer():
    peer = DicomPeer("LIVEPEER")
    try:
        peer.start()
        yield peer
    finally:
        peer.stop()


@pytest.fixture
def proxy(orthanc_pg):
    counting = CountingProxy(orthanc_pg.http_port).start()
    try:
        yield counting
    finally:
        counting.stop()
