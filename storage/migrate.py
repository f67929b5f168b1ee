"""Brings a database to the newest schema with Alembic; safe to run at every start and from several instances.

Alembic is imported only when there is something to do: a server started on a database already at the newest
schema (the usual case, as `make run` and deployments migrate first) does not carry it in memory (issue 9).
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from storage.database import create_database_engine, normalise_url

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(database_url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic reads this through ConfigParser, which treats % as interpolation.
    config.set_main_option("sqlalchemy.url", normalise_url(database_url).replace("%", "%%"))
    return config


def upgrade(database_url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")


def head_revision() -> str | None:
    """The newest migration, read from the migration files' `revision` and `down_revision` (None if not one head)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for node in ast.parse(path.read_text(), filename=str(path)).body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                value = node.value.value if isinstance(node.value, ast.Constant) else None
                if node.targets[0].id == "revision" and isinstance(value, str):
                    revisions.add(value)
                elif node.targets[0].id == "down_revision" and isinstance(value, str):
                    parents.add(value)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def is_current(database_url: str) -> bool:
    """True only if the database records exactly the newest migration."""
    head = head_revision()
    if head is None:
        return False
    engine = create_database_engine(database_url)
    try:
        with engine.connect() as connection:
            versions = [row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")]
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()
    return versions == [head]


def upgrade_if_needed(database_url: str) -> None:
    if not is_current(database_url):
        upgrade(database_url)
