"""DICOM least privilege, over real associations from the controller (outside every lab host).

- A gateway's AE title (a fleet gateway's, and the server's local gateway's) may C-ECHO the server but neither
  C-FIND, C-MOVE nor C-GET it: whoever guesses GW_<HOST> cannot query or retrieve the archive. The lab's sender
  (LABSCU, registered with Orthanc's default rights) does the same queries successfully, so the refusals are
  the registrations' rights, not an unknown AE title.
- The local gateway still forwards what it receives.
- With orthanc_dicom_check_modality_host on (the gateway-only host, whose registrations are all addresses), a
  registered AE title calling from another address is refused, while the sender from its registered address
  is accepted.
"""

import json

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

from tests.conftest import run
from tests.dicom import SENDER_AET, fresh_instances, store
from tests.integration.conftest import GATEWAY_ONLY, INVENTORY, SERVERS
from tests.integration.test_site_gateway import GATEWAY_DICOM, SERVER_HTTP, address, remote, wait_for

SERVER = SERVERS[0]
SERVER_DICOM = 4242
SUCCESS, PENDING = {0x0000}, {0xFF00, 0xFF01}


def aet(host, gateway=False):
    return ("GW_" if gateway else "") + host.upper().replace("-", "_")


def query():
    """A study no archive holds: the allowed requests end in success with nothing to send (a C-MOVE to the
    sender's registered address, where nothing listens, would otherwise fail for another reason)."""
    ds = Dataset()
    ds.QueryRetrieveLevel = "STUDY"
    ds.StudyInstanceUID = generate_uid()
    return ds


def statuses(host, port, called, calling, operation):
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
    assoc = ae.associate(address(host), port, ae_title=called, ext_neg=[build_role(CTImageStorage, scp_role=True)])
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


def refused(result):
    return result is None or not (set(result) & (SUCCESS | PENDING))


def test_gateway_ae_titles_may_store_and_echo_but_not_query_or_retrieve(converged_lab):
    for calling in (aet(GATEWAY_ONLY[0], gateway=True), aet(SERVER, gateway=True)):
        assert statuses(SERVER, SERVER_DICOM, aet(SERVER), calling, "echo") == [0], calling
        for operation in ("find", "move", "get"):
            result = statuses(SERVER, SERVER_DICOM, aet(SERVER), calling, operation)
            assert refused(result), f"{calling} got {operation} statuses {result}"
    # The control: with the sender's rights the same requests are processed and answered (C-FIND success;
    # C-MOVE and C-GET of a study nobody holds end in a failure status of their own), where the gateways'
    # requests got no answer at all (Orthanc aborts the association).
    assert statuses(SERVER, SERVER_DICOM, aet(SERVER), SENDER_AET, "find") == [0]
    for operation in ("move", "get"):
        result = statuses(SERVER, SERVER_DICOM, aet(SERVER), SENDER_AET, operation)
        assert result, f"{SENDER_AET} {operation}: no answer"


def test_the_local_gateway_still_forwards(converged_lab, tmp_path):
    files = fresh_instances(tmp_path, 1)
    sent = store(files.values(), address(SERVER), GATEWAY_DICOM, aet(SERVER, gateway=True))
    assert list(sent.values()) == [0], sent
    uid = next(iter(files))

    def arrived():
        found = remote(
            SERVER, SERVER_HTTP, ["POST", "/tools/find", {"Level": "Instance", "Query": {"SOPInstanceUID": uid}}]
        )
        return found or None

    wait_for("the instance forwarded to the server", arrived, timeout=180)


def test_host_checking_refuses_a_registered_ae_title_from_another_address(converged_lab):
    host = GATEWAY_ONLY[0]
    # The gateway-only host needs its server in the play (site.yml computes the fleet); host checking is turned
    # on for the gateway only (templated per host), the server keeps its local gateway.
    site = ["ansible-playbook", *INVENTORY, "site.yml", "--limit", f"{host},{SERVER}"]
    only_there = json.dumps({"orthanc_dicom_check_modality_host": "{{ inventory_hostname == '%s' }}" % host})
    run([*site, "-e", only_there], timeout=1800)
    try:
        # The gateway's "server" registration names the server's address; the controller is not it.
        assert statuses(host, GATEWAY_DICOM, aet(host, gateway=True), aet(SERVER), "echo") is None
        # The sender's registration names the controller's address (the lab network's gateway).
        assert statuses(host, GATEWAY_DICOM, aet(host, gateway=True), SENDER_AET, "echo") == [0]
    finally:
        run(site, timeout=1800)
    # With host checking off again, the same AE title from the same address is accepted (echo right only).
    assert statuses(host, GATEWAY_DICOM, aet(host, gateway=True), aet(SERVER), "echo") == [0]
