"""The ingest benchmark's DICOM sender: one file, pydicom and pynetdicom only, so that benchmarks/ingest_bench.py
runs the same code on this machine and inside a lab host (it copies this file and both packages there).

    python3 ingest_sender.py make DIR COUNT PATIENTS PREFIX   # COUNT CT instances over PATIENTS patient ids
    python3 ingest_sender.py send JSON                        # {files|dir, address, port, called, calling,
                                                              #  associations, first, last, tcp}; prints JSON
Instances are copies of pydicom's CT_small.dcm with fresh UIDs; "send" sends files as they are on disk (no
decoding), over N parallel associations (one process each), and reports the wall time, the statuses and its
own CPU time (its processes' included).

tcp (optional) sets TCP options on the sender's sockets: "nodelay" (TCP_NODELAY, no Nagle on what the sender
writes), "quickack" (TCP_QUICKACK, re-armed at every poll: the sender ACKs each segment at once) or
"nodelay+quickack". Orthanc (DCMTK, Nagle left on) writes each C-STORE response in two pieces, 12 bytes then the
rest; Nagle holds the rest until the sender ACKs the 12 bytes, and a Linux sender delays that ACK by about 40 ms:
quickack removes that wait on the sender's side, which a modality's stack (DCMTK storescu included) does not do.
nodelay removes a rarer one: with Nagle on, about one request in ten stalls some 90 ms halfway through.
"""

import json
import multiprocessing
import resource
import socket
import sys
import time
from pathlib import Path

from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.uid import CTImageStorage, generate_uid
from pynetdicom import AE
from pynetdicom.transport import AssociationSocket


def make(directory, count, patients, prefix):
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    source = dcmread(get_testdata_file("CT_small.dcm"))
    per_patient = max(1, count // patients)
    study = series = None
    for number in range(count):
        if number % per_patient == 0:
            study, series = generate_uid(), generate_uid()
        ds = source.copy()
        ds.PatientID = f"{prefix}-{number // per_patient:06d}"
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.InstanceNumber = number % per_patient + 1
        ds.save_as(directory / f"{number:06d}.dcm", enforce_file_format=True)


class TunedSocket(AssociationSocket):
    """pynetdicom's socket with TCP_NODELAY set once, or TCP_QUICKACK re-armed whenever the DUL reactor polls it
    (about every millisecond; the kernel drops back to delayed ACKs by itself)."""

    def __init__(self, assoc, address, tcp):
        self.tcp = tcp  # read by _create_socket, which the parent's __init__ calls
        super().__init__(assoc, address=address)

    def _create_socket(self, address):
        sock = super()._create_socket(address)
        if "nodelay" in self.tcp.split("+"):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock

    @property
    def ready(self):
        if "quickack" in self.tcp.split("+") and self.socket is not None and self._is_connected:
            self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        return super().ready


class TunedAE(AE):
    """An AE whose associations use TunedSocket with the given option (None: pynetdicom as it is)."""

    def __init__(self, ae_title, tcp=None):
        super().__init__(ae_title=ae_title)
        self.tcp = tcp

    def _create_socket(self, assoc, address, tls_args):
        if self.tcp is None:
            return super()._create_socket(assoc, address, tls_args)
        sock = TunedSocket(assoc, address, self.tcp)
        sock.tls_args = tls_args
        return sock


def associate_and_send(spec, share):
    """One association sending its share of the files: {status: count}."""
    statuses = {}
    ae = TunedAE(spec["calling"], spec.get("tcp"))
    ae.add_requested_context(CTImageStorage)
    assoc = ae.associate(spec["address"], spec["port"], ae_title=spec["called"])
    if not assoc.is_established:
        return {"no association": len(share)}
    sent = 0
    try:
        for path in share:
            answer = assoc.send_c_store(path)
            key = str(int(answer.Status)) if "Status" in answer else "none"
            sent += 1
            statuses[key] = statuses.get(key, 0) + 1
    except Exception as error:  # an aborted association: count what it did not send
        statuses[f"not sent: {type(error).__name__}"] = len(share) - sent
    finally:
        assoc.release()
    return statuses


def cpu_seconds():
    return sum(
        r.ru_utime + r.ru_stime for r in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def send(spec):
    files = sorted(str(p) for p in Path(spec["dir"]).glob("*.dcm"))[spec.get("first", 0) : spec.get("last")]
    shares = [files[i :: spec["associations"]] for i in range(spec["associations"])]
    cpu = cpu_seconds()
    start = time.perf_counter()
    if len(shares) == 1:
        results = [associate_and_send(spec, shares[0])]
    else:
        # One process per association, as separate modalities are: threads of one Python process would share its
        # GIL, and the sender, not the server, would set the rate.
        pool = multiprocessing.get_context("fork").Pool(len(shares))
        results = pool.starmap(associate_and_send, [(spec, share) for share in shares])
        pool.close()
        pool.join()  # reaped, so RUSAGE_CHILDREN holds their CPU time
    wall = time.perf_counter() - start
    statuses = {}
    for result in results:
        for key, count in result.items():
            statuses[key] = statuses.get(key, 0) + count
    return {"count": len(files), "wall": wall, "statuses": statuses, "sender_cpu": cpu_seconds() - cpu}


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    else:
        print(json.dumps(send(json.loads(sys.argv[2]))))
