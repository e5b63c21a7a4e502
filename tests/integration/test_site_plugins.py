"""Patched Orthanc on the forky build, its optional plugins and DICOMweb, on the converged lab.

Real Orthanc 1.13.0 and PostgreSQL 18 containers on a lab server, real DICOM over C-STORE from this machine,
real DICOMweb requests. Plugins are switched on and off through site.yml (one host, one setting) and only
the Orthanc server container may be recreated by a switch, never by a re-run.
"""

import email.parser
import email.policy
import io
import json
import textwrap
from contextlib import contextmanager

import pytest
from pydicom import dcmread

from tests.conftest import run
from tests.dicom import fresh_instances, store
from tests.integration.conftest import INVENTORY, SERVERS, recap
from tests.integration.lab_rest import Rest, address

SERVER_DICOM = 4242
CONTAINERS = ["orthanc-orthanc-1", "orthanc-postgres-1", "orthanc-orthanc-client-1", "orthanc-adminer-1"]
# The Python plugin's proof of life: a REST route only the script defines.
SCRIPT = textwrap.dedent(
    """\
    import orthanc

    def hello(output, uri, **request):
        output.AnswerBuffer('pacs.orthanc python plugin', 'text/plain')

    orthanc.RegisterRestCallback('/pacs-plugin-check', hello)
    """
)


def container_ids(host):
    return {
        name: run(["docker", "exec", host, "docker", "inspect", "-f", "{{.Id}}", name]).stdout.strip()
        for name in CONTAINERS
    }


def site(host, *extra):
    proc = run(["ansible-playbook", *INVENTORY, "site.yml", "--limit", host, *extra], timeout=1800)
    return recap(proc.stdout)[host]


@contextmanager
def plugins_on(host, tmp_path, plugins):
    """site.yml on one host with orthanc_plugins set; the inventory's settings (no plugins) back after."""
    script = tmp_path / "plugin.py"
    script.write_text(SCRIPT)
    setting = {"orthanc_plugins": plugins, "orthanc_python_script": str(script) if "python" in plugins else ""}
    try:
        yield lambda: site(host, "-e", json.dumps(setting))
    finally:
        site(host)


def multipart_parts(content_type, body):
    """The payloads of a multipart/related answer (WADO-RS), in order."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    assert message.is_multipart(), content_type
    return [part.get_payload(decode=True) for part in message.iter_parts()]


def data_set_bytes(part10):
    """A DICOM Part 10 file without its preamble and file meta group (0002): the data set's own bytes."""
    assert part10[128:132] == b"DICM", "not a DICOM Part 10 file"
    # (0002,0000) FileMetaInformationGroupLength, explicit VR little endian: tag, "UL", length 4, value.
    assert part10[132:138] == b"\x02\x00\x00\x00UL"
    return part10[144 + int.from_bytes(part10[140:144], "little") :]


@pytest.fixture(scope="module")
def server(converged_lab):
    return SERVERS[0]


def test_the_forky_build_runs_orthanc_1_13_0_on_a_postgresql_18_index(server):
    system = Rest(server).json("/system")
    assert system["Version"] == "1.13.0", system
    assert "PostgreSQLIndex" in (system["DatabaseBackendPlugin"] or ""), system
    version = run(["docker", "exec", server, "docker", "exec", "orthanc-postgres-1", "postgres", "--version"]).stdout
    assert " 18." in version, version


def test_plugins_switch_on_and_off_recreating_only_the_server_and_dicomweb_round_trips(server, tmp_path):
    rest = Rest(server)
    before = container_ids(server)
    assert "dicom-web" not in rest.json("/plugins")
    with plugins_on(server, tmp_path, ["dicomweb", "gdcm", "python"]) as converge:
        counts = converge()
        assert counts["failed"] == 0
        switched = container_ids(server)
        # The server's configuration changed: its container and nothing else is new.
        assert switched["orthanc-orthanc-1"] != before["orthanc-orthanc-1"]
        assert {k: switched[k] for k in CONTAINERS[1:]} == {k: before[k] for k in CONTAINERS[1:]}
        # The same setting again: nothing changes, nothing is recreated.
        assert converge()["changed"] == 0
        assert container_ids(server) == switched

        rest = Rest(server)
        assert {"dicom-web", "gdcm", "python"} <= set(rest.json("/plugins"))
        status, _type, body = rest.raw("/pacs-plugin-check")
        assert (status, body) == (200, b"pacs.orthanc python plugin")

        # C-STORE a fresh series, then find it with QIDO-RS and fetch it with WADO-RS.
        files = fresh_instances(tmp_path / "dicom", 3)
        aet = server.upper().replace("-", "_")
        assert set(store(files.values(), address(server), SERVER_DICOM, aet).values()) == {0}
        first = dcmread(next(iter(files.values())))
        study, series = first.StudyInstanceUID, first.SeriesInstanceUID
        found = rest.json(f"/dicom-web/studies?StudyInstanceUID={study}")
        assert [s["0020000D"]["Value"] for s in found] == [[study]], found
        assert found[0]["00201208"]["Value"] == [3], "QIDO-RS must count the study's 3 instances"

        for sop, path in files.items():
            status, content_type, body = rest.raw(
                f"/dicom-web/studies/{study}/series/{series}/instances/{sop}",
                # transfer-syntax=*: as stored (without it WADO-RS transcodes to Explicit VR Little Endian).
                accept='multipart/related; type="application/dicom"; transfer-syntax=*',
            )
            assert status == 200, body[:300]
            (part,) = multipart_parts(content_type, body)
            (hit,) = rest.json("/tools/find", "POST", {"Level": "Instance", "Query": {"SOPInstanceUID": sop}})
            _status, _type, stored = rest.raw(f"/instances/{hit}/file")
            # The data set byte-identical to what Orthanc stored (the DICOMweb plugin writes its own file meta
            # header, group 0002), and the same data set as the file this machine sent.
            assert data_set_bytes(part) == data_set_bytes(stored), sop
            sent, fetched = dcmread(path), dcmread(io.BytesIO(part))
            assert fetched == sent, f"{sop}: WADO-RS returned another dataset"

    # Back to the inventory's settings (no plugins): the server recreated once more, the rest untouched.
    after = container_ids(server)
    assert after["orthanc-orthanc-1"] != switched["orthanc-orthanc-1"]
    assert {k: after[k] for k in CONTAINERS[1:]} == {k: before[k] for k in CONTAINERS[1:]}
    rest = Rest(server)
    assert not {"dicom-web", "gdcm", "python"} & set(rest.json("/plugins"))
    assert rest.raw(f"/dicom-web/studies?StudyInstanceUID={study}")[0] == 404
