"""Stored conversation references: how the bot reaches a person or channel proactively, and the service URL Teams
last used for each tenant, from which a configured channel's reference is built before anyone has spoken in it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from storage.tables import StoredConversationReference, TenantServiceUrl
from storage.upserts import upsert

SERVICE_URL_MAX_LENGTH = 500
"""The tenant_service_url column's width."""


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
        now = datetime.now(UTC)
        values = {
            "conversation_id": conversation_id,
            "conversation_type": conversation_type,
            "user_id": user_id,
            "tenant_id": tenant_id,
            "reference": reference,
            "updated_at": now,
        }
        service_url = reference.get("serviceUrl")
        with Session(self._engine) as session:
            upsert(session, StoredConversationReference, values, primary_key=["conversation_id"])
            # Any activity from the tenant tells us where its Bot Connector is, for channels not yet spoken in.
            if tenant_id and isinstance(service_url, str) and 0 < len(service_url) <= SERVICE_URL_MAX_LENGTH:
                tenant = {"tenant_id": tenant_id, "service_url": service_url, "updated_at": now}
                upsert(session, TenantServiceUrl, tenant, primary_key=["tenant_id"])
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

    def tenant_service_url(self, tenant_id: str | None) -> tuple[str, str] | None:
        with Session(self._engine) as session:
            if tenant_id is not None:
                row = session.get(TenantServiceUrl, tenant_id)
                return (row.tenant_id, row.service_url) if row else None
            # No tenant named: only an unambiguous answer will do, so the bot never posts into another tenant.
            rows = session.exec(select(TenantServiceUrl).limit(2)).all()
            return (rows[0].tenant_id, rows[0].service_url) if len(rows) == 1 else None
