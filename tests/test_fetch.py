"""Fetching articles by URL: a real web server on 127.0.0.1, real sockets, the real CLI.

The server runs in its own thread and event loop, since ``fetch`` is synchronous. Tests that
fetch from it allow-list 127.0.0.1, as ``TALKS_FETCH_ALLOW_HOSTS`` would; without that, the
guard must refuse it.
"""

from __future__ import annotations

import asyncio
import gzip
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from ipaddress import ip_address
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from knowledge.errors import (
    ArticleError,
    BlockedAddressError,
    FetchError,
    FetchTimeoutError,
    HTTPStatusError,
    NotAnArticleError,
    NotAWebPageError,
    TooLargeError,
    TooManyRedirectsError,
    UnreachableError,
    UnsafeURLError,
)
from knowledge.ingest import fetch as fetch_module
from knowledge.ingest.fetch import fetch, is_public_address, make_client, read_url

from .conftest import ROOT
from .test_cli import run

PAGES = Path(__file__).resolve().parent / "pages"
LOCAL = frozenset({"127.0.0.1"})
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


class PageServer:
    """An aiohttp.web server on 127.0.0.1:0 in a thread, serving the pages the tests need."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None) -> None:
        self.ssl_context = ssl_context
        self.port = 0
        self.requests: list[tuple[str, str]] = []  # (path, Host header)
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        scheme = "https" if self.ssl_context else "http"
        return f"{scheme}://{host}:{self.port}{path}"

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(10), "the test web server did not start"

    def stop(self) -> None:
        assert self._loop is not None
        assert self._stop is not None
        self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    async def _serve(self) -> None:
        app = web.Application(middlewares=[self._record])
        ferry = (PAGES / "ferry.html").read_bytes()
        marche = (PAGES / "marche.html").read_text(encoding="utf-8").encode("cp1252")
        plain = (ROOT / "tests" / "data" / "harbour_council.txt").read_bytes()
        routes = {
            "/news/skerry-ferry": lambda: web.Response(body=ferry, content_type="text/html"),
            "/fr/marche": lambda: web.Response(body=marche, content_type="text/html"),
            "/plain": lambda: web.Response(body=plain, content_type="text/plain", charset="utf-8"),
            "/image.png": lambda: web.Response(body=PNG, content_type="image/png"),
            "/big": lambda: web.Response(body=b"<p>word </p>" * 5000, content_type="text/html"),
            "/server-error": lambda: web.Response(status=500, text="oops"),
            "/to-private": lambda: _redirect("http://10.0.0.1/admin"),
            "/to-metadata": lambda: _redirect("http://169.254.169.254/latest/meta-data/"),
            "/to-loopback-name": lambda: _redirect(f"http://localhost:{self.port}/plain"),
            "/to-file": lambda: _redirect("file:///etc/passwd"),
            "/loop": lambda: _redirect("/loop"),
        }
        for path, make in routes.items():
            app.router.add_get(path, _handler(make))
        app.router.add_get("/hop/{n}", self._hop)
        app.router.add_get("/slow", self._slow)
        app.router.add_get("/stall", self._stall)
        app.router.add_get("/big-chunked", self._big_chunked)
        app.router.add_get("/gzip", self._gzip)
        runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=0.5)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0, ssl_context=self.ssl_context).start()
        self.port = runner.addresses[0][1]
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._ready.set()
        await self._stop.wait()
        await runner.cleanup()

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.path, request.headers.get("Host", "")))
        return await handler(request)

    async def _hop(self, request: web.Request) -> web.StreamResponse:
        """``/hop/3`` → ``/hop/2`` → ``/hop/1`` → ``/hop/0`` → the article."""
        n = int(request.match_info["n"])
        return _redirect(f"/hop/{n - 1}" if n > 0 else "/news/skerry-ferry", status=301)

    async def _slow(self, request: web.Request) -> web.StreamResponse:
        """An endless page, one small chunk every half second."""
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        await response.prepare(request)
        try:
            for _ in range(120):
                await response.write(b"<p>still coming</p>\n")
                await asyncio.sleep(0.5)
        except ConnectionError:
            pass  # the client gave up, as it should
        return response

    async def _stall(self, request: web.Request) -> web.StreamResponse:
        """No headers at all for a long time."""
        await asyncio.sleep(30)
        return web.Response(text="too late", content_type="text/html")

    async def _big_chunked(self, request: web.Request) -> web.StreamResponse:
        """A large page without Content-Length."""
        response = web.StreamResponse(headers={"Content-Type": "text/html"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        try:
            for _ in range(100):
                await response.write(b"<p>" + b"x" * 1000 + b"</p>")
        except ConnectionError:
            pass
        return response

    async def _gzip(self, request: web.Request) -> web.StreamResponse:
        body = gzip.compress((PAGES / "ferry.html").read_bytes())
        return web.Response(
            body=body, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
        )


def _handler(make: Callable[[], web.Response]) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        return make()

    return handle


def _redirect(location: str, status: int = 302) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


@pytest.fixture(scope="module")
def server() -> Iterator[PageServer]:
    srv = PageServer()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[PageServer, Path]]:
    """The same pages over https, with a certificate for courier.test from a test CA."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make test certificates")
    ca, cert, key = make_certificates(tmp_path_factory.mktemp("tls"), "courier.test")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    srv = PageServer(ssl_context=context)
    srv.start()
    yield srv, ca
    srv.stop()


