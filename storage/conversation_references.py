"""Stored conversation references: how the bot reaches a person or channel proactively."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from storage.tables import StoredConversationReference
from storage.upserts import upsert


class ConversationReferenceStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def save(
        self,
        conversation_id: str,
        conversation_type: str,
        user_id: str | None,
        tenant_id: str | None,
        reference: dict[str, Any],
    ) -> None:
        # An upsert: the first two activities of a conversation can arrive together (a retry, two instances).
        values = {
            "conversation_id": conversation_id,
            "conversation_type": conversation_type,
            "user_id": user_id,
            "tenant_id": tenant_id,
            "reference": reference,
            "updated_at": datetime.now(UTC),
        }
        with Session(self._engine) as session:
            upsert(session, StoredConversationReference, values, primary_key=["conversation_id"])
            session.commit()

    def for_conversation(self, conversation_id: str) -> dict[str, Any] | None:
        with Session(self._engine) as session:
            row = session.get(StoredConversationReference, conversation_id)
            return dict(row.reference) if row else None

    def personal_for_user(self, user_id: str) -> dict[str, Any] | None:
        with Session(self._engine) as session:
            row = session.exec(
                select(StoredConversationReference)
                .where(
                    StoredConversationReference.user_id == user_id,
                    StoredConversationReference.conversation_type == "personal",
                )
                .order_by(col(StoredConversationReference.updated_at).desc())
            ).first()
            return dict(row.reference) if row else None
