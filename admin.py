"""Administrator commands: migrate the database, register staff and the determination team.

python admin.py migrate
python admin.py add-staff USER_ID "Full Name" [--determination-team]
python admin.py seed-playground      # the Agents Playground's mock users, for a local try-out
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime

from bot.settings import Settings
from casework.services import register_staff
from casework.types import Actor, StaffMember
from storage.database import create_database_engine
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWork

ADMIN = Actor("admin-cli", "Administrator (command line)")

# The users defined in .m365agentsplayground.yml: (object id, name, on the determination team).
PLAYGROUND_STAFF = (
    ("00000000-0000-0000-0000-0000000000a1", "Sam Staff", False),
    ("00000000-0000-0000-0000-0000000000a2", "Morgan Manager", False),
    ("00000000-0000-0000-0000-0000000000b1", "Harper Safety", True),
    ("00000000-0000-0000-0000-0000000000b2", "Casey Experience", True),
    ("00000000-0000-0000-0000-0000000000b3", "Lee Strategy", True),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="admin.py", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="bring the database to the newest schema")
    add = commands.add_parser("add-staff", help="register a member of staff")
    add.add_argument("user_id", help="their Entra ID object id")
    add.add_argument("name")
    add.add_argument("--determination-team", action="store_true")
    commands.add_parser("seed-playground", help="register the Agents Playground's mock users")
    args = parser.parse_args(argv)

    settings = Settings()
    upgrade(settings.database_url)
    if args.command == "migrate":
        print("Database is at the newest schema.")
        return 0
    engine = create_database_engine(settings.database_url)

    def now() -> datetime:
        return datetime.now(UTC)

    if args.command == "add-staff":
        register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember(args.user_id, args.name, args.determination_team), now)
        print(f"Registered {args.name}.")
    elif args.command == "seed-playground":
        if not settings.development_mode:
            print("seed-playground is for development mode only.", file=sys.stderr)
            return 2
        for user_id, name, on_team in PLAYGROUND_STAFF:
            register_staff(SqlUnitOfWork(engine), ADMIN, StaffMember(user_id, name, on_team), now)
        print(f"Registered {len(PLAYGROUND_STAFF)} playground users.")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
