"""Issue 18's acceptance in headless Chromium: an approver reviews a held export and sees
its progress, a researcher sees only their own requests, errors are pages, and every page
passes axe-core with no serious or critical violation."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from playwright.sync_api import Browser

from airlock.domain.principals import Role
from airlock.egress import ExportResult
from airlock.service import Actor
from scripts.make_test_packages import BENIGN
from tests.support.accessibility import assert_accessible, open_signed_in, serious_violations
from tests.support.gateway import Gateway

WHEEL = "tidy-1.0-py3-none-any.whl"


def png(width: int = 4, height: int = 3) -> bytes:
    """A small valid RGB PNG, made by hand."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes([200, 30, 30] * width) for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def opaque_export(gateway: Gateway, who: str, name: str = "results.bin") -> ExportResult:
    researcher = gateway.airlock.principal(who)
    blob = b"results header\n" + np.random.default_rng(5).bytes(100_000)
    held = gateway.airlock.submit_export(researcher, io.BytesIO(blob), name, "eval dump")
    assert held.request.status.value == "held"
    return held


@pytest.fixture
def people(gateway: Gateway) -> dict[str, str]:
    operator = Actor.local_operator()
    return {
        name: gateway.airlock.add_principal(operator, name, role).token
        for name, role in (
            ("rita", Role.RESEARCHER),
            ("carl", Role.RESEARCHER),
            ("ann", Role.APPROVER),
            ("bob", Role.APPROVER),
        )
    }


def test_an_approver_reviews_votes_once_and_signs_out(
    browser: Browser, gateway: Gateway, people: dict[str, str]
) -> None:
    held = opaque_export(gateway, "rita")
    rid = held.request.id
    page = open_signed_in(browser, gateway, people["ann"])
    try:
        assert page.locator("#viewer").inner_text() == "ann"
        assert page.locator("nav a").count() >= 3  # navigation on every page
        row = page.locator("#pending tr", has_text=rid)
        assert "results.bin" in row.inner_text() and "0 of 2" in row.inner_text()
        page.click(f"a[href='/ui/requests/{rid}']")

        assert page.locator("#file-name").inner_text() == "results.bin"
        assert page.locator("#file-size").inner_text() == "98 KiB (100,015 bytes)"
        assert "opaque" in page.locator("#reasons").inner_text()
        assert page.locator("#approvals").inner_text() == "0 of 2"
        assert page.locator("#eligible").inner_text() == "ann, bob, root-admin"
        assert page.locator("#expires").inner_text().startswith("in ")
        assert "approve" in page.locator("#next-step").inner_text()
        # Opaque bytes: a byte histogram and entropy per block, as SVG, and the hex.
        assert page.locator("#histogram svg rect").count() == 256
        assert page.locator("#entropy svg polyline").count() == 1
        assert float(page.locator("#mean-entropy").inner_text()) > 7.5
        assert (page.locator("#preview").text_content() or "").startswith("72 65 73 75")  # "resu"
        assert_accessible(page)

        # The form validates before sending: an empty reason never leaves the browser.
        page.click("#approve")
        assert page.url.endswith(f"/ui/requests/{rid}")
        assert page.evaluate("document.querySelector('#reason').validity.valueMissing")

        page.fill("#reason", "checked with rita: encrypted eval dump for the partner")
        page.click("#approve")
        assert page.locator("#request-status").inner_text() == "held"
        assert page.locator("#approvals").inner_text() == "1 of 2 (you)"
        assert "ann approved" in page.locator("#votes").inner_text()
        assert page.locator("#eligible").inner_text() == "bob, root-admin"
        assert page.locator("#approve").count() == 0  # cannot vote again
        assert page.locator("#vote-form").count() == 0
        assert "you voted" in page.locator("#next-step").inner_text()

        page.click("#sign-out")
        page.wait_for_url("**/ui/login?signed_out=1")
        assert page.locator("#login-notice").inner_text() == "You are signed out."
        assert_accessible(page)
        page.goto(gateway.url + f"/ui/requests/{rid}")
        assert page.url.endswith("/ui/login")
    finally:
        page.close()


