"""Self-hosted media: only real raster images, re-encoded without metadata, never from private hosts."""

from __future__ import annotations

import errno
import io
import ipaddress
import socket
import sys
import struct
import threading
import time
import zlib
from contextlib import contextmanager
from pathlib import Path

import pytest
from PIL import Image

from wall import media as media_module
from wall.media import MediaError, MediaStore, Withdrawn, image_kind, reencode

from .conftest import webp_bytes
from .fakes import FakeServer, Reply


def store(tmp_path: Path, server: FakeServer, allowed: bool = True) -> MediaStore:
    hosts = frozenset({server.host}) if allowed else frozenset()
    return MediaStore(tmp_path / "content", hosts, timeout=5)


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (120, 80), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Kamerahersteller"  # Make
    exif[0x8825] = {1: "N", 2: (51.0, 27.0, 0.0)}  # GPSInfo: somewhere in Essen
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge size (a decompression bomb's first bytes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1000)) + chunk(b"IEND", b""))


@pytest.mark.parametrize("data, kind", [
    (webp_bytes(), "webp"), (webp_bytes(kind="PNG"), "png"), (webp_bytes(kind="JPEG"), "jpeg"),
    (webp_bytes(kind="GIF"), "gif"), (b"<svg xmlns='http://www.w3.org/2000/svg'/>", None),
    (b"<html><script>alert(1)</script>", None), (b"", None),
])
def test_image_kind_is_read_from_the_bytes(data, kind):
    assert image_kind(data) == kind


def test_image_is_reencoded_scaled_and_stripped_of_metadata(tmp_path, fake_server):
    fake_server.route("GET", "/photo.jpg")(lambda request: Reply(200, jpeg_with_gps(), {"Content-Type": "image/jpeg"}))
    stored = store(tmp_path, fake_server).store_image(fake_server.url("/photo.jpg"), max_side=60)
    assert stored.path.startswith("media/") and stored.path.endswith(".webp")
    assert (stored.width, stored.height) == (60, 40)
    with Image.open(tmp_path / "content" / stored.path) as image:
        assert image.format == "WEBP"
        assert not image.getexif() and "exif" not in image.info


def test_the_same_image_is_stored_once(tmp_path, fake_server):
    fake_server.route("GET", "/(a|b).webp")(lambda request: Reply(200, webp_bytes(), {"Content-Type": "image/webp"}))
    media = store(tmp_path, fake_server)
    first = media.store_image(fake_server.url("/a.webp"))
    second = media.store_image(fake_server.url("/b.webp"))
    assert first == second
    assert len(list((tmp_path / "content/media").rglob("*.webp"))) == 1


def test_an_address_is_downloaded_once_per_run_and_a_refusal_is_repeated_without_asking_again(tmp_path, fake_server):
    # An author's avatar comes with each of their posts: one download serves them all.
    fake_server.route("GET", "/avatar.webp")(lambda request: Reply(200, webp_bytes(), {"Content-Type": "image/webp"}))
    fake_server.route("GET", "/fake.jpg")(lambda request: Reply(200, b"<html></html>", {"Content-Type": "image/jpeg"}))
    media = store(tmp_path, fake_server)
    assert media.store_image(fake_server.url("/avatar.webp"), 40) == media.store_image(fake_server.url("/avatar.webp"), 40)
    for _ in range(2):
        with pytest.raises(MediaError, match="not a JPEG"):
            media.store_image(fake_server.url("/fake.jpg"))
    assert [len(fake_server.requests_to(path)) for path in ("/avatar.webp", "/fake.jpg")] == [1, 1]
    media.store_image(fake_server.url("/avatar.webp"), 80)  # another size is another copy
    assert len(fake_server.requests_to("/avatar.webp")) == 2


def test_an_image_editors_deleted_is_not_stored_again(tmp_path, fake_server):
    fake_server.route("GET", "/a.webp")(lambda request: Reply(200, webp_bytes(), {"Content-Type": "image/webp"}))
    path = store(tmp_path, fake_server).store_image(fake_server.url("/a.webp")).path
    (tmp_path / "content" / path).unlink()  # an editor deleted it
    media = MediaStore(tmp_path / "content", frozenset({fake_server.host}), timeout=5,
                       withdrawn=Withdrawn(images=frozenset({path})))
    with pytest.raises(MediaError, match="withdrawn by the editors"):
        media.store_image(fake_server.url("/a.webp"))
    assert not (tmp_path / "content" / path).exists()


@pytest.mark.parametrize("body, content_type, reason", [
    (b"<html><script>alert(1)</script></html>", "image/jpeg", "not a JPEG, PNG, WebP or GIF"),
    (b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "image/svg+xml", "not a JPEG, PNG, WebP or GIF"),
    (png_claiming(50_000, 50_000), "image/png", "too many pixels"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image/png", "not a usable image"),
])
def test_hostile_images_are_refused(tmp_path, fake_server, body, content_type, reason):
    fake_server.route("GET", "/evil")(lambda request: Reply(200, body, {"Content-Type": content_type}))
    with pytest.raises(MediaError, match=reason):
        store(tmp_path, fake_server).store_image(fake_server.url("/evil"))
    assert not (tmp_path / "content/media").exists()


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")  # Pillow warns past its limit
def test_refusing_a_huge_image_changes_no_setting_of_the_process(tmp_path, fake_server, monkeypatch):
    # Pillow's limit is one for the whole process, and sources store images from several threads:
    # one thread setting it while another decodes would leave it set for everything after.
    limits = []
    real_open = Image.open
    monkeypatch.setattr(Image, "open", lambda *args: limits.append(Image.MAX_IMAGE_PIXELS) or real_open(*args))
    before = Image.MAX_IMAGE_PIXELS
    for width, height in ((7_000, 7_000), (10_000, 10_000), (50_000, 50_000)):  # past ours, Pillow's, twice Pillow's
        fake_server.route("GET", "/huge")(lambda request: Reply(200, png_claiming(width, height),
                                                                {"Content-Type": "image/png"}))
        with pytest.raises(MediaError, match="too many pixels"):
            store(tmp_path, fake_server).store_image(fake_server.url("/huge"))
    assert limits == [before] * 3 and Image.MAX_IMAGE_PIXELS == before


def test_private_and_local_addresses_are_refused(tmp_path, fake_server):
    fake_server.route("GET", "/ok.webp")(lambda request: Reply(200, webp_bytes(), {"Content-Type": "image/webp"}))
    port = fake_server.host.rpartition(":")[2]
    urls = [fake_server.url("/ok.webp"), f"http://localhost:{port}/ok.webp", f"http://[::1]:{port}/ok.webp",
            "http://169.254.169.254/latest/meta-data", "http://10.0.0.1/x.png", "https://192.168.1.1/x.png"]
    with connections_recorded() as connected:
        for url in urls:
            with pytest.raises(MediaError, match="private or local address"):
                store(tmp_path, fake_server, allowed=False).store_image(url)
    assert connected == [], "no connection was even opened"
    assert not fake_server.requests


PUBLIC = "93.184.215.14"  # any public address: the tests never connect to it (see connections_recorded)


@contextmanager
def connections_recorded():
    """The addresses connected to, in order; a connection to anything but loopback fails at once."""
    addresses: list[str] = []
    _RECORDERS.append(addresses)
    try:
        yield addresses
    finally:
        _RECORDERS.remove(addresses)


_RECORDERS: list[list[str]] = []


def _record_connect(event: str, args: tuple) -> None:
    if event == "socket.connect" and _RECORDERS and isinstance(args[1], tuple):
        host = args[1][0]
        _RECORDERS[-1].append(host)
        if not ipaddress.ip_address(host).is_loopback:
            raise OSError(errno.ENETUNREACH, "the tests connect to loopback only")


sys.addaudithook(_record_connect)  # audit hooks stay for the process; it acts only inside connections_recorded


def resolver(answers: list[list[str]], calls: list[str]):
    """socket.getaddrinfo for a name server under an attacker's control: each lookup of a
    name not an address gets the next answer (the last one repeats)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        host = host.decode() if isinstance(host, bytes) else host
        if host.endswith(".example"):
            calls.append(host)
            answer = answers[min(len(calls), len(answers)) - 1]
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port))) for address in answer]
        return real(host, port, *args, **kwargs)
    return getaddrinfo


def test_a_name_that_answers_public_first_and_local_later_never_reaches_the_local_address(
        tmp_path, fake_server, monkeypatch):
    # DNS rebinding: a check that looks the name up and a connection that looks it up again
    # can see two different answers.  Each connection looks it up once and goes where it checked.
    fake_server.route("GET", "/bild.webp")(lambda request: Reply(200, webp_bytes(), {"Content-Type": "image/webp"}))
    port = fake_server.host.rpartition(":")[2]
    calls: list[str] = []
    monkeypatch.setattr(socket, "getaddrinfo", resolver([[PUBLIC], ["127.0.0.1"]], calls))
    with connections_recorded() as connected, pytest.raises(MediaError):
        store(tmp_path, fake_server, allowed=False).store_image(f"http://bilder.rebind.example:{port}/bild.webp")
    assert connected == [PUBLIC], "connected to the address checked, and to nothing else"
    assert calls == ["bilder.rebind.example"], "looked up once"
    assert not fake_server.requests


@pytest.mark.parametrize("answer", [[PUBLIC, "127.0.0.1"], ["127.0.0.1", PUBLIC], ["169.254.169.254"]])
def test_a_name_with_any_local_address_is_refused(tmp_path, fake_server, monkeypatch, answer):
    port = fake_server.host.rpartition(":")[2]
    monkeypatch.setattr(socket, "getaddrinfo", resolver([answer], []))
    with connections_recorded() as connected, pytest.raises(MediaError, match="private or local address"):
        store(tmp_path, fake_server, allowed=False).store_image(f"http://cdn.mixed.example:{port}/bild.webp")
    assert connected == []
    assert not fake_server.requests


def test_each_public_address_is_tried_in_turn(tmp_path, fake_server, monkeypatch):
    # Hosts with an IPv6 and an IPv4 address: one unreachable must not end the download.
    port = fake_server.host.rpartition(":")[2]
    second = "8.8.4.4"
    monkeypatch.setattr(socket, "getaddrinfo", resolver([[PUBLIC, second]], []))
    with connections_recorded() as connected, pytest.raises(MediaError, match="download failed"):
        store(tmp_path, fake_server, allowed=False).store_image(f"http://cdn.two.example:{port}/bild.webp")
    assert connected == [PUBLIC, second]


def test_a_redirect_into_a_private_address_is_refused(tmp_path, fake_server):
    with FakeServer() as internal:
        internal.route("GET", "/secret.png")(lambda request: Reply(200, webp_bytes(), {"Content-Type": "image/png"}))
        fake_server.route("GET", "/jump")(lambda request: Reply(302, b"", {"Location": internal.url("/secret.png")}))
        with pytest.raises(MediaError, match="private or local address"):
            store(tmp_path, fake_server).store_image(fake_server.url("/jump"))
        assert not internal.requests


def test_a_redirect_within_the_allowed_host_is_followed(tmp_path, fake_server):
    fake_server.route("GET", "/jump")(lambda request: Reply(301, b"", {"Location": "/real.webp"}))
    fake_server.route("GET", "/real.webp")(lambda request: Reply(200, webp_bytes(), {"Content-Type": "image/webp"}))
    assert store(tmp_path, fake_server).store_image(fake_server.url("/jump")).width == 40


def test_oversized_downloads_are_cut_off(tmp_path, fake_server, monkeypatch):
    import wall.media
    monkeypatch.setattr(wall.media, "MAX_DOWNLOAD", 1000)
    fake_server.route("GET", "/big.webp")(lambda request: Reply(200, webp_bytes(400, 400) + b"\x00" * 5000,
                                                                {"Content-Type": "image/webp"}))
    with pytest.raises(MediaError, match="larger than"):
        store(tmp_path, fake_server).store_image(fake_server.url("/big.webp"))


def test_a_download_that_never_quite_times_out_is_given_up_at_its_deadline(tmp_path, fake_server):
    # A byte every 0.3 s: each read is well within the timeout, the whole image would take a minute.
    slow = Reply(200, webp_bytes() + b"\x00" * 200, {"Content-Type": "image/webp"}, dribble=0.3)
    fake_server.route("GET", "/slow.webp")(lambda request: slow)
    media = MediaStore(tmp_path / "content", frozenset({fake_server.host}), timeout=2,
                       download_seconds=1)
    started = time.monotonic()
    with pytest.raises(MediaError, match="download took longer than 1 s"):
        media.store_image(fake_server.url("/slow.webp"))
    assert time.monotonic() - started < 10


def test_nothing_is_downloaded_once_the_fetch_has_run_out_of_time(tmp_path, fake_server):
    media = MediaStore(tmp_path / "content", frozenset({fake_server.host}),
                       give_up_at=time.monotonic() - 1)
    with pytest.raises(MediaError, match="the fetch ran out of time"):
        media.store_image(fake_server.url("/bild.webp"))
    assert fake_server.requests == []


@pytest.mark.parametrize("host", ["a" * 64 + ".example", "cdn..example"])
def test_a_host_name_the_resolver_cannot_encode_is_refused_not_raised(tmp_path, fake_server, host):
    # An image URL in a feed is anyone's: a label over 63 characters or an empty one makes
    # socket.getaddrinfo raise UnicodeError.  Before netguard, address_allowed caught it and
    # the image was left out; now it leaves localise and fails the whole source's fetch.
    with connections_recorded() as connected, pytest.raises(MediaError):
        store(tmp_path, fake_server, allowed=False).store_image(f"https://{host}/bild.webp")
    assert connected == []


def test_a_proxy_from_the_environment_does_not_carry_a_download_to_a_private_address(
        tmp_path, fake_server, monkeypatch):
    # requests reads HTTP(S)_PROXY from the environment (a self-hosted runner behind a company
    # proxy).  Before netguard, address_allowed resolved the URL's host and refused a private
    # address whatever the route; now a proxied request goes through requests' ProxyManager,
    # whose pools are not the guarded ones: nothing is checked, and the proxy, inside the
    # network, fetches http://169.254.169.254/ (the metadata service) or 10.x for us.
    monkeypatch.setenv("HTTP_PROXY", fake_server.url("").rstrip("/"))
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with pytest.raises(MediaError, match="private or local address"):
        store(tmp_path, fake_server, allowed=False).store_image("http://169.254.169.254/latest/meta-data")
    assert not fake_server.requests, "the proxy was asked for the metadata service"


def test_two_images_at_most_are_decoded_at_once_whatever_the_threads(monkeypatch):
    # Sources store images from several threads each; a large image takes hundreds of MB to decode.
    decoding, most = [0], [0]
    lock = threading.Lock()
    turn_upright = media_module.ImageOps.exif_transpose

    def slow_turn(image):  # runs while the image is decoded: count who else is
        with lock:
            decoding[0] += 1
            most[0] = max(most[0], decoding[0])
        time.sleep(0.05)
        with lock:
            decoding[0] -= 1
        return turn_upright(image)

    monkeypatch.setattr(media_module.ImageOps, "exif_transpose", slow_turn)
    threads = [threading.Thread(target=reencode, args=(webp_bytes(60, 40), 40)) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 2
