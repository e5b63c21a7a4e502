"""Find answers of the deployed server equal those of a stock-configured Orthanc of the same image.

The issue: with StorageAccessOnFind "Never" an instance-level /tools/find answered 11 of 12. A small known
set (three patients, studies, series and instances with distinct main and non-main tags) goes into the
lab's deployed server and into the same Orthanc image started on the same lab host with nothing but the
settings it needs to be reachable; every query, at every level, must give the same resources.
"""

import json
import uuid

import pytest
from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from pynetdicom import AE
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind

from tests.conftest import run
from tests.dicom import fresh_instances
from tests.integration.conftest import SERVERS
from tests.integration.lab_rest import Rest, address

STOCK = "pacs-test-stock-orthanc"
STOCK_PORT = 18042
# Configuration files go to /opt/<name>.json on the lab host, owned by the image's orthanc uid, readable by it only.
STOCK_CONFIG = {
    "RemoteAccessAllowed": True,
    "AuthenticationEnabled": True,
    "StorageDirectory": "/var/lib/orthanc/db",
    "IndexDirectory": "/var/lib/orthanc/db",
}
LIMITED = "pacs-test-limited-orthanc"
LIMITED_PORT, LIMITED_DICOM = 18043, 14242
# (patient, name, sex, weight, study description, institution, [(modality, series description, kvp,
# slice thickness, [instance comments])])
KNOWN_SET = [
    ("P1", "DOE^JOHN", "M", "70", "CT HEAD", "CLINIC A", [
        ("CT", "AX HEAD", "120", "5", ["keep one", "other"]),
        ("CT", "COR HEAD", "100", "2.5", ["keep two"]),
    ]),
    ("P2", "DOE^JANE", "F", "60", "MR KNEE", "CLINIC B", [
        ("MR", "AX T1", "", "3", ["first", "keep three"]),
        ("MR", "SAG T2", "", "4", ["second"]),
    ]),
    ("P3", "ROE^RICHARD", "M", "80", "CT CHEST", "CLINIC A", [
        ("CT", "AX CHEST", "120", "1", ["x", "keep four", "y", "z"]),
    ]),
]  # fmt: skip
QUERIES = {
    "Patient": [
        {},
        {"PatientName": "DOE*"},
        {"PatientSex": "M"},
        {"PatientID": "P2"},
        {"PatientWeight": "70"},
        {"PatientSex": "M", "PatientWeight": "80"},
    ],
    "Study": [
        {},
        {"StudyDescription": "*HEAD*"},
        {"PatientName": "DOE^JOHN"},
        {"PatientSex": "F", "StudyDescription": "MR*"},
        {"InstitutionName": "CLINIC B"},
        {"PatientWeight": "80"},
    ],
    "Series": [
        {},
        {"Modality": "MR"},
        {"SeriesDescription": "AX*"},
        {"Modality": "CT", "PatientName": "ROE*"},
        {"KVP": "120"},
        {"SliceThickness": "2.5"},
    ],
    "Instance": [
        {},
        {"InstanceNumber": "2"},
        {"Modality": "CT", "InstanceNumber": "1"},
        {"ImageComments": "keep*"},
        {"KVP": "100"},
        {"SliceThickness": "5"},
        {"InstitutionName": "CLINIC A", "ImageComments": "*e*"},
    ],
}


def known_set(directory):
    """Write the known set as DICOM files (CT_small.dcm and MR_small.dcm with new identities); return paths."""
    templates = {"CT": dcmread(get_testdata_file("CT_small.dcm")), "MR": dcmread(get_testdata_file("MR_small.dcm"))}
    paths = []
    for patient, name, sex, weight, study_description, institution, series_list in KNOWN_SET:
        study = generate_uid()
        for modality, series_description, kvp, thickness, comments in series_list:
            series = generate_uid()
            for number, comment in enumerate(comments, start=1):
                ds = templates[modality].copy()
                ds.PatientID, ds.PatientName, ds.PatientSex, ds.PatientWeight = patient, name, sex, weight
                ds.StudyInstanceUID, ds.StudyDescription, ds.InstitutionName = study, study_description, institution
                ds.SeriesInstanceUID, ds.SeriesDescription, ds.Modality = series, series_description, modality
                ds.SliceThickness, ds.ImageComments, ds.InstanceNumber = thickness, comment, number
                if kvp:
                    ds.KVP = kvp
                elif "KVP" in ds:
                    del ds.KVP
                ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
                path = directory / f"{len(paths):03d}.dcm"
                ds.save_as(path, enforce_file_format=True)
                paths.append(path)
    return paths


def start_orthanc(host, name, port, config, dicom_port=None):
    """The deployed server's image, started on `host` with only `config`; its REST API as user "stock"."""
    image = run(["docker", "exec", host, "docker", "inspect", "-f", "{{.Config.Image}}", "orthanc-orthanc-1"])
    password = uuid.uuid4().hex
    config = {**config, "RegisteredUsers": {"stock": password}}
    path = f"/opt/{name}.json"
    run(["docker", "exec", host, "docker", "rm", "-f", name], check=False)
    run(
        ["docker", "exec", "-i", host, "sh", "-c", f"umask 077; cat > {path}; chown 999 {path}"],
        input=json.dumps(config),
    )
    ports = ["-p", f"{port}:8042"] + (["-p", f"{dicom_port}:4242"] if dicom_port else [])
    run(["docker", "exec", host, "docker", "run", "-d", "--name", name, *ports,
         "-v", f"{path}:/etc/orthanc/orthanc.json:ro", image.stdout.strip()])  # fmt: skip
    server = Rest(host, port, "stock", password)
    server.wait()
    return server


