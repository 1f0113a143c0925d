"""The friction dashboard and `airlock metrics --json --weeks N` say the same numbers, and
the page errors of the UI are HTML pages (issue 18), over real HTTP."""

from __future__ import annotations

import contextlib
import io
import json
import re

import numpy as np

from airlock.domain.principals import Role
from airlock.errors import NotFound
from airlock.render.json import to_jsonable
from airlock.service import Actor
from tests.support.gateway import CliRunner, Gateway


def test_metrics_json_by_week_and_team_matches_the_page(
    gateway: Gateway, initialised_cli: CliRunner
) -> None:
    airlock = gateway.airlock
    operator = Actor.local_operator()
    rita = airlock.add_principal(operator, "rita", Role.RESEARCHER).principal
    ann = airlock.add_principal(operator, "ann", Role.APPROVER).principal
    bob = airlock.add_principal(operator, "bob", Role.APPROVER).principal
    airlock.add_project(operator, "vision")
    airlock.add_member(operator, "vision", "rita")
    held = airlock.submit_export(
        rita, io.BytesIO(np.random.default_rng(1).bytes(50_000)), "w.bin", "dump"
    )
    for voter in (ann, bob):
        airlock.vote(voter, held.request.id, True, "checked", held.request.digest)
    airlock.submit_export(rita, io.BytesIO(b"a,b\n1,2\n"), "t.csv", "figure")

    answer = initialised_cli("metrics", "--json", "--weeks", "3")
    assert answer.code == 0, answer.err
    printed = json.loads(answer.out)
    expected = to_jsonable(airlock.friction_trends(3))
    assert printed["weeks"] == expected["weeks"] and printed["teams"] == expected["teams"]
    assert printed["requests"] == 2  # the week's figures are still there, as before
    this_week = printed["weeks"][-1]
    assert this_week["report"]["requests"] == 2 and this_week["overturned"] == 1
    assert [t["label"] for t in printed["teams"]] == ["vision"]

    with gateway.client() as client:
        client.cookies.set("airlock_session", gateway.admin_token)
        page = client.get("/ui/metrics", params={"weeks": 3})
    assert page.status_code == 200
    weeks = re.search(r'<table id="friction-weeks">(.*?)</table>', page.text, re.S)
    assert weeks is not None
    cells = re.findall(r"<t[hd][^>]*>([^<]*)</t[hd]>", weeks.group(1).split("</tr>")[-2])
    assert cells[0] == this_week["label"]
    assert cells[1] == str(this_week["report"]["requests"])
    assert cells[2] == f"{this_week['report']['auto_release_rate'] * 100:.0f}%"
    assert cells[7] == str(this_week["overturned"])
    assert "<script" not in page.text  # charts are server-rendered SVG, no JavaScript
    assert page.text.count('<svg xmlns="http://www.w3.org/2000/svg" role="img"') == 14


def test_text_metrics_print_weeks_and_teams(initialised_cli: CliRunner) -> None:
    answer = initialised_cli("metrics", "--weeks", "2")
    assert answer.code == 0, answer.err
    assert "overturned" in answer.out.lower() and answer.out.count("\n") > 4


def test_page_errors_are_html_with_the_way_back(gateway: Gateway) -> None:
    with gateway.client() as client:
        client.cookies.set("airlock_session", gateway.admin_token)
        unknown = client.get("/ui/requests/req_" + "0" * 32)
        malformed = client.get("/ui/requests/nope")
        empty = client.post("/ui/requests/req_" + "0" * 32 + "/vote", data={})
    with gateway.client() as client:
        no_token = client.post("/ui/login", data={})
    assert no_token.status_code == 400 and 'id="nav-sign-in"' in no_token.text
    for answer, status in ((unknown, 404), (malformed, 400), (empty, 400)):
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"].startswith("text/html")
        assert 'id="error-back"' in answer.text and 'id="sign-out"' in answer.text
        assert "default-src 'self'" in answer.headers["content-security-policy"]
    with gateway.client() as client:  # the API itself still answers JSON
        api = client.get(
            "/requests/nope", headers={"Authorization": f"Bearer {gateway.admin_token}"}
        )
    assert api.json()["error"]["type"] == "InvalidInput"


def test_sign_out_deletes_the_session_cookie(gateway: Gateway) -> None:
    with gateway.client() as client:
        client.cookies.set("airlock_session", gateway.admin_token)
        forged = client.post("/ui/logout", data={"csrf": "from another site"})
        assert forged.status_code == 303 and "set-cookie" not in forged.headers
        form = client.get("/").text
        csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', form)
        assert csrf is not None
        answer = client.post("/ui/logout", data={"csrf": csrf.group(1)})
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/login?signed_out=1"
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith('airlock_session=""') and "Max-Age=0" in cookie


def test_a_request_whose_bytes_are_gone_still_has_its_page(gateway: Gateway) -> None:
    airlock = gateway.airlock
    operator = Actor.local_operator()
    rita = airlock.add_principal(operator, "rita", Role.RESEARCHER).principal
    ann = airlock.add_principal(operator, "ann", Role.APPROVER).principal
    held = airlock.submit_export(
        rita, io.BytesIO(np.random.default_rng(2).bytes(30_000)), "gone.bin", "dump"
    )
    airlock.vote(ann, held.request.id, False, "not without a reason", held.request.digest)
    with contextlib.suppress(NotFound):  # denial may already have dropped them
        airlock.outbox.path(held.request.digest).unlink()
    with gateway.client() as client:
        client.cookies.set("airlock_session", gateway.admin_token)
        page = client.get(f"/ui/requests/{held.request.id}")
    assert page.status_code == 200, page.text
    assert "no longer kept" in page.text and 'id="request-status">denied<' in page.text


def test_the_output_channel_is_on_the_page_and_in_the_json(
    gateway: Gateway, initialised_cli: CliRunner
) -> None:
    printed = json.loads(initialised_cli("metrics", "--json").out)["outputs"]
    assert printed["tokens"] == 0 and printed["timing"]["open"] is True
    assert printed["timing"]["bits_per_streamed_token"] > 18
    with gateway.client() as client:
        client.cookies.set("airlock_session", gateway.admin_token)
        page = client.get("/ui/metrics")
    assert page.status_code == 200
    assert re.search(r'id="o-tokens">0<', page.text)
    timing = re.search(r'id="o-timing">([^<]*)<', page.text)
    assert timing is not None and timing.group(1).startswith("open: 18.2 bits per streamed token")
