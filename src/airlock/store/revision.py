"""The schema revision this code needs, apart from the table definitions, so a reader that
does without SQLAlchemy (:mod:`airlock.store.sqlite_glance`) can check it too."""

SCHEMA_REVISION = "0017_known_bad_packages"  # issue 16