def stop_orthanc(host, name):
    run(["docker", "exec", host, "docker", "rm", "-f", name], check=False)
    run(["docker", "exec", host, "rm", "-f", f"/opt/{name}.json"], check=False)


@pytest.fixture(scope="module")
def servers(converged_lab, tmp_path_factory):
    host = SERVERS[0]
    try:
        # Orthanc's built-in defaults for everything but reachability and the image's storage paths.
        stock = start_orthanc(host, STOCK, STOCK_PORT, STOCK_CONFIG)
        deployed = Rest(host)
        files = known_set(tmp_path_factory.mktemp("known-set"))
        for server in (deployed, stock):
            for path in files:
                server.json("/instances", "POST", path.read_bytes())
        yield deployed, stock, files
    finally:
        stop_orthanc(host, STOCK)


def query_cases():
    return [(level, query) for level, queries in QUERIES.items() for query in queries]


_KNOWN = {}


def known_ids(server, level, files):
    """IDs of the known set's resources at `level` (Orthanc IDs are hashes of the UIDs: equal on both servers)."""
    key = (server.base, level)
    if key not in _KNOWN:
        ids = set()
        for path in files:
            ds = dcmread(path, stop_before_pixels=True)
            (hit,) = server.json(
                "/tools/find", "POST", {"Level": "Instance", "Query": {"SOPInstanceUID": ds.SOPInstanceUID}}
            )
            instance = server.json(f"/instances/{hit}")
            series = server.json(f"/series/{instance['ParentSeries']}")
            study = server.json(f"/studies/{series['ParentStudy']}")
            ids.add(
                {"Instance": hit, "Series": series["ID"], "Study": study["ID"], "Patient": study["ParentPatient"]}[
                    level
                ]
            )
        _KNOWN[key] = ids
    return _KNOWN[key]


@pytest.mark.parametrize(("level", "query"), query_cases(), ids=lambda v: v if isinstance(v, str) else json.dumps(v))
def test_find_answers_equal_a_stock_orthancs(servers, level, query):
    deployed, stock, files = servers
    known = known_ids(stock, level, files)
    assert known == known_ids(deployed, level, files), "the same files must give the same Orthanc IDs"
    expected = sorted(set(stock.json("/tools/find", "POST", {"Level": level, "Query": query})) & known)
    got = sorted(set(deployed.json("/tools/find", "POST", {"Level": level, "Query": query})) & known)
    assert got == expected, f"{level} {query}: deployed answers {len(got)}, stock Orthanc {len(expected)}"
    if query:
        # Every query selects something and not everything: the comparison says something.
        assert 0 < len(expected) < len(known), (level, query, expected)


def c_find_study_answers(host, port):
    """Study-level C-FIND for every study: (number of matches answered, final status)."""
    ae = AE(ae_title="FINDSCU")
    ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
    assoc = ae.associate(address(host), port, ae_title="ORTHANC")
    assert assoc.is_established
    try:
        query = Dataset()
        query.QueryRetrieveLevel, query.StudyInstanceUID = "STUDY", ""
        statuses = [int(s.Status) for s, _i in assoc.send_c_find(query, StudyRootQueryRetrieveInformationModelFind)]
    finally:
        assoc.release()
    return sum(1 for status in statuses if status in (0xFF00, 0xFF01)), statuses[-1]


def test_find_limits_cap_rest_finds_too_so_they_stay_off(converged_lab, tmp_path):
    """Why orthanc_limit_find_results / orthanc_limit_find_instances default to 0 (Orthanc's own): the same
    image with LimitFindResults and LimitFindInstances set caps a C-FIND, which still ends in Success, and
    /tools/find as well, even when the request asks for more. A nonzero default would change REST answers."""
    host = SERVERS[0]
    config = {**STOCK_CONFIG, "DicomAlwaysAllowFind": True, "LimitFindResults": 5, "LimitFindInstances": 5}
    try:
        limited = start_orthanc(host, LIMITED, LIMITED_PORT, config, dicom_port=LIMITED_DICOM)
        for index in range(8):  # eight studies of one instance each
            for path in fresh_instances(tmp_path / str(index), 1).values():
                limited.json("/instances", "POST", path.read_bytes())
        assert len(limited.json("/studies")) == 8
        assert c_find_study_answers(host, LIMITED_DICOM) == (5, 0x0000)
        for level in ("Study", "Instance"):
            for extra in ({}, {"Limit": 100}):
                found = limited.json("/tools/find", "POST", {"Level": level, "Query": {}, **extra})
                assert len(found) == 5, (level, extra, len(found))
    finally:
        stop_orthanc(host, LIMITED)
