"""Alembic environment: migrations run against the URL that storage.migrate passes in."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

import storage.tables  # noqa: F401  (registers the tables on SQLModel.metadata)
from storage.database import create_database_engine, is_sqlite

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    assert url is not None
    engine = create_database_engine(url)
    with engine.connect() as connection:
        if is_sqlite(url):
            # Batch migrations rebuild tables by copy-and-rename, which a foreign key check would refuse
            # mid-way; the keys are checked as a whole once the migration is done, below.
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            # Several instances may start together: the first takes the write lock (BEGIN IMMEDIATE, see
            # storage/database.py) for the whole migration; the others wait, then find nothing left to do.
            connection.begin()
        else:
            # Several instances may start together: one migrates, the others wait for it.
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(7215001)")
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=is_sqlite(url),
            transactional_ddl=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        # With the lock taken above the connection was already in a transaction, which Alembic leaves to us.
        if connection.in_transaction():
            connection.commit()
        if is_sqlite(url):
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.connection.driver_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
            if broken:
                raise RuntimeError(f"migration left rows without their parent records: {broken[:5]}")
    engine.dispose()


run_migrations_online()
