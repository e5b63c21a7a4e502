"""Real DICOM material and a real DICOM sender for the tests and benchmarks.

Instances are copies of pydicom's CT_small.dcm with fresh study, series and SOP instance UIDs, so every run
sends data no Orthanc has seen; pynetdicom sends them over real associations.
"""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from pydicom import dcmread
from pydicom.data import get_testdata_file
from pydicom.uid import CTImageStorage, generate_uid
from pynetdicom import AE

SENDER_AET = "LABSCU"
TRAILING_PADDING = (0xFFFC, 0xFFFC)


def fresh_instances(directory, count, template="CT_small.dcm"):
    """Write `count` instances of one new series into `directory`; return {SOPInstanceUID: path}."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    source = dcmread(get_testdata_file(template))
    # CT_small.dcm ends with DataSetTrailingPadding, which DCMTK (so Orthanc) drops when it sends a dataset:
    # without it, the copy a gateway holds and the copy its server receives are the same bytes.
    if TRAILING_PADDING in source:
        del source[TRAILING_PADDING]
    study, series = generate_uid(), generate_uid()
    out = {}
    for number in range(1, count + 1):
        ds = source.copy()
        ds.StudyInstanceUID, ds.SeriesInstanceUID = study, series
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
        ds.InstanceNumber = number
        path = directory / f"{series}-{number:05d}.dcm"
        ds.save_as(path, enforce_file_format=True)
        out[ds.SOPInstanceUID] = path
    return out


def store(paths, address, port, called_aet, calling_aet=SENDER_AET, associations=1):
    """C-STORE every file; return {SOPInstanceUID: DICOM status (int), or None when not sent}.

    Files are split evenly over `associations` parallel associations, each sending its share in order.
    """
    paths = list(paths)
    shares = [paths[i::associations] for i in range(associations)]

    def send(share):
        ae = AE(ae_title=calling_aet)
        ae.add_requested_context(CTImageStorage)
        statuses = {}
        datasets = [dcmread(p) for p in share]
        assoc = ae.associate(address, port, ae_title=called_aet)
        if not assoc.is_established:
            return {ds.SOPInstanceUID: None for ds in datasets}
        try:
            for ds in datasets:
                answer = assoc.send_c_store(ds)
                statuses[ds.SOPInstanceUID] = int(answer.Status) if "Status" in answer else None
        finally:
            assoc.release()
        return statuses

    results = {}
    with ThreadPoolExecutor(max_workers=associations) as pool:
        for statuses in pool.map(send, shares):
            results.update(statuses)
    return results