def test_a_second_vote_is_an_html_refusal_not_json(
    browser: Browser, gateway: Gateway, people: dict[str, str]
) -> None:
    rid = opaque_export(gateway, "rita").request.id
    page = open_signed_in(browser, gateway, people["ann"])
    try:
        page.goto(f"{gateway.url}/ui/requests/{rid}")
        form = {
            "digest": page.locator("#vote-form input[name=digest]").get_attribute("value") or "",
            "csrf": page.locator("#vote-form input[name=csrf]").get_attribute("value") or "",
        }
        page.fill("#reason", "fine")
        page.click("#approve")
        # The same form posted again (a second tab, a double click): refused, on the page.
        again = page.request.post(
            f"{gateway.url}/ui/requests/{rid}/vote",
            form={**form, "decision": "approve", "reason": "again"},
        )
        assert again.ok and "text/html" in again.headers["content-type"]
        assert "already voted" in again.text()
        # A reason too short, sent past the browser's own check: said on the page.
        short = page.request.post(
            f"{gateway.url}/ui/requests/{rid}/vote",
            form={**form, "decision": "approve", "reason": " "},
        )
        assert "at least 3 characters" in short.text()
        # Fields missing altogether: a 400 page with navigation, not the API's JSON.
        missing = page.request.post(f"{gateway.url}/ui/requests/{rid}/vote", form={})
        assert missing.status == 400 and "text/html" in missing.headers["content-type"]
        assert 'id="nav-home"' in missing.text()
    finally:
        page.close()


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/ui/requests/req_00000000000000000000000000000000", 404, "Not found"),
        ("/ui/requests/not-an-id", 400, "Not accepted"),
        ("/ui/no-such-page", 404, "Not found"),
    ],
)
def test_page_errors_are_pages(
    browser: Browser,
    gateway: Gateway,
    people: dict[str, str],
    path: str,
    status: int,
    words: str,
) -> None:
    page = open_signed_in(browser, gateway, people["ann"])
    try:
        answer = page.goto(gateway.url + path)
        assert answer is not None and answer.status == status
        assert page.locator("h1").inner_text() == words
        assert page.locator("#nav-home").count() == 1
        assert_accessible(page)
    finally:
        page.close()


def test_a_researcher_sees_only_their_own_requests(
    browser: Browser, gateway: Gateway, people: dict[str, str]
) -> None:
    mine = opaque_export(gateway, "rita", "mine.bin").request.id
    theirs = opaque_export(gateway, "carl", "theirs.bin").request.id
    page = open_signed_in(browser, gateway, people["rita"])
    try:
        pending = page.locator("#pending").inner_text()
        assert "mine.bin" in pending and "theirs.bin" not in pending
        page.click("#nav-mine")
        rows = page.locator(".mine-row")
        assert rows.count() == 1 and rows.first.get_attribute("data-request") == mine
        assert rows.first.locator(".state").inner_text() == "held"
        assert rows.first.locator(".waited").inner_text().endswith("s")
        assert_accessible(page)
        page.goto(f"{gateway.url}/ui/requests/{mine}")
        assert page.locator("#approvals").inner_text() == "0 of 2"
        assert page.locator("#approve").count() == 0  # nobody approves their own request
        assert "you cannot approve your own" in page.locator("#next-step").inner_text()
        answer = page.goto(f"{gateway.url}/ui/requests/{theirs}")
        assert answer is not None and answer.status == 403
        assert page.locator("#refusal").count() == 1
        assert "theirs.bin" not in page.content() and page.locator("#histogram").count() == 0
        assert page.locator("#nav-friction").count() == 0  # not a page a researcher may open
    finally:
        page.close()


