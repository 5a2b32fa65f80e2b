"""Fetching a web page by URL for reading, safely (issue 4, "By URL").

``fetch(url)`` returns the decoded page; ``read_url(url)`` also reads it into an ``ArticleDraft``.
Both are synchronous: the bot calls them from a worker thread, the CLI directly.

What a fetch promises:

- **Only public web pages.** Only ``http``/``https``, no ``user:password@``. Every address the host
  resolves to (IPv4 and IPv6) must be public: private, loopback, link-local, multicast, reserved,
  unspecified, shared (100.64/10), site-local and IPv4 addresses embedded in IPv6 (mapped, NAT64)
  are refused, and so are the cloud metadata names and addresses, which are refused even for an
  allow-listed host. Numeric tricks (``http://2130706433/``, ``http://0x7f.1/``) are caught because
  the check is on what the resolver answers, not on how the host is spelled. Hosts in
  ``allow_hosts`` (``TALKS_FETCH_ALLOW_HOSTS``; names in ASCII, i.e. punycode for IDNs) skip the
  private-address check.
- **Every hop checked.** Redirects are followed by hand, at most ``max_redirects``, and each target
  is checked as above *before* anything connects to it.
- **No DNS rebinding.** The client from ``make_client()`` (the default) connects through a network
  backend that resolves the host, checks every address and then connects to the checked address
  itself, so there is no second lookup an attacker's DNS could answer differently. The URL is
  unchanged, so the ``Host`` header, TLS SNI and certificate verification use the host name. A
  caller-supplied ``client=`` built otherwise gets the per-hop checks but not the pinning (a
  rebinding window of one DNS lookup remains), nor the per-read deadline below.
- **A total time limit.** ``timeout`` bounds the whole fetch, redirects included: DNS lookups are
  waited for at most the time left, and every connect, TLS handshake, read and write is given at
  most the time left, so a server dripping a byte every second cannot hold it longer.
- **A size cap** on the decoded body (``Content-Length`` above the cap is refused before reading;
  otherwise reading stops at the cap). Only gzip and deflate are accepted, so one 64 kB network
  read decompresses to at most about 64 MB before the cap is seen.
- **Web pages only**: ``text/html``, ``application/xhtml+xml`` or ``text/plain``, status 2xx.
- TLS is verified; environment proxies are ignored (they would bypass the address checks).

Every failure is a ``FetchError`` (an ``ArticleError``) with a one-line message for a person.
"""

from __future__ import annotations

import codecs
import contextlib
import ipaddress
import logging
import math
import re
import socket
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx

from knowledge.errors import (
    BlockedAddressError,
    FetchTimeoutError,
    HTTPStatusError,
    NotAWebPageError,
    TooLargeError,
    TooManyRedirectsError,
    UnreachableError,
    UnsafeURLError,
)
from knowledge.ingest.reading import read_article
from knowledge.models import ArticleDraft

__all__ = ["Fetched", "fetch", "is_public_address", "make_client", "read_url"]

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 20.0
DEFAULT_MAX_BYTES = 5_000_000
DEFAULT_MAX_REDIRECTS = 5
MAX_URL_CHARS = 4096