def make_certificates(folder: Path, name: str) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate for ``name`` signed by it (CA, cert, key)."""
    ca, ca_key = folder / "ca.pem", folder / "ca.key"
    cert, key, csr = folder / "server.pem", folder / "server.key", folder / "server.csr"
    ext = folder / "server.ext"
    ext.write_text(
        f"subjectAltName=DNS:{name}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    ca_ext = ["basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"]
    ca_args = ["-subj", "/CN=talks-bot test CA", "-addext", ca_ext[0], "-addext", ca_ext[1]]
    signed = ["-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-extfile", ext]
    for command in (
        ["req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "2", *ca_args],
        ["req", *ec, "-keyout", key, "-out", csr, "-subj", f"/CN={name}"],
        ["x509", "-req", "-in", csr, "-out", cert, "-days", "2", *signed],
    ):
        subprocess.run(["openssl", *map(str, command)], check=True, capture_output=True)
    return ca, cert, key


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Every address a TCP connection is opened to (httpcore connects with create_connection)."""
    opened: list[tuple[str, int]] = []
    real = socket.create_connection

    def spy(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        opened.append((address[0], address[1]))
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", spy)
    return opened


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[list[str]]]) -> None:
    """Make getaddrinfo answer ``answers[host]`` in turn (the last answer repeats)."""
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host not in answers:
            return real(host, port, *args, **kwargs)
        queue = answers[host]
        ips = queue.pop(0) if len(queue) > 1 else queue[0]
        if not ips:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in ip else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (ip, int(port), 0, 0) if ":" in ip else (ip, int(port)),
            )
            for ip in ips
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


# ---- pages that load ---------------------------------------------------------------------


def test_news_page_is_fetched_and_read(server: PageServer) -> None:
    page = fetch(server.url("/news/skerry-ferry"), allow_hosts=LOCAL)
    assert page.status == 200
    assert page.content_type == "text/html"
    assert page.charset == "utf-8"
    assert page.redirects == ()
    assert page.length == len((PAGES / "ferry.html").read_bytes())
    draft = read_url(server.url("/news/skerry-ferry"), allow_hosts=LOCAL)
    assert draft.title == "Skerry Island ferry returns after storm repairs"
    assert draft.url == server.url("/news/skerry-ferry")
    body = draft.body
    assert body.startswith("The passenger ferry between Northfield harbour")
    assert "inspect the new landing stage every six months" in body
    assert 6 <= len(draft.paragraphs) <= 10
    for boilerplate in ("cookies", "Subscribe", "newsletter", "physio", "All rights", "track("):
        assert boilerplate not in body


def test_redirect_chain_is_followed_and_recorded(server: PageServer) -> None:
    page = fetch(server.url("/hop/3"), allow_hosts=LOCAL, max_redirects=4)
    assert page.url == server.url("/news/skerry-ferry")
    assert page.redirects == tuple(server.url(f"/hop/{n}") for n in (3, 2, 1, 0))
    draft = read_url(server.url("/hop/1"), allow_hosts=LOCAL)
    assert draft.url == server.url("/news/skerry-ferry")  # the final URL, not the link


def test_plain_text_and_gzip(server: PageServer) -> None:
    plain = read_url(server.url("/plain"), allow_hosts=LOCAL)
    assert plain.title.startswith("Harbour council")
    page = fetch(server.url("/gzip"), allow_hosts=LOCAL)
    assert page.text == (PAGES / "ferry.html").read_text(encoding="utf-8")


