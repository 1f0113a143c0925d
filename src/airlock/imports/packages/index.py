"""The vetted index's pages: PEP 503 HTML and PEP 691 JSON, rendered from values."""

from __future__ import annotations

import html
import json
from collections.abc import Sequence

from airlock.store.interface import PackageFile

JSON_TYPE = "application/vnd.pypi.simple.v1+json"
HTML_TYPE = "text/html"


def wants_json(accept: str) -> bool:
    """PEP 691 content negotiation, simplified: JSON only when asked for by name."""
    return JSON_TYPE in accept


def root_page(projects: Sequence[str], as_json: bool) -> str:
    if as_json:
        return json.dumps(
            {"meta": {"api-version": "1.0"}, "projects": [{"name": p} for p in projects]}
        )
    links = "".join(f'<a href="/simple/{html.escape(p)}/">{html.escape(p)}</a>\n' for p in projects)
    return f"<!DOCTYPE html>\n<html><body>\n{links}</body></html>\n"


def project_page(project: str, files: Sequence[PackageFile], as_json: bool) -> str:
    if as_json:
        return json.dumps(
            {
                "meta": {"api-version": "1.0"},
                "name": project,
                "files": [
                    {
                        "filename": f.filename,
                        "url": f"/packages/{f.filename}",
                        "hashes": {"sha256": f.sha256},
                    }
                    for f in files
                ],
            }
        )
    links = "".join(
        f'<a href="/packages/{html.escape(f.filename)}#sha256={f.sha256}">'
        f"{html.escape(f.filename)}</a>\n"
        for f in files
    )
    return (
        f"<!DOCTYPE html>\n<html><body>\n<h1>Links for {html.escape(project)}</h1>\n"
        f"{links}</body></html>\n"
    )