def test_previews_suit_the_content_and_pass_axe(
    browser: Browser, gateway: Gateway, people: dict[str, str]
) -> None:
    airlock = gateway.airlock
    rita = airlock.principal("rita")
    table = io.BytesIO()
    pq.write_table(pa.table({"step": [1, 2, 3], "loss": ["0.5", "0.4", "0.3"]}), table)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("notes/readme.txt", "hello\n")
        zipped.writestr("plot.txt", "a plot\n")
    files = {
        "plot.png": png(),
        "loss.csv": b"step,loss\n1,0.5\n2,0.4\n",
        "notes.txt": b"<script>alert(1)</script> results are good\n",
        "table.parquet": table.getvalue(),
        "bundle.zip": archive.getvalue(),
    }
    ids = {
        name: airlock.submit_export(rita, io.BytesIO(data), name, "figures").request.id
        for name, data in files.items()
    }
    page = open_signed_in(browser, gateway, people["ann"])
    try:
        page.goto(f"{gateway.url}/ui/requests/{ids['plot.png']}")
        image = page.locator("#preview-image")
        assert (image.get_attribute("src") or "").startswith("data:image/png;base64,")
        assert page.evaluate("document.querySelector('#preview-image').naturalWidth") == 4
        assert_accessible(page)

        page.goto(f"{gateway.url}/ui/requests/{ids['loss.csv']}")
        assert page.locator("#preview-table th").all_inner_texts() == ["step", "loss"]
        assert page.locator("#preview-table tr").count() == 3
        assert_accessible(page)

        page.goto(f"{gateway.url}/ui/requests/{ids['notes.txt']}")
        assert page.locator("#preview").inner_text().startswith("<script>alert(1)</script>")
        assert page.locator("#preview script").count() == 0  # shown as text, never run
        assert_accessible(page)

        changed = b"<script>alert(1)</script> results are better\n"
        second = airlock.submit_export(rita, io.BytesIO(changed), "notes.txt", "again").request
        page.goto(f"{gateway.url}/ui/requests/{second.id}")
        diff = page.locator("#preview-diff").inner_text()
        assert "-<script>alert(1)</script> results are good" in diff
        assert "+<script>alert(1)</script> results are better" in diff
        assert ids["notes.txt"] in page.locator("#diff-details summary").inner_text()
        assert_accessible(page)

        page.goto(f"{gateway.url}/ui/requests/{ids['table.parquet']}")
        assert page.locator("#preview-table th").all_inner_texts() == ["step", "loss"]
        assert "0.4" in page.locator("#preview-table").inner_text()

        page.goto(f"{gateway.url}/ui/requests/{ids['bundle.zip']}")
        members = page.locator("#preview-members").inner_text()
        assert "notes/readme.txt" in members and "plot.txt" in members
        assert_accessible(page)

        wheel = airlock.admit_package(rita, WHEEL, BENIGN[WHEEL]).request.id
        page.goto(f"{gateway.url}/ui/requests/{wheel}")
        assert "tidy-1.0.dist-info/METADATA" in page.locator("#preview-members").inner_text()
        assert_accessible(page)
    finally:
        page.close()


def test_every_page_passes_axe(browser: Browser, gateway: Gateway, people: dict[str, str]) -> None:
    opaque_export(gateway, "rita")
    page = browser.new_page(bypass_csp=True)
    try:
        page.goto(gateway.url + "/ui/login")
        assert_accessible(page)
    finally:
        page.close()
    for who in ("ann", "rita"):
        page = open_signed_in(browser, gateway, people[who])
        try:
            for path in ("/", "/ui/requests", "/ui/mine", "/ui/metrics", "/ui/assess?level=SL2"):
                answer = page.goto(gateway.url + path)
                assert answer is not None
                if answer.status != 200:  # a refusal is a page too, and must pass as well
                    assert who == "rita" and answer.status == 403, (who, path, answer.status)
                    assert path in ("/ui/metrics", "/ui/assess?level=SL2")
                    assert page.locator("#refusal").count() == 1
                assert_accessible(page)
        finally:
            page.close()


def test_the_friction_dashboard_charts_weeks_and_teams(
    browser: Browser, gateway: Gateway, people: dict[str, str]
) -> None:
    airlock = gateway.airlock
    held = opaque_export(gateway, "rita")
    for voter in ("ann", "bob"):
        airlock.vote(airlock.principal(voter), held.request.id, True, "ok", held.request.digest)
    airlock.submit_export(airlock.principal("rita"), io.BytesIO(b"a,b\n1,2\n"), "t.csv", "fig")
    page = open_signed_in(browser, gateway, people["ann"])
    try:
        page.goto(gateway.url + "/ui/metrics?weeks=4")
        assert page.locator("#m-requests").inner_text() == "2"
        assert page.locator("#m-auto").inner_text() == "50.0%"
        assert page.locator("#m-held").inner_text() == "1"
        assert page.locator("#m-unlooked").inner_text() == "0"
        assert page.locator("#m-first-look").inner_text().endswith(" s")
        weeks = page.locator("#friction-weeks tr")
        assert weeks.count() == 5  # a header and four weeks
        this_week = weeks.last.inner_text().split("\t")
        assert this_week[1:3] == ["2", "50%"] and this_week[7] == "1"  # one hold overturned
        charted = ("auto-by-week", "p90-by-week", "first-look-by-week", "overturned-by-team")
        for chart in (*charted, "locks-by-team"):
            assert page.locator(f"#svg-{chart} svg[role=img] title").count() >= 1
        assert page.locator("#svg-auto-by-week svg rect").count() == 4
        assert_accessible(page)
    finally:
        page.close()


def test_the_accessibility_check_can_fail(browser: Browser) -> None:
    page = browser.new_page()
    try:
        page.set_content('<html><body><img src="data:,"><a href="/"></a></body></html>')
        found = serious_violations(page)
        assert any(v.startswith("image-alt") for v in found), found
    finally:
        page.close()
