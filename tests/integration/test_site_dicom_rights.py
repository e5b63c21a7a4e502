"""DICOM least privilege and host checking, over real associations.

Host checking (orthanc_dicom_check_modality_host) is on by default, on servers and gateways: a registered AE
title is accepted only from its registered address. The registrations the role and site.yml generate carry
addresses: the local gateway and its server know each other by their fixed addresses on the project's DICOM
network (orthanc_dicom_subnet), fleet gateways and servers by each host's address.

- A gateway's AE title from anywhere but its own address (here: the controller) is refused outright, for the
  fleet gateway and for the server's local gateway alike.
- From the fleet gateway's own host (the address the server sees for it: published ports are forwarded by
  iptables, which keeps the source address) its AE title may C-ECHO the server but neither C-FIND, C-MOVE nor
  C-GET it: whoever guesses GW_<HOST> cannot query or retrieve the archive. The lab's sender (LABSCU,
  registered with Orthanc's default rights at the controller's address) does the same queries successfully, so
  the refusals are the registrations' rights, not an unknown AE title.
- The gateway-only host refuses its server's AE title from the controller and accepts it from the server's host.
- The local gateway still forwards what it receives (it calls its server from its fixed address).
"""

from tests.dicom import SENDER_AET, fresh_instances, store
from tests.integration.conftest import GATEWAY_ONLY, SERVERS
from tests.integration.dicom_ops import remote_statuses, statuses
from tests.integration.test_site_gateway import GATEWAY_DICOM, SERVER_HTTP, address, remote, wait_for

SERVER = SERVERS[0]
SERVER_DICOM = 4242
SUCCESS, PENDING = {0x0000}, {0xFF00, 0xFF01}


def aet(host, gateway=False):
    return ("GW_" if gateway else "") + host.upper().replace("-", "_")


def refused(result):
    return result is None or not (set(result) & (SUCCESS | PENDING))


def test_gateway_ae_titles_may_store_and_echo_but_not_query_or_retrieve(converged_lab):
    gateway_host = GATEWAY_ONLY[0]
    # From anywhere but their registered addresses, the gateways' AE titles get no association at all.
    for calling in (aet(gateway_host, gateway=True), aet(SERVER, gateway=True)):
        assert statuses(address(SERVER), SERVER_DICOM, aet(SERVER), calling, "echo") is None, calling
    # From the fleet gateway's own address: echo, and nothing else.
    calling = aet(gateway_host, gateway=True)
    target = (gateway_host, address(SERVER), SERVER_DICOM, aet(SERVER), calling)
    assert remote_statuses(*target, "echo") == [0]
    for operation in ("find", "move", "get"):
        result = remote_statuses(*target, operation)
        assert refused(result), f"{calling} got {operation} statuses {result}"
    # The control: with the sender's rights the same requests are processed and answered (C-FIND success;
    # C-MOVE and C-GET of a study nobody holds end in a failure status of their own), where the gateway's
    # requests got no answer at all (Orthanc aborts the association).
    assert statuses(address(SERVER), SERVER_DICOM, aet(SERVER), SENDER_AET, "find") == [0]
    for operation in ("move", "get"):
        result = statuses(address(SERVER), SERVER_DICOM, aet(SERVER), SENDER_AET, operation)
        assert result, f"{SENDER_AET} {operation}: no answer"


def test_host_checking_refuses_a_registered_ae_title_from_another_address(converged_lab):
    host = GATEWAY_ONLY[0]
    # The gateway's "server" registration names the server host's address; the controller is not it.
    assert statuses(address(host), GATEWAY_DICOM, aet(host, gateway=True), aet(SERVER), "echo") is None
    # The sender's registration names the controller's address (the lab network's gateway).
    assert statuses(address(host), GATEWAY_DICOM, aet(host, gateway=True), SENDER_AET, "echo") == [0]
    # The same AE title from the server's host is accepted (echo right only).
    assert remote_statuses(SERVER, address(host), GATEWAY_DICOM, aet(host, gateway=True), aet(SERVER), "echo") == [0]


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
