# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one Orthanc REST client every module of pacs.orthanc uses.

Stdlib plus ansible.module_utils only: modules run on the managed hosts.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import ssl
import time
from http.client import HTTPException
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlparse, urlsplit

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.urls import ConnectionError as UrlsConnectionError
from ansible.module_utils.urls import Request

try:
    from ansible.module_utils.urls import make_context
except ImportError:  # older ansible-core: urls builds a context per request
    make_context = None

DEFAULT_URL = "http://127.0.0.1:8042"

# Connection options shared by every module; the doc fragment pacs.orthanc.orthanc documents them.
ORTHANC_ARGUMENT_SPEC = dict(
    url=dict(type="str", default=DEFAULT_URL, fallback=(env_fallback, ["ORTHANC_URL"])),
    username=dict(type="str", fallback=(env_fallback, ["ORTHANC_USERNAME"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["ORTHANC_PASSWORD"])),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path", fallback=(env_fallback, ["ORTHANC_CA_PATH"])),
    timeout=dict(type="int", default=30),
    startup_timeout=dict(type="int", default=30),
)

# Statuses that mean "ask again in a moment": Orthanc answers 503 while its database is not available
# (starting, or PostgreSQL restarting); a reverse proxy in front of a starting Orthanc answers 502/504.
RETRY_STATUSES = (502, 503, 504)


def http_open(url, method, context=None, **kwargs):
    """The HTTP boundary: one request through ansible.module_utils.urls (unit tests replace this function).

    ``context`` is the client's TLS context, built once: left to urls, every request would build one and
    load the system CA store again (about 50 ms per request, measured; 100 writes took 5 s instead of 1 s).
    """
    return Request().open(method, url, context=context, **kwargs)


def tls_peer_certificate(host, port, context, timeout):
    """The TLS boundary: the certificate a server presents, as ssl.getpeercert() parses it after validation."""
    with (
        socket.create_connection((host, port), timeout=timeout) as sock,
        context.wrap_socket(sock, server_hostname=host) as tls,
    ):
        return tls.getpeercert()


def _sleep(seconds):
    time.sleep(seconds)


def _now():
    return time.monotonic()


def orthanc_argument_spec(**extra):
    """The connection options, extended with a module's own options."""
    spec = dict((key, dict(value)) for key, value in ORTHANC_ARGUMENT_SPEC.items())
    spec.update(extra)
    return spec


def connection_problems(params):
    """Why the connection options cannot work, as messages naming each option (empty = usable)."""
    problems = []
    url = params.get("url")
    url = DEFAULT_URL if url is None else url
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError when out of range or not a number
        if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
            raise ValueError(url)
        del port
    except ValueError:
        problems.append(
            "url must be an http:// or https:// URL with a host (an IPv6 address in brackets, a port from 1 to "
            "65535), e.g. http://127.0.0.1:8042 or http://[::1]:8042, got %r" % (url,)
        )
    timeout = params.get("timeout")
    if timeout is not None and timeout < 1:
        problems.append("timeout must be at least 1 second, got %d" % timeout)
    startup_timeout = params.get("startup_timeout")
    if startup_timeout is not None and startup_timeout < 0:
        problems.append("startup_timeout must be 0 or more seconds, got %d" % startup_timeout)
    return problems


class OrthancError(Exception):
    """A request that failed: names the request, the HTTP status and Orthanc's own message."""

    def __init__(self, msg, method=None, url=None, status=None, orthanc=None):
        super(OrthancError, self).__init__(msg)
        self.msg = msg
        self.method = method
        self.url = url
        self.status = status
        self.orthanc = orthanc or {}

    def __str__(self):
        return self.msg


def orthanc_message(body):
    """Orthanc's error document in one line: 'Message (Details)', or the raw text when not JSON."""
    if isinstance(body, dict):
        message = body.get("OrthancError") or body.get("Message") or ""
        details = body.get("Details")
        if details and details != message:
            return "%s (%s)" % (message, details) if message else details
        return message
    if body:
        text = body if isinstance(body, str) else repr(body)
        return text.strip()[:300]
    return ""


def _decode(raw):
    if raw is None:
        return None
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", "replace")
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _is_transient(exc):
    """True for failures that mean Orthanc is not (yet) listening, as opposed to a timeout or a TLS error."""
    reason = getattr(exc, "reason", exc)
    return isinstance(reason, (ConnectionRefusedError, ConnectionResetError, ConnectionAbortedError))


class OrthancClient:
    """HTTP Basic, JSON in and out, bounded retry while Orthanc starts, errors that say what failed."""

    def __init__(
        self,
        url=DEFAULT_URL,
        username=None,
        password=None,
        validate_certs=True,
        timeout=30,
        startup_timeout=30,
        ca_path=None,
        opener=None,
        sleep=None,
        clock=None,
    ):
        self.base_url = (url or DEFAULT_URL).rstrip("/")
        self.username = username
        self.password = password
        self.validate_certs = validate_certs
        # An empty string (a role passing "no CA") means the system's trust store.
        self.ca_path = ca_path or None
        self.timeout = timeout
        self.startup_timeout = max(0, startup_timeout or 0)
        # http_open is looked up at call time so tests can patch it at the HTTP boundary.
        self._opener = opener
        self._context = None
        self._sleep = sleep or _sleep
        self._clock = clock or _now
        self.requests = 0

    @classmethod
    def from_module(cls, module):
        """The client for a module's connection options; fails the module (no traceback) when they are unusable."""
        p = module.params
        problems = connection_problems(p)
        if problems:
            module.fail_json(msg="; ".join(problems))
        return cls(
            url=p["url"],
            username=p["username"],
            password=p["password"],
            validate_certs=p["validate_certs"],
            timeout=p["timeout"],
            startup_timeout=p["startup_timeout"],
            ca_path=p.get("ca_path"),
        )

    # -- one request ---------------------------------------------------------------------------------
    def _tls_context(self):
        """One TLS context for all requests of this client (None: let urls build its own)."""
        if self._context is None and make_context is not None:
            if self.base_url.lower().startswith("https:"):
                self._context = make_context(cafile=self.ca_path, validate_certs=self.validate_certs)
            else:
                # Plain HTTP and redirects off: the context is never used, only spares urls building one.
                self._context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        return self._context

    def _open(self, method, url, data, headers, timeout):
        opener = self._opener or http_open
        return opener(
            url,
            method=method,
            context=self._tls_context(),
            data=data,
            headers=headers,
            timeout=timeout,
            validate_certs=self.validate_certs,
            url_username=self.username,
            url_password=self.password,
            # Send the credentials with the first request: without this urllib sends every request twice
            # (401, then again with the header).
            force_basic_auth=bool(self.username),
            follow_redirects="none",
            use_netrc=False,
        )

    def request(self, method, path, body=None, accept_errors=(), timeout=None, retry_for=None):
        """Send one request and return (status, decoded JSON or text or None).

        accept_errors: statuses returned to the caller instead of raised (404 turns "does it exist?" into one
        call). timeout: seconds for this request (default: the client's). retry_for: seconds to keep retrying
        while Orthanc is not listening or answers 502/503/504 (default: startup_timeout).
        """
        url = self.base_url + path
        data = None
        headers = {"Accept": "application/json"}
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        timeout = self.timeout if timeout is None else timeout
        retry_for = self.startup_timeout if retry_for is None else retry_for
        deadline = self._clock() + retry_for
        delay = 0.5
        while True:
            self.requests += 1
            try:
                response = self._open(method, url, data, headers, timeout)
                status = getattr(response, "status", None) or response.getcode()
                return status, _decode(response.read())
            except HTTPError as exc:
                status = exc.code
                try:
                    answer = _decode(exc.read())
                except Exception:  # an unreadable error body must not hide the status
                    answer = None
                if status in accept_errors:
                    return status, answer
                if status in RETRY_STATUSES and self._clock() + delay <= deadline:
                    self._sleep(delay)
                    delay = min(delay * 2, 5)
                    continue
                raise self._http_error(method, url, status, exc.reason, answer, retry_for) from None
            except (socket.timeout, TimeoutError) as exc:
                raise OrthancError(
                    "%s %s: no answer within %s s (%s)" % (method, url, timeout, exc), method=method, url=url
                ) from None
            except (URLError, HTTPException, OSError) as exc:
                if _is_transient(exc) and self._clock() + delay <= deadline:
                    self._sleep(delay)
                    delay = min(delay * 2, 5)
                    continue
                reason = getattr(exc, "reason", exc)
                if isinstance(reason, (socket.timeout, TimeoutError)):
                    raise OrthancError(
                        "%s %s: no answer within %s s (%s)" % (method, url, timeout, reason), method=method, url=url
                    ) from None
                waited = " (retried for %s s)" % retry_for if _is_transient(exc) and retry_for else ""
                raise OrthancError(
                    "%s %s: cannot reach Orthanc%s: %s" % (method, url, waited, reason), method=method, url=url
                ) from None
            except UrlsConnectionError as exc:  # TLS validation and proxy failures from ansible's urls
                raise OrthancError(
                    "%s %s: cannot reach Orthanc: %s" % (method, url, exc), method=method, url=url
                ) from None

    def _http_error(self, method, url, status, reason, answer, retry_for):
        msg = "%s %s failed: HTTP %s %s" % (method, url, status, reason or "")
        msg = msg.rstrip()
        detail = orthanc_message(answer)
        if detail:
            msg += " - Orthanc: %s" % detail
        if status == 401:
            msg += " - check username and password (ORTHANC_USERNAME / ORTHANC_PASSWORD)"
        elif status == 403:
            msg += " - Orthanc refused the request (RemoteAccessAllowed, or a disabled REST feature)"
        elif status in RETRY_STATUSES and retry_for:
            msg += " (still failing after retrying for %s s)" % retry_for
        return OrthancError(msg, method=method, url=url, status=status, orthanc=answer)

    def server_certificate(self):
        """Expiry and names of the certificate the server presents: None for plain HTTP.

        Returns a dict with not_after (ISO 8601, UTC), days_left, subject and issuer (common names), or None
        values when validate_certs is false (Python only parses a certificate it has validated).
        """
        parsed = urlparse(self.base_url)
        if parsed.scheme.lower() != "https":
            return None
        context = self._tls_context() or ssl.create_default_context(cafile=self.ca_path)
        try:
            cert = tls_peer_certificate(parsed.hostname, parsed.port or 443, context, self.timeout)
        except (OSError, ssl.SSLError) as exc:
            raise OrthancError("TLS handshake with %s failed: %s" % (self.base_url, exc), url=self.base_url) from None
        if not cert or "notAfter" not in cert:
            return dict(not_after=None, days_left=None, subject=None, issuer=None)
        expires = ssl.cert_time_to_seconds(cert["notAfter"])
        return dict(
            not_after=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(expires)),
            days_left=int((expires - time.time()) // 86400),
            subject=_common_name(cert.get("subject")),
            issuer=_common_name(cert.get("issuer")),
        )

    # -- shorthands ----------------------------------------------------------------------------------
    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def put(self, path, body, **kwargs):
        return self.request("PUT", path, body=body, **kwargs)

    def post(self, path, body, **kwargs):
        return self.request("POST", path, body=body, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


def _common_name(name):
    """The commonName of a name as ssl.getpeercert() returns it (tuples of (key, value) pairs)."""
    for rdn in name or ():
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


def quote_name(name):
    """A modality/peer name as one URL path segment."""
    return quote(name, safe="")
