"""One DICOM operation over a real association, and the statuses it got. Used from the controller and, as a
script (`python3 - CALL`), from inside a lab host, so that a request comes from that host's own address (the
address the fleet registers it under): `remote_statuses` copies pydicom and pynetdicom (pure Python) there.
"""

import json
import subprocess
from pathlib import Path

from pydicom.dataset import Dataset
from pydicom.uid import generate_uid
from pynetdicom import AE, build_role
from pynetdicom.sop_class import (
    CTImageStorage,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    Verification,
)

# Where remote_statuses puts the libraries inside a lab host.
REMOTE_LIBS = "/tmp/pacs-test-pylib"  # noqa: S108 - a lab host's own tmpfs


def query():
    """A study no archive holds: the allowed requests end in success with nothing to send (a C-MOVE to the
    sender's registered address, where nothing listens, would otherwise fail for another reason)."""
    ds = Dataset()
    ds.QueryRetrieveLevel = "STUDY"
    ds.StudyInstanceUID = generate_uid()
    return ds


def statuses(address, port, called, calling, operation):
    """The DICOM statuses one operation got, or None when the association (or its context) was refused."""
    ae = AE(ae_title=calling)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 30
    for context in (
        Verification,
        StudyRootQueryRetrieveInformationModelFind,
        StudyRootQueryRetrieveInformationModelMove,
        StudyRootQueryRetrieveInformationModelGet,
        CTImageStorage,
    ):
        ae.add_requested_context(context)
    assoc = ae.associate(address, port, ae_title=called, ext_neg=[build_role(CTImageStorage, scp_role=True)])
    if not assoc.is_established:
        return None
    try:
        if operation == "echo":
            answers = [(assoc.send_c_echo(), None)]
        elif operation == "find":
            answers = list(assoc.send_c_find(query(), StudyRootQueryRetrieveInformationModelFind))
        elif operation == "move":
            answers = list(assoc.send_c_move(query(), calling, StudyRootQueryRetrieveInformationModelMove))
        else:
            answers = list(assoc.send_c_get(query(), StudyRootQueryRetrieveInformationModelGet))
    except (RuntimeError, ValueError):  # pynetdicom: no accepted presentation context for the request
        return None
    finally:
        if assoc.is_established:
            assoc.release()
    return [int(status.Status) for status, _identifier in answers if status and "Status" in status]


def remote_statuses(host, address, port, called, calling, operation):
    """statuses() run inside the lab host `host` (its own address is the caller's)."""
    import pydicom
    import pynetdicom

    check = subprocess.run(["docker", "exec", host, "test", "-d", f"{REMOTE_LIBS}/pynetdicom"], check=False)
    if check.returncode != 0:
        # A tar stream through docker exec: docker cp cannot write into the host's /tmp (a tmpfs mount). The
        # packages' metadata too: they read their own version with importlib.metadata.
        for package in (pydicom, pynetdicom):
            source = Path(package.__file__).parent
            metadata = [path.name for path in source.parent.glob(f"{source.name}-*.dist-info")]
            packed = subprocess.run(
                ["tar", "-C", str(source.parent), "-c", "--exclude=__pycache__", source.name, *metadata],
                check=True,
                capture_output=True,
            ).stdout
            unpack = f"mkdir -p {REMOTE_LIBS} && tar -C {REMOTE_LIBS} -x"
            subprocess.run(["docker", "exec", "-i", host, "sh", "-c", unpack], input=packed, check=True)
    script = Path(__file__).read_text() + "\nimport sys\nprint(json.dumps(statuses(*json.loads(sys.argv[1]))))\n"
    args = json.dumps([address, port, called, calling, operation])
    proc = subprocess.run(
        ["docker", "exec", "-i", "-e", f"PYTHONPATH={REMOTE_LIBS}", host, "python3", "-", args],
        input=script,
        capture_output=True,
        text=True,
        check=True,
        timeout=180,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])
