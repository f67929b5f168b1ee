"""Stored conversation references on both databases: saved, replaced, found, and saved by two first turns at once."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlmodel import Session

from storage import conversation_references
from storage.conversation_references import ConversationReferenceStore
from tests.storage_checks import run_together


def test_conversation_references_are_saved_updated_and_found(engine: Engine) -> None:
    store = ConversationReferenceStore(engine)
    store.save("a:old", "personal", "u1", "t1", {"conversation": {"id": "a:old"}, "n": 1})
    store.save("19:team", "channel", "u1", "t1", {"conversation": {"id": "19:team"}})
    store.save("a:new", "personal", "u1", "t1", {"conversation": {"id": "a:new"}, "n": 1})
    store.save("a:new", "personal", "u1", "t1", {"conversation": {"id": "a:new"}, "n": 2})

    assert store.for_conversation("a:new") == {"conversation": {"id": "a:new"}, "n": 2}
    assert store.for_conversation("19:team") == {"conversation": {"id": "19:team"}}
    assert store.for_conversation("missing") is None
    assert store.personal_for_user("u1") == {"conversation": {"id": "a:new"}, "n": 2}  # the latest personal chat
    assert store.personal_for_user("u2") is None


class _MeetingSession(Session):
    """A Session whose first get() in each thread waits for the other thread's (see _meet_after)."""

    meeting = threading.Barrier(2, timeout=1)
    met = threading.local()

    def get(self, *args: Any, **kwargs: Any) -> Any:
        found = super().get(*args, **kwargs)
        if not getattr(self.met, "done", False):
            self.met.done = True
            with contextlib.suppress(threading.BrokenBarrierError):
                self.meeting.wait()
        return found


def test_two_first_turns_in_a_conversation_at_once_store_its_reference(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_MeetingSession, "meeting", threading.Barrier(2, timeout=1))
    monkeypatch.setattr(_MeetingSession, "met", threading.local())
    monkeypatch.setattr(conversation_references, "Session", _MeetingSession)
    store = ConversationReferenceStore(engine)

    run_together(2, lambda n: store.save("19:team", "channel", None, "t1", {"conversation": {"id": "19:team"}, "n": n}))

    saved = store.for_conversation("19:team")
    assert saved is not None and saved["n"] in (0, 1)


def test_the_latest_service_url_of_each_tenant_is_kept_from_every_saved_reference(engine: Engine) -> None:
    store = ConversationReferenceStore(engine)
    assert store.tenant_service_url("t1") is None
    assert store.tenant_service_url(None) is None

    store.save("a:1", "personal", "u1", "t1", {"conversation": {"id": "a:1"}, "serviceUrl": "https://old/"})
    assert store.tenant_service_url("t1") == ("t1", "https://old/")
    store.save("a:2", "personal", "u2", "t1", {"conversation": {"id": "a:2"}, "serviceUrl": "https://new/"})
    assert store.tenant_service_url("t1") == ("t1", "https://new/")
    assert store.tenant_service_url(None) == ("t1", "https://new/")  # the only tenant heard from
    store.save("a:3", "personal", "u3", None, {"conversation": {"id": "a:3"}, "serviceUrl": "https://none/"})
    store.save("a:4", "personal", "u4", "t2", {"conversation": {"id": "a:4"}, "serviceUrl": "https://t2/"})

    assert store.tenant_service_url("t1") == ("t1", "https://new/")
    assert store.tenant_service_url("t2") == ("t2", "https://t2/")
    assert store.tenant_service_url(None) is None  # two tenants: no guessing which one a channel is in
    assert store.tenant_service_url("t3") is None
