# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backlog of a store-and-forward gateway, read through its REST API.

The gateway's forwarding script (roles/orthanc/templates/forward.lua.j2) labels the instances the server
confirmed and the gateway keeps with ``<prefix><UTC date>``; every other instance it holds is pending.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import calendar
import time

DEFAULT_LABEL_PREFIX = "forwarded-"
# Orthanc writes ReceptionDate as local time of the Orthanc process; containers run in UTC.
RECEPTION_FORMAT = "%Y%m%dT%H%M%S"
OLDEST_FIRST = [{"Type": "Metadata", "Key": "ReceptionDate", "Direction": "ASC"}]
STORE_JOB_TYPE = "DicomModalityStore"


def _utcnow():
    return time.time()


def forwarded_labels(labels, prefix):
    return sorted(label for label in labels or [] if isinstance(label, str) and label.startswith(prefix))


def instance_query(labels, constraint):
    """A /tools/find body over every instance, restricted by labels when there are any."""
    query = {"Level": "Instance", "Query": {}}
    if labels:
        query.update(Labels=labels, LabelsConstraint=constraint)
    return query


def parse_reception_date(value):
    """Seconds since the epoch for Orthanc's ReceptionDate ('20261130T235431'), None if unreadable."""
    try:
        return calendar.timegm(time.strptime(str(value).strip(), RECEPTION_FORMAT))
    except ValueError:
        return None


def last_store_job(jobs):
    """The newest job that sends to a modality, as {id, state, error, completed}; None without one."""
    stores = [job for job in jobs or [] if isinstance(job, dict) and job.get("Type") == STORE_JOB_TYPE]
    if not stores:
        return None
    newest = max(stores, key=lambda job: job.get("CreationTime") or "")
    error = None
    if newest.get("State") == "Failure":
        error = ": ".join(str(part) for part in (newest.get("ErrorDescription"), newest.get("ErrorDetails")) if part)
    return dict(
        id=newest.get("ID"),
        state=newest.get("State"),
        error=error or None,
        completed=newest.get("CompletionTime"),
    )


def backlog(client, prefix=DEFAULT_LABEL_PREFIX, now=None):
    """Pending and kept instance counts, the oldest pending instance and the last store job."""
    now = _utcnow() if now is None else now
    _status, labels = client.get("/tools/labels")
    labels = forwarded_labels(labels, prefix)
    _status, answer = client.post("/tools/count-resources", instance_query(labels, "None"))
    pending = int(answer["Count"])
    kept = 0
    if labels:
        _status, answer = client.post("/tools/count-resources", instance_query(labels, "Any"))
        kept = int(answer["Count"])
    oldest = None
    if pending:
        query = dict(instance_query(labels, "None"), Limit=1, OrderBy=OLDEST_FIRST)
        _status, ids = client.post("/tools/find", query)
        if ids:
            _status, received = client.get("/instances/%s/metadata/ReceptionDate" % ids[0], accept_errors=(404,))
            seconds = parse_reception_date(received) if _status == 200 else None
            oldest = dict(
                id=ids[0],
                received=received if seconds is not None else None,
                age=max(0, int(now - seconds)) if seconds is not None else None,
            )
    _status, statistics = client.get("/statistics")
    _status, jobs = client.get("/jobs?expand")
    return dict(
        pending=pending,
        kept=kept,
        oldest_pending=oldest,
        storage_mb=int(statistics.get("TotalDiskSizeMB", 0)) if isinstance(statistics, dict) else None,
        last_store_job=last_store_job(jobs),
    )
