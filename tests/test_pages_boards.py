"""Public honour boards: the index, a board's page and its PDF; masked names only, households
to improve only where the board includes them, and each township's boards at its own URLs."""

from __future__ import annotations

import base64
import datetime as dt
import re
import zlib

import pytest
from django.test import Client

from platform_core.evaluation.services import finalise_month
from platform_core.households.models import Village
from platform_core.publication.services import publish_board
from tests import factories as f

pytestmark = pytest.mark.django_db

D = dt.date
MARCH = D(2026, 3, 1)
PAGE = re.compile(rb"/Type /Page\b")
STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.S)
SHOWN = re.compile(rb"\(((?:[^()\\]|\\.)*)\) Tj", re.S)
ESCAPE = re.compile(rb"\\([0-7]{1,3}|.)", re.S)


@pytest.fixture
def boards(township_a, in_township):
    """甲镇, March finalised. V01 太湖村 (俞国明 green, 沈红 red, 张小英 blue) published
    without households to improve; V02 白雀村 (俞国明 green, 沈红 red) published with them."""
    # Red households are shown for at most red_publication_months of their red run
    # (tests/test_red_publication.py): the longest keeps 沈红 on V02's board to 2029-02.
    township_a.red_publication_months = 36
    township_a.save(update_fields=["red_publication_months"])
    with in_township(township_a):
        f.village()
        f.village("V02", "白雀村", size=2)
        for village in ("V01", "V02"):
            f.approved(f"{village}-0001", "VO-03", D(2026, 3, 3))
            f.approved(f"{village}-0002", "P7-02", D(2026, 3, 4))
        finalise_month(MARCH, by=f.person())
        publisher = f.person("publisher")
        township_a.publish_red_on_board = False
        publish_board(
            Village.objects.get(code="V01"),
            year=2026,
            quarter=1,
            publisher=publisher,
            township=township_a,
        )
        township_a.publish_red_on_board = True
        publish_board(
            Village.objects.get(code="V02"),
            year=2026,
            quarter=1,
            publisher=publisher,
            township=township_a,
        )
    township_a.refresh_from_db()
    return township_a


def public() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def pdf_text(content: bytes) -> bytes:
    """The strings shown by a reportlab PDF's pages: content streams decoded (ASCII85, then
    Flate), and the ``(...) Tj`` strings in them unescaped."""
    streams = b""
    for raw in STREAM.findall(content):
        try:
            packed = base64.a85decode(raw.strip().removesuffix(b"~>"), adobe=False)
            streams += zlib.decompress(packed)
        except (ValueError, zlib.error):
            continue  # not a page's content (fonts, metadata)
    shown = b""
    for literal in SHOWN.findall(streams):
        shown += ESCAPE.sub(_unescape, literal) + b"\n"
    return shown


def _unescape(match: re.Match) -> bytes:
    escaped = match.group(1)
    if escaped[:1].isdigit():
        return bytes([int(escaped, 8)])
    return {b"n": b"\n", b"r": b"\r", b"t": b"\t"}.get(escaped, escaped)


def cid(text: str) -> bytes:
    """How reportlab writes the CID font's text: UCS-2 (UTF-16BE) bytes."""
    return text.encode("utf-16-be")