def test_non_english_page_is_decoded_then_refused(server: PageServer) -> None:
    page = fetch(server.url("/fr/marche"), allow_hosts=LOCAL)
    assert page.charset == "cp1252"  # the <meta> says iso-8859-1; browsers read windows-1252
    assert "Le marché couvert de Valbrune" in page.text
    assert "© 2026 La Gazette du Val — Tous" in page.text
    with pytest.raises(NotAnArticleError, match="English"):
        read_url(server.url("/fr/marche"), allow_hosts=LOCAL)


def test_pinned_connection_keeps_the_host_name(
    server: PageServer, monkeypatch: pytest.MonkeyPatch, connections: list[tuple[str, int]]
) -> None:
    """The checked address is the one connected to; the Host header still names the site."""
    fake_dns(monkeypatch, {"courier.test": [["127.0.0.1"]]})
    server.requests.clear()
    page = fetch(server.url("/plain", host="courier.test"), allow_hosts={"Courier.Test"})
    assert page.url == server.url("/plain", host="courier.test")
    assert connections == [("127.0.0.1", server.port)]
    assert server.requests == [("/plain", f"courier.test:{server.port}")]


def test_tls_is_verified_against_the_host_name_while_pinned(
    tls_server: tuple[PageServer, Path],
    monkeypatch: pytest.MonkeyPatch,
    connections: list[tuple[str, int]],
) -> None:
    """Connected to the checked IP, yet SNI and the certificate check use the host name."""
    server, ca = tls_server
    fake_dns(monkeypatch, {"courier.test": [["127.0.0.1"]], "other.test": [["127.0.0.1"]]})
    allowed = {"courier.test", "other.test"}
    with pytest.raises(UnreachableError, match=r"Could not verify the certificate of courier"):
        fetch(server.url("/plain", host="courier.test"), allow_hosts=allowed)  # unknown CA
    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # trust the test CA, as httpx does
    page = fetch(server.url("/plain", host="courier.test"), allow_hosts=allowed)
    assert page.url.startswith("https://courier.test:")
    with pytest.raises(UnreachableError, match=r"Could not verify the certificate of other"):
        fetch(server.url("/plain", host="other.test"), allow_hosts=allowed)  # name mismatch
    assert set(connections) == {("127.0.0.1", server.port)}


# ---- pages that are refused --------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "error", "message"),
    [
        ("/image.png", NotAWebPageError, r"not a web page \(image/png\)"),
        ("/missing", HTTPStatusError, r"the page answered 404 \(Not Found\)"),
        ("/server-error", HTTPStatusError, "the page answered 500"),
        ("/loop", TooManyRedirectsError, r"redirects too many times \(more than 5\)"),
        ("/hop/3", TooManyRedirectsError, r"more than 2"),
        ("/to-file", UnsafeURLError, r"this one is file://"),
    ],
)
def test_refused_pages(server: PageServer, path: str, error: type, message: str) -> None:
    max_redirects = 2 if path == "/hop/3" else 5
    with pytest.raises(error, match=f"(?i){message}") as info:
        fetch(server.url(path), allow_hosts=LOCAL, max_redirects=max_redirects)
    assert isinstance(info.value, FetchError)
    assert isinstance(info.value, ArticleError)  # the bot's /load reply already handles these
    assert "\n" not in str(info.value)
    if error is HTTPStatusError:
        assert info.value.status in (404, 500)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/big", r"too large \(60 kB; the limit is 10 kB\)"),  # Content-Length: refused unread
        ("/big-chunked", r"too large \(over 10 kB\)"),  # no Content-Length: stopped at the cap
    ],
)
def test_oversized_pages(server: PageServer, path: str, message: str) -> None:
    with pytest.raises(TooLargeError, match=message):
        fetch(server.url(path), allow_hosts=LOCAL, max_bytes=10_000)


@pytest.mark.parametrize("path", ["/slow", "/stall"])
@pytest.mark.parametrize("pinned", [True, False])
def test_total_time_limit(server: PageServer, path: str, pinned: bool) -> None:
    """A page dripping a chunk every 0.5 s, or sending nothing, is cut off at the total limit.

    With make_client() every socket operation gets the time left; a caller's own client gets the
    time left as httpx's timeouts and a check between chunks, so it may overrun by one chunk.
    """
    limit = 2.0 if path == "/slow" else 1.0
    start = time.monotonic()
    client = make_client() if pinned else httpx.Client()
    expected = rf"too long to load \(the limit is {limit:g} s\)"
    with client, pytest.raises(FetchTimeoutError, match=expected):
        fetch(server.url(path), allow_hosts=LOCAL, timeout=limit, client=client)
    elapsed = time.monotonic() - start
    assert limit <= elapsed < limit + (0.3 if pinned else 0.8)


