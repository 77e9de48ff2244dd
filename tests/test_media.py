"""Self-hosted media: only real raster images, re-encoded without metadata, never from private hosts."""

from __future__ import annotations

import io
import struct
import time
import zlib
from pathlib import Path

import pytest
import requests
from PIL import Image

from wall.media import MediaError, MediaStore, address_allowed, image_kind

from .conftest import webp_bytes
from .fakes import FakeServer, Reply


def store(tmp_path: Path, server: FakeServer, allowed: bool = True) -> MediaStore:
    hosts = frozenset({server.host}) if allowed else frozenset()
    return MediaStore(tmp_path / "content", requests.Session(), hosts, timeout=5)


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


def test_private_and_local_addresses_are_refused(tmp_path, fake_server):
    fake_server.route("GET", "/ok.webp")(lambda request: Reply(200, webp_bytes(), {"Content-Type": "image/webp"}))
    with pytest.raises(MediaError, match="private or local address"):
        store(tmp_path, fake_server, allowed=False).store_image(fake_server.url("/ok.webp"))
    assert not fake_server.requests, "nothing was sent to a refused address"
    for url in ("http://169.254.169.254/latest/meta-data", "http://localhost/x.png", "http://10.0.0.1/x.png",
                "http://[::1]/x.png"):
        assert not address_allowed(url, frozenset())


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
    media = MediaStore(tmp_path / "content", requests.Session(), frozenset({fake_server.host}), timeout=2,
                       download_seconds=1)
    started = time.monotonic()
    with pytest.raises(MediaError, match="download took longer than 1 s"):
        media.store_image(fake_server.url("/slow.webp"))
    assert time.monotonic() - started < 10


def test_nothing_is_downloaded_once_the_fetch_has_run_out_of_time(tmp_path, fake_server):
    media = MediaStore(tmp_path / "content", requests.Session(), frozenset({fake_server.host}),
                       give_up_at=time.monotonic() - 1)
    with pytest.raises(MediaError, match="the fetch ran out of time"):
        media.store_image(fake_server.url("/bild.webp"))
    assert fake_server.requests == []