PAGE_TYPES = frozenset({"text/html", "application/xhtml+xml", "text/plain"})
FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/xml",
        "text/xml",
        "application/x-rss+xml",
        "text/html",  # some servers label their feeds so; the parser decides
        "text/plain",
    }
)
_HEADERS = {
    "User-Agent": "Mozilla/5.0 (compatible; talks-bot/0.1; news reader)",
    "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1",
    "Accept-Encoding": "gzip, deflate",  # no brotli/zstd: bounds decompression per read
}
# Cloud instance metadata: AWS/GCP/Azure/OpenStack, AWS over IPv6, ECS tasks, Alibaba.
METADATA_HOSTS = frozenset(
    {"metadata.google.internal", "metadata.goog", "metadata", "instance-data.ec2.internal"}
)
METADATA_ADDRESSES = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "fd00:ec2::254", "169.254.170.2", "100.100.100.200")
)
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT (RFC 6598)
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # IPv4 embedded in IPv6 (RFC 6052)
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.I)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]{0,100}?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)")
# Browsers (WHATWG) read these labels as windows-1252, which differs from Latin-1 in 0x80-0x9F.
_AS_CP1252 = frozenset({"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetched web page: where it ended up and its decoded text."""

    url: str  # the final URL, after redirects
    status: int
    content_type: str  # the media type, lower case, without parameters
    charset: str  # the codec the text was decoded with
    text: str
    length: int  # bytes of body (after gzip/deflate decoding)
    redirects: tuple[str, ...] = ()  # the URLs that redirected, in order
    body: bytes = b""  # the raw bytes (a feed is parsed from these, not from the text)
    etag: str | None = None  # validators for a conditional GET next time
    modified: str | None = None


@dataclass(frozen=True, slots=True)
class _Policy:
    """What the current fetch allows: read by the network backend through ``_POLICY``."""

    allow_hosts: frozenset[str] = frozenset()
    deadline: float = math.inf  # time.monotonic() by which the whole fetch must end
    limit: float = math.inf  # the total time limit, for messages

    def left(self, timeout: float | None, error: type[Exception] | None = None) -> float | None:
        """The smaller of ``timeout`` and the time left.

        When no time is left: ``error`` (httpcore's, inside the transport, so that httpx maps it)
        or else our ``FetchTimeoutError``.
        """
        if self.deadline == math.inf:
            return timeout
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise error("over the total time limit") if error else self.timeout_error()
        return remaining if timeout is None else min(timeout, remaining)

    def timeout_error(self) -> FetchTimeoutError:
        return FetchTimeoutError(
            f"The page took too long to load (the limit is {self.limit:g} s)."
        )


_STRICT = _Policy()  # outside fetch(): no allow-list, no deadline
_POLICY: ContextVar[_Policy | None] = ContextVar("talks_fetch_policy", default=None)


def is_public_address(ip: IPAddress) -> bool:
    """True for an address on the public internet that is not a cloud metadata service."""
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return is_public_address(embedded)
        if ip.is_site_local:
            return False
    elif ip in _SHARED:
        return False
    return ip.is_global and not (
        ip in METADATA_ADDRESSES
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (IPv4-mapped or NAT64), if any."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF) if ip in _NAT64 else None


def _is_metadata(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and _embedded_ipv4(ip) is not None:
        return _embedded_ipv4(ip) in METADATA_ADDRESSES
    return ip in METADATA_ADDRESSES


def _host_key(host: str) -> str:
    """A host as compared with the allow-list: lower case, no brackets or trailing dot."""
    return host.strip().strip("[]").rstrip(".").lower()


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _resolve(host: str, port: int, policy: _Policy) -> list[IPAddress]:
    """Every address of ``host``, looked up within the time left."""
    literal = _literal(_host_key(host))
    if literal is not None:
        return [literal]
    outcome: dict[str, Any] = {}

    def lookup() -> None:
        try:
            outcome["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except Exception as e:  # handed to the caller below
            outcome["error"] = e

    # getaddrinfo has no timeout of its own: wait for it in a thread, at most the time left.
    thread = threading.Thread(target=lookup, name="talks-fetch-dns", daemon=True)
    thread.start()
    thread.join(policy.left(None))
    if thread.is_alive():
        raise policy.timeout_error()
    if "error" in outcome or not outcome.get("infos"):
        cause = outcome.get("error")
        raise UnreachableError("Could not find {host}: no such site.", host=host) from cause
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _name, sockaddr in outcome["infos"]:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])  # drop an IPv6 zone
        if ip not in addresses:
            addresses.append(ip)
    return addresses


def _check_addresses(host: str, addresses: Iterable[IPAddress], policy: _Policy) -> None:
    """Refuse the host if any of its addresses is not public (unless allow-listed)."""
    key = _host_key(host)
    for ip in addresses:
        if _is_metadata(ip):  # refused even for an allow-listed host
            raise BlockedAddressError(f"Refusing to fetch a cloud metadata address ({ip}).")
        if key in policy.allow_hosts or is_public_address(ip):
            continue
        where = f"{ip}" if _literal(key) == ip else f"{host} resolves to {ip}"
        raise BlockedAddressError(f"Refusing to fetch a private address ({where}).")


def _check_url(url: httpx.URL, policy: _Policy) -> None:
    """Refuse a URL we must not fetch, before anything connects to it."""
    if url.scheme not in ("http", "https"):
        if not url.scheme:
            raise UnsafeURLError("This link has no http:// or https:// in front.")
        raise UnsafeURLError(
            f"Only http:// and https:// links can be loaded (this one is {url.scheme}://)."
        )
    if url.userinfo:
        raise UnsafeURLError("Links with a user name or password in them are not fetched.")
    if not url.host:
        raise UnsafeURLError("This link has no site name in it.")
    if _host_key(url.host) in METADATA_HOSTS:
        raise BlockedAddressError(f"Refusing to fetch a cloud metadata address ({url.host}).")
    host = url.raw_host.decode("ascii")
    port = url.port or (443 if url.scheme == "https" else 80)
    _check_addresses(host, _resolve(host, port, policy), policy)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every operation gets at most the time left of the fetch."""

    def __init__(self, stream: httpcore.NetworkStream, policy: _Policy) -> None:
        self._stream = stream
        self._policy = policy

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._policy.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._policy.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: Any,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        stream = self._stream.start_tls(
            ssl_context, server_hostname, self._policy.left(timeout, httpcore.ConnectTimeout)
        )
        return _DeadlineStream(stream, self._policy)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _PinnedBackend(httpcore.NetworkBackend):
    """Resolves and checks the host, then connects to the checked address: nothing to rebind."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        policy = _POLICY.get() or _STRICT
        addresses = _resolve(host, port, policy)
        _check_addresses(host, addresses, policy)
        failure: httpcore.ConnectError | None = None
        for ip in addresses:
            try:
                stream = self._backend.connect_tcp(
                    str(ip),
                    port,
                    timeout=policy.left(timeout, httpcore.ConnectTimeout),
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as e:  # try the host's next address
                failure = e
                continue
            return _DeadlineStream(stream, policy)
        assert failure is not None  # _resolve returns at least one address
        raise failure

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _PinnedTransport(httpx.HTTPTransport):
    """httpx's transport over ``_PinnedBackend`` (httpx has no public way to pass a backend)."""

    def __init__(self) -> None:
        # Verified against certifi's roots (or SSL_CERT_FILE / SSL_CERT_DIR, as httpx does).
        ssl_context = httpx.create_ssl_context()
        super().__init__(verify=ssl_context, retries=0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context, network_backend=_PinnedBackend(), retries=0
        )


def make_client() -> httpx.Client:
    """An httpx client whose connections are checked and pinned (see the module docstring).

    Reusable across ``fetch(..., client=...)`` calls; the allow-list and the deadline are those of
    the ``fetch`` in progress. Close it when done.
    """
    return httpx.Client(
        transport=_PinnedTransport(),
        headers=_HEADERS,
        follow_redirects=False,
        trust_env=False,  # proxies from the environment would bypass the address checks
    )


def fetch(
    url: str,
    *,
    allow_hosts: Iterable[str] = frozenset(),
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    client: httpx.Client | None = None,
    headers: Mapping[str, str] | None = None,
    types: frozenset[str] = PAGE_TYPES,
) -> Fetched:
    """Fetch a public web page (HTML or plain text) within the limits; ``FetchError`` if not.

    ``headers`` are added to the request (e.g. ``If-None-Match`` for a conditional GET: a 304
    comes back as a ``Fetched`` with status 304 and no body); ``types`` are the media types
    accepted (``FEED_TYPES`` for feeds)."""
    policy = _Policy(
        allow_hosts=frozenset(_host_key(h) for h in allow_hosts if h.strip()),
        deadline=time.monotonic() + timeout,
        limit=timeout,
    )
    token = _POLICY.set(policy)
    try:
        if client is not None:
            return _fetch(client, url, policy, max_bytes, max_redirects, headers, types)
        with make_client() as own:
            return _fetch(own, url, policy, max_bytes, max_redirects, headers, types)
    finally:
        _POLICY.reset(token)


def read_url(
    url: str,
    *,
    allow_hosts: Iterable[str] = frozenset(),
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    client: httpx.Client | None = None,
) -> ArticleDraft:
    """Fetch a page and read its article: the one path shared by the CLI and the bot."""
    page = fetch(
        url,
        allow_hosts=allow_hosts,
        timeout=timeout,
        max_bytes=max_bytes,
        max_redirects=max_redirects,
        client=client,
    )
    fmt = "txt" if page.content_type == "text/plain" else "html"
    return read_article(page.text, url=page.url, fmt=fmt)


def _parse(url: str) -> httpx.URL:
    url = url.strip()
    if len(url) > MAX_URL_CHARS:
        raise UnsafeURLError(f"This link is too long (over {MAX_URL_CHARS} characters).")
    try:
        return httpx.URL(url)
    except httpx.InvalidURL as e:
        raise UnsafeURLError(f"This is not a valid link ({e}).") from e


def _fetch(  # noqa: PLR0917 - private, called from one place with the options of fetch()
    client: httpx.Client,
    url: str,
    policy: _Policy,
    max_bytes: int,
    max_redirects: int,
    extra: Mapping[str, str] | None,
    types: frozenset[str],
) -> Fetched:
    current = _parse(url)
    chain: list[str] = []
    while True:
        _check_url(current, policy)
        with _translated(current, policy):
            request = client.build_request(
                "GET",
                current,
                headers={**_HEADERS, **(extra or {})},
                timeout=policy.left(None),
            )
            response = client.send(request, stream=True, follow_redirects=False)
        try:
            if response.next_request is not None:  # a redirect with a usable Location
                if len(chain) >= max_redirects:
                    raise TooManyRedirectsError(
                        f"The link redirects too many times (more than {max_redirects})."
                    )
                chain.append(str(current))
                current = response.next_request.url
                logger.debug("redirect %d to %s", response.status_code, current)
                continue
            page = _read(
                response, policy, max_bytes=max_bytes, redirects=tuple(chain), types=types
            )
        finally:
            response.close()
        logger.info("fetched %s (%d bytes, %d redirects)", page.url, page.length, len(chain))
        return page


def _read(
    response: httpx.Response,
    policy: _Policy,
    *,
    max_bytes: int,
    redirects: tuple[str, ...],
    types: frozenset[str] = PAGE_TYPES,
) -> Fetched:
    status = response.status_code
    etag = response.headers.get("etag")
    modified = response.headers.get("last-modified")
    if status == 304:  # not modified since the validators we sent
        return Fetched(
            str(response.url), 304, "", "", "", 0, redirects, etag=etag, modified=modified
        )
    if not 200 <= status < 300:
        reason = f" ({response.reason_phrase})" if response.reason_phrase else ""
        raise HTTPStatusError(f"The page answered {status}{reason}.", status=status)
    media = response.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media not in types:
        raise NotAWebPageError(
            f"This link is not a web page ({media or 'no content type given'}).",
            content_type=media,
        )
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise TooLargeError(
            f"The page is too large ({_size(int(declared))}; the limit is {_size(max_bytes)})."
        )
    body = bytearray()
    with _translated(response.url, policy):
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > max_bytes:
                raise TooLargeError(f"The page is too large (over {_size(max_bytes)}).")
            if time.monotonic() > policy.deadline:  # for clients without the deadline stream
                raise policy.timeout_error()
    declared_charset = response.charset_encoding
    if declared_charset is None and media != "text/plain":
        declared_charset = _meta_charset(bytes(body[:4096]))
    text, charset = _decode(bytes(body), declared_charset)
    return Fetched(
        url=str(response.url),
        status=status,
        content_type=media,
        charset=charset,
        text=text,
        length=len(body),
        redirects=redirects,
        body=bytes(body),
        etag=etag,
        modified=modified,
    )


def _meta_charset(head: bytes) -> str | None:
    """The charset an HTML ``<meta>`` or an XHTML ``<?xml encoding=?>`` declares."""
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii") if match else None


def _decode(body: bytes, charset: str | None) -> tuple[str, str]:
    """The text and the codec used: a BOM, else the declared charset, else UTF-8 or cp1252."""
    boms = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"))
    for bom, codec in (*boms, (codecs.BOM_UTF16_BE, "utf-16")):
        if body.startswith(bom):
            return body.decode(codec, errors="replace"), codec.removesuffix("-sig")
    if charset:
        name = "cp1252" if charset.lower() in _AS_CP1252 else charset.lower()
        try:
            codec = codecs.lookup(name).name
        except LookupError:
            logger.debug("unknown charset %r, guessing", charset)
        else:
            return body.decode(codec, errors="replace"), codec
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return body.decode("cp1252", errors="replace"), "cp1252"


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.3g} MB"
    if n >= 1_000:
        return f"{n / 1_000:.3g} kB"
    return f"{n} bytes"


@contextlib.contextmanager
def _translated(url: httpx.URL, policy: _Policy) -> Iterator[None]:
    """httpx's errors as ``FetchError``s with a message for a person."""
    host = url.host or str(url)
    try:
        yield
    except httpx.TimeoutException as e:
        raise policy.timeout_error() from e
    except httpx.ConnectError as e:
        if "CERTIFICATE_VERIFY_FAILED" in str(e) or "certificate" in str(e).lower():
            raise UnreachableError(f"Could not verify the certificate of {host}.") from e
        raise UnreachableError(f"Could not connect to {host}.") from e
    except httpx.UnsupportedProtocol as e:
        raise UnsafeURLError("Only http and https links can be loaded.") from e
    except httpx.InvalidURL as e:
        raise UnsafeURLError(f"This is not a valid link ({e}).") from e
    except httpx.RemoteProtocolError as e:
        raise UnreachableError(f"{host} sent an answer that could not be understood.") from e
    except (httpx.TransportError, httpx.DecodingError) as e:
        raise UnreachableError(f"The connection to {host} broke while loading the page.") from e