def test_redirect_to_private_address_is_refused_before_connecting(
    server: PageServer, connections: list[tuple[str, int]]
) -> None:
    with pytest.raises(BlockedAddressError, match=r"private address \(10\.0\.0\.1\)"):
        fetch(server.url("/to-private"), allow_hosts=LOCAL)
    with pytest.raises(BlockedAddressError, match=r"metadata address \(169\.254\.169\.254\)"):
        fetch(server.url("/to-metadata"), allow_hosts=LOCAL)
    with pytest.raises(BlockedAddressError, match="localhost resolves to"):
        fetch(server.url("/to-loopback-name"), allow_hosts=LOCAL)  # 127.0.0.1 by another name
    assert {address for address, _port in connections} == {"127.0.0.1"}
    assert len(connections) == 3  # the test server only


def test_loopback_is_refused_unless_allow_listed(
    server: PageServer, connections: list[tuple[str, int]]
) -> None:
    with pytest.raises(BlockedAddressError, match=r"Refusing to fetch a private address"):
        fetch(server.url("/news/skerry-ferry"))
    assert connections == []


@pytest.mark.parametrize(
    ("url", "error", "message"),
    [
        ("file:///etc/passwd", UnsafeURLError, "only http:// and https://"),
        ("ftp://ftp.example.org/pub/news.txt", UnsafeURLError, "this one is ftp://"),
        ("http://user:pw@example.org/", UnsafeURLError, "user name or password"),
        ("https://user@example.org/", UnsafeURLError, "user name or password"),
        ("www.example.org/news", UnsafeURLError, "no http:// or https://"),
        ("http://[::1]/", BlockedAddressError, r"private address \(::1\)"),
        ("http://[::ffff:127.0.0.1]/", BlockedAddressError, "private address"),
        ("http://[::]/", BlockedAddressError, "private address"),
        ("http://0.0.0.0/", BlockedAddressError, "private address"),
        ("http://10.1.2.3/", BlockedAddressError, "private address"),
        ("http://192.168.1.1/", BlockedAddressError, "private address"),
        ("http://100.64.0.1/", BlockedAddressError, "private address"),
        ("http://224.0.0.1/", BlockedAddressError, "private address"),
        ("http://[fe80::1]/", BlockedAddressError, "private address"),
        ("http://2130706433/", BlockedAddressError, "2130706433 resolves to 127.0.0.1"),
        ("http://0x7f.1/", BlockedAddressError, "resolves to 127.0.0.1"),
        ("http://0177.0.0.1/", UnsafeURLError, "not a valid link"),
        ("http://LocalHost/", BlockedAddressError, "localhost resolves to 127.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/", BlockedAddressError, "metadata"),
        ("http://[fd00:ec2::254]/", BlockedAddressError, "metadata"),
        ("http://metadata.google.internal/computeMetadata/v1/", BlockedAddressError, "metadata"),
    ],
)
def test_unsafe_urls_are_refused(
    url: str, error: type, message: str, connections: list[tuple[str, int]]
) -> None:
    with pytest.raises(error, match=f"(?i){message}"):
        fetch(url)
    assert connections == []


def test_metadata_stays_refused_when_allow_listed() -> None:
    with pytest.raises(BlockedAddressError, match="metadata"):
        fetch("http://[::ffff:169.254.169.254]/", allow_hosts={"::ffff:169.254.169.254"})
    with pytest.raises(BlockedAddressError, match="metadata"):
        fetch("http://169.254.169.254/", allow_hosts={"169.254.169.254"})
    with pytest.raises(BlockedAddressError, match="metadata"):
        fetch("http://metadata.google.internal/", allow_hosts={"metadata.google.internal"})


def test_a_host_with_any_private_address_is_refused(
    monkeypatch: pytest.MonkeyPatch, connections: list[tuple[str, int]]
) -> None:
    fake_dns(monkeypatch, {"mixed.test": [["93.184.216.34", "2606:2800::1", "fc00::5"]]})
    with pytest.raises(BlockedAddressError, match=r"mixed\.test resolves to fc00::5"):
        fetch("http://mixed.test/")
    assert connections == []


def test_dns_rebinding_is_caught_at_connect_time(
    monkeypatch: pytest.MonkeyPatch, connections: list[tuple[str, int]]
) -> None:
    """Public when checked, loopback when connecting: the backend's own check refuses it."""
    fake_dns(monkeypatch, {"rebind.test": [["93.184.216.34"], ["127.0.0.1"]]})
    with pytest.raises(BlockedAddressError, match=r"rebind\.test resolves to 127\.0\.0\.1"):
        fetch("http://rebind.test/")
    assert connections == []