def test_the_index_lists_published_boards_for_everyone(boards):
    response = public().get(f"/t/{boards.code}/boards/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "太湖村" in text and "白雀村" in text and "2026 Q1" in text
    assert f"/t/{boards.code}/boards/V01/2026-Q1/" in text
    assert f"/t/{boards.code}/boards/V02/2026-Q1.pdf" in text


def test_the_index_says_when_nothing_is_published(township_a):
    text = public().get(f"/t/{township_a.code}/boards/").content.decode()
    assert "No honour board has been published yet." in text


def test_a_board_lists_masked_model_households_and_hides_red_when_excluded(boards):
    response = public().get(f"/t/{boards.code}/boards/V01/2026-Q1/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "太湖村 honour board, 2026 Q1" in text
    assert "Based on the evaluation of 2026-03." in text
    assert "Published by 甲镇 on" in text and "publisher@test.local" not in text
    assert "<li>俞*明</li>" in text and "俞国明" not in text
    assert "沈某" not in text and "沈红" not in text  # red, and the board excludes red
    assert "Households to improve" not in text
    assert "张*英" not in text  # blue households are on no board


def test_a_board_that_includes_red_lists_households_to_improve_masked(boards):
    text = public().get(f"/t/{boards.code}/boards/V02/2026-Q1/").content.decode()
    assert "Households to improve (1)" in text
    assert "data-basis" in text and "村规民约" in text  # the basis of the red list
    assert "<li>沈某</li>" in text and "沈红" not in text
    assert "<li>俞*明</li>" in text and "俞国明" not in text


def test_signed_in_staff_see_the_same_masked_board(boards):
    admin = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert admin.login(username="admin@jia.test", password="pw-jia")
    text = admin.get(f"/t/{boards.code}/boards/V02/2026-Q1/").content.decode()
    assert "俞国明" not in text and "沈红" not in text and "<li>沈某</li>" in text


def test_the_board_pdf_is_printable_and_masked(boards):
    response = public().get(f"/t/{boards.code}/boards/V02/2026-Q1.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert len(PAGE.findall(response.content)) == 1
    assert b"STSong-Light" in response.content
    text = pdf_text(response.content)
    assert cid("俞") in text and cid("国明") not in text and cid("沈红") not in text
    assert cid("待提升户") in text  # V02's board includes households to improve
    v01 = pdf_text(public().get(f"/t/{boards.code}/boards/V01/2026-Q1.pdf").content)
    assert cid("诚信示范户") in v01 and cid("待提升户") not in v01


def test_a_long_board_runs_over_several_pages(township_a, in_township):
    with in_township(township_a):
        village = f.village("V07", "大村", size=200)
        for n in range(1, 201):
            f.approved(f"V07-{n:04d}", "VO-01", D(2026, 3, 3))
        finalise_month(MARCH, by=f.person())
        publish_board(village, year=2026, quarter=1, publisher=f.person(), township=township_a)
    content = public().get(f"/t/{township_a.code}/boards/V07/2026-Q1.pdf").content
    assert len(PAGE.findall(content)) > 1
    assert b"- 2 -" in pdf_text(content)  # page numbers, and the running head on page 2
    assert cid("大村") in pdf_text(content)


@pytest.mark.parametrize(
    "path",
    [
        "boards/V03/2026-Q1/",  # no such village
        "boards/V01/2026-Q2/",  # not published
        "boards/V01/2025-Q1.pdf",
        "boards/V01/2026-Q5/",
    ],
)
def test_unknown_boards_answer_404(boards, path):
    response = public().get(f"/t/{boards.code}/{path}")
    assert response.status_code == 404
    assert b"No such honour board" in response.content


def test_another_townships_board_is_not_reachable_here(boards, township_b, in_township):
    with in_township(township_b):
        village = f.village("V09", "乙村", size=1)
        f.approved("V09-0001", "VO-03", D(2026, 3, 3))
        finalise_month(MARCH, by=f.person())
        publish_board(village, year=2026, quarter=1, publisher=f.person(), township=township_b)
    assert public().get(f"/t/{boards.code}/boards/V09/2026-Q1/").status_code == 404
    assert public().get(f"/t/{boards.code}/boards/V09/2026-Q1.pdf").status_code == 404
    assert "乙村" not in public().get(f"/t/{boards.code}/boards/").content.decode()
    there = public().get(f"/t/{township_b.code}/boards/V09/2026-Q1/").content.decode()
    assert "乙村 honour board, 2026 Q1" in there
    index_b = public().get(f"/t/{township_b.code}/boards/").content.decode()
    assert "太湖村" not in index_b
