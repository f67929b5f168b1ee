"""Builds the bot from settings and serves it: POST /api/messages, GET /healthz. Nothing happens at import time."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import logging
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from aiohttp import web

from bot.adapter import close_adapter, create_adapter
from bot.http import RejectionCounter, health_handler, messages_handler
from bot.letter_links import LetterCards, development_secret, letter_handler
from bot.logs import PathOnlyAccessLogger, configure_logging
from bot.notifications import Notifications
from bot.notifier import Notifier, PrivateAnswers
from bot.outbox_worker import OutboxSettings, OutboxWorker
from bot.reminders import ConfirmationChase, EscalationChase, ReminderSweep
from bot.report_links import ReportLinkMaker, report_handler
from bot.staff_roster import NoStaffRoster, TeamsStaffRoster
from bot.team_channel import TeamChannelReferences, channel_tenant
from bot.teams_bot import CaseworkBot
from bot.turns import TurnsInProgress
from casework.configuration import Clock, StaffGuidance
from casework.dependencies import Dependencies
from casework.entities import LetterContent
from casework.gateway import BlockingCalls, CaseworkGateway
from casework.retention import run_daily_retention
from letters.council import DEFAULT_FILE, load_council
from letters.pdf import find_converter
from letters.render import render_docx
from settings import Settings
from storage.bot_state import BotStateStore
from storage.conversation_references import ConversationReferenceStore
from storage.database import DATABASE_POOL_SIZE, DatabaseTimeouts, create_database_engine, is_sqlite, is_unavailable
from storage.door import DoorReads
from storage.migrate import upgrade_if_needed
from storage.unit_of_work import SqlUnitOfWork

log = logging.getLogger(__name__)

SWEEP_KEY = web.AppKey("reminder_sweep", ReminderSweep)
NOTIFIER_KEY = web.AppKey("notifier", Notifier)
OUTBOX_KEY = web.AppKey("outbox", OutboxWorker)


def utc_now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: Settings, clock: Clock = utc_now, run_sweep: bool = True) -> web.Application:
    """Wires everything once: the database, the casework with its dependencies bound, the Teams edge. `run_sweep`
    starts the background workers (the review sweep and the outbox); tests drive them by hand."""
    settings.check_safe()
    upgrade_if_needed(settings.database_url)
    engine = create_database_engine(
        settings.database_url,
        DatabaseTimeouts(
            connect=settings.database_connect_timeout_seconds,
            statement=settings.database_statement_timeout_seconds,
            pool=settings.database_pool_timeout_seconds,
            sqlite_busy=settings.sqlite_busy_timeout_seconds,
        ),
    )
    blocking = BlockingCalls(
        settings.database_call_timeout_seconds, is_unavailable, on_loop=is_sqlite(settings.database_url)
    )
    council = load_council(settings.council_letters_file or DEFAULT_FILE)

    def render(content: LetterContent) -> bytes:
        return render_docx(content, council.logo)

    casework = CaseworkGateway(
        lambda: SqlUnitOfWork(engine),
        Dependencies(
            clock=clock,
            rules=settings.decision_rules,
            council=council.details,
            render=render,
            review_lead=timedelta(days=settings.reminder_lead_days),
            correspondence_review_within=timedelta(days=settings.correspondence_review_days),
            oversight_minimum_group=settings.oversight_minimum_group,
        ),
        blocking,
    )
    references = ConversationReferenceStore(engine)
    team = settings.determination_team_conversation_id
    team_channel = TeamChannelReferences(
        references, team, channel_tenant(settings.app_tenant_id, settings.allowed_tenant_ids), settings.app_id
    )
    adapter = create_adapter(settings)
    notifier = Notifier(adapter, team_channel, settings.app_id, timeout=settings.outbound_timeout_seconds)
    # check_safe() has refused to start without a secret outside development mode.
    link_secret = settings.letter_link_secret or development_secret()
    # LibreOffice, if installed, is looked for once: the letter cards offer a PDF only where it can be made.
    pdf = find_converter(settings.libreoffice_binary, settings.pdf_timeout_seconds)
    if pdf is None:
        log.info(
            "LibreOffice not found (LIBREOFFICE_BINARY=%r): letters are offered as .docx only",
            settings.libreoffice_binary,
        )
    letters = LetterCards(
        casework,
        link_secret,
        settings.letters_base_url,
        timedelta(minutes=settings.letter_link_minutes),
        offers_pdf=pdf is not None,
    )
    turns = TurnsInProgress()
    outbox = OutboxWorker(
        casework,
        Notifications(casework, letters, team),
        notifier,
        team_channel,
        OutboxSettings(
            poll_seconds=settings.outbox_poll_seconds,
            lease_for=timedelta(seconds=settings.outbox_lease_seconds),
            concurrency=settings.outbox_concurrency,
            max_attempts=settings.outbound_max_attempts,
            base_delay=settings.outbound_base_delay_seconds,
        ),
        turns,
    )
    casework.when_published(outbox.wake)
    roster = (
        TeamsStaffRoster(team_channel, notifier, settings.staff_team_ids, keep_for=settings.staff_roster_minutes * 60)
        if settings.staff_team_ids
        else NoStaffRoster()
    )
    bot = CaseworkBot(
        BotStateStore(engine),
        DoorReads(engine),
        casework,
        references,
        StaffGuidance(settings.safety_guidance, settings.recording_guidance),
        PrivateAnswers(notifier),
        team,
        letters,
        roster,
        ReportLinkMaker(link_secret, settings.letters_base_url, timedelta(minutes=settings.letter_link_minutes)),
    )
    sweep = ReminderSweep(
        casework,
        settings.reminder_sweep_seconds,
        EscalationChase(
            timedelta(hours=settings.escalation_chase_hours),
            timedelta(hours=settings.escalation_chase_repeat_hours),
            timedelta(hours=settings.review_overdue_repeat_hours),
        ),
        team_configured=bool(team),
        confirmation=ConfirmationChase(
            remind_before=timedelta(hours=settings.immediate_confirmation_remind_hours),
            repeat_every=timedelta(hours=settings.immediate_unconfirmed_chase_hours),
            lapse=settings.immediate_unconfirmed == "lapse",
        ),
        retention=(
            functools.partial(run_daily_retention, SqlUnitOfWork(engine), settings.retention_periods, clock)
            if settings.retention_enabled
            else None
        ),
        team_reachable=lambda: team_channel.status().reachable,
    )

    app = web.Application()
    app[SWEEP_KEY] = sweep
    app[NOTIFIER_KEY] = notifier
    app[OUTBOX_KEY] = outbox
    rejections = RejectionCounter()
    app.router.add_post("/api/messages", messages_handler(adapter, bot, settings, rejections, turns))
    app.router.add_get("/healthz", health_handler(engine, team_channel.status, rejections, blocking))
    app.router.add_get("/letters/{letter_id}", letter_handler(casework, link_secret))
    if pdf is not None:
        app.router.add_get("/letters/{letter_id}/pdf", letter_handler(casework, link_secret, pdf))
    app.router.add_get("/reports/{period}.{format}", report_handler(casework, link_secret, council.details.name))

    async def background(_app: web.Application) -> AsyncIterator[None]:
        # Database calls run on worker threads (asyncio.to_thread), except SQLite's casework and bot state, which
        # run on the loop (BlockingCalls on_loop). SQLite lets one writer in at a time and makes the others sleep
        # and poll, so its remaining calls queue on one thread; PostgreSQL gets a thread per pooled connection.
        workers = 1 if is_sqlite(settings.database_url) else DATABASE_POOL_SIZE
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(workers, thread_name_prefix="database"))
        await _report_team_channel(team_channel, team)
        tasks = (
            [asyncio.create_task(sweep.run_forever()), asyncio.create_task(outbox.run_forever())] if run_sweep else []
        )
        yield
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if tasks:
            await outbox.stop()
        await close_adapter(adapter)
        engine.dispose()

    app.cleanup_ctx.append(background)
    return app


async def _report_team_channel(team_channel: TeamChannelReferences, channel_id: str) -> None:
    """Says at start-up whether the team's cards can be delivered, rather than when the first urgent one is lost."""
    status = await asyncio.to_thread(team_channel.status)
    if status.reachable:
        log.info("determination team channel %s reachable: %s", channel_id, status.detail)
    else:
        log.warning("determination team channel %r cannot be reached: %s", channel_id, status.detail)


async def freeze_start_up_heap(_app: web.Application) -> None:
    """Run once the app has started: what start-up made (modules, the app, its caches) lives as long as the process,
    so it is moved out of the garbage collector's sight. Unfrozen, each full collection scanned all of it, about
    150 ms with nothing to free, inside whoever's turn it fell in; frozen, it scans only what turns made since
    (bench/outbox.py: no pause over 10 ms in 400 submits, and no 150-290 ms p99 outliers)."""
    gc.collect()
    gc.freeze()


def main() -> None:
    settings = Settings()
    configure_logging(settings.log_level)
    app = create_app(settings)
    app.on_startup.append(freeze_start_up_heap)
    web.run_app(app, host=settings.host, port=settings.port, access_log_class=PathOnlyAccessLogger)


if __name__ == "__main__":
    main()