def test_pinned_client_checks_without_fetch(connections: list[tuple[str, int]]) -> None:
    """make_client() refuses private addresses at connect time, even used directly."""
    with make_client() as client, pytest.raises(BlockedAddressError):
        client.get("http://127.0.0.1:9/")
    assert connections == []


def test_foreign_client_gets_every_hop_checked() -> None:
    """A caller's own client still has each redirect target checked before it is requested."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/"})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    with client, pytest.raises(BlockedAddressError):
        fetch("http://93.184.216.34/news", client=client)
    assert seen == ["http://93.184.216.34/news"]


def test_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    with pytest.raises(UnreachableError, match=r"Could not connect to 127\.0\.0\.1"):
        fetch(f"http://127.0.0.1:{closed_port}/", allow_hosts=LOCAL)
    fake_dns(monkeypatch, {"gone.test": [[]]})
    with pytest.raises(UnreachableError, match=r"Could not find gone\.test: no such site"):
        fetch("http://gone.test/")


@pytest.mark.parametrize(
    ("ip", "public"),
    [
        ("93.184.216.34", True),
        ("2606:4700:4700::1111", True),
        ("8.8.8.8", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.0.10", False),
        ("169.254.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("100.127.255.254", False),
        ("0.0.0.0", False),
        ("255.255.255.255", False),
        ("224.0.0.251", False),
        ("239.255.255.250", False),
        ("192.0.2.1", False),  # documentation
        ("198.18.0.1", False),  # benchmarking
        ("240.0.0.1", False),  # reserved
        ("::1", False),
        ("::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("fd00:ec2::254", False),
        ("fec0::1", False),  # site-local
        ("ff02::1", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::a00:1", False),  # NAT64 of 10.0.0.1
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("2001:db8::1", False),  # documentation
    ],
)
def test_is_public_address(ip: str, public: bool) -> None:
    assert is_public_address(ip_address(ip)) is public


@pytest.mark.parametrize(
    ("head", "charset"),
    [
        (b'<html><head><meta charset="windows-1251">', "windows-1251"),
        (
            b"<meta http-equiv='Content-Type' content='text/html; charset=ISO-8859-1'>",
            "ISO-8859-1",
        ),
        (b'<?xml version="1.0" encoding="koi8-r"?><html>', "koi8-r"),
        (b"<html><head><title>none</title>", None),
    ],
)
def test_charset_declared_in_the_page(head: bytes, charset: str | None) -> None:
    assert fetch_module._meta_charset(head) == charset


def test_allow_hosts_setting_is_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import Settings

    monkeypatch.setenv("TALKS_FETCH_ALLOW_HOSTS", " 127.0.0.1, Intranet.Example.; [::1] ,")
    settings = Settings(_env_file=None)
    assert settings.fetch_allow_hosts == {"127.0.0.1", "intranet.example", "::1"}
    assert (settings.fetch_timeout_seconds, settings.fetch_max_bytes) == (20.0, 5_000_000)
    assert settings.fetch_max_redirects == 5


def test_no_policy_leaks_between_fetches(server: PageServer) -> None:
    fetch(server.url("/plain"), allow_hosts=LOCAL)
    assert fetch_module._POLICY.get() is None
    with make_client() as client:
        fetch(server.url("/plain"), allow_hosts=LOCAL, client=client)
        with pytest.raises(
            BlockedAddressError
        ):  # the allow-list was that fetch's, not the client's
            fetch(server.url("/plain"), client=client)


# ---- end to end through the CLI ----------------------------------------------------------


def talks_bot(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    """``talks-bot ARGS`` allowed to fetch from this machine's test servers."""
    return run(
        *args,
        db=db,
        TALKS_FETCH_ALLOW_HOSTS="127.0.0.1, example.invalid",
        TALKS_FETCH_TIMEOUT_SECONDS="5",
    )


def test_cli_loads_a_url_and_stores_nothing_on_failure(server: PageServer, tmp_path: Path) -> None:
    db = tmp_path / "talks.db"
    refused = talks_bot("load", server.url("/to-metadata"), db=db)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "talks-bot: Refusing to fetch a cloud metadata address (169.254.169.254)."
    )
    assert refused.stdout == ""
    loaded = talks_bot("load", server.url("/hop/0"), db=db)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.startswith(
        "Loaded #2: Skerry Island ferry returns after storm repairs — "
    )
    listing = talks_bot("articles", db=db).stdout.splitlines()
    assert len(listing) == 2  # the bundled article and the ferry story, nothing else
    assert "Skerry Island ferry" in listing[1]
