"""Review sessions over HTTP: start one, flush it, ask about it.

A session says which instance holds the user's warm copy; it is never needed for correctness
(every write is journaled before it is answered). ``/api/session/flush`` settles the user's
collection (a new snapshot only if the journal passed its bound: the journal is the delta) and,
given the session's id, ends the session.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint, Schema
from apiflask.fields import Boolean, Float, Integer, String
from apiflask.validators import Length
from flask import g

from javumbo.api.collection_handle import current_token_user, requested_session_id
from javumbo.api.errors import api_error
from javumbo.api.observability import record_session_end
from javumbo.api.services import services

bp = APIBlueprint("session", __name__, tag="Session", url_prefix="/api/session")


class SessionStartedSchema(Schema):
    session_id = String(required=True)
    expires_at = Float(required=True)


class FlushRequestSchema(Schema):
    session_id = String(validate=[Length(min=1, max=128)], load_default=None, allow_none=True)


class FlushedSchema(Schema):
    success = Boolean(required=True)
    status = String(
        required=True,
        metadata={
            "description": "durable (every answer already in the journal, no snapshot needed),"
            " flushed (the journal passed its bound: compacted into a snapshot), clean, busy,"
            " superseded"
        },
    )
    snapshot_seq = Integer(required=True)
    session_ended = Boolean(required=True)


class SessionStatusSchema(Schema):
    has_session = Boolean(required=True)
    session_id = String(allow_none=True, required=True)
    expires_at = Float(allow_none=True, required=True)
    unflushed = Integer(
        required=True, metadata={"description": "journal entries not yet in a snapshot"}
    )


@bp.post("/start")
@bp.output(SessionStartedSchema)
def start_session() -> dict[str, Any]:
    """Open (or resume) the user's review session; its id also comes in ``X-Session-ID``."""
    user = current_token_user()
    svc = services()
    session = svc.engine.sessions.resume_session(user.username, requested_session_id())
    svc.recent_sessions.note(session.session_id, user.username)
    g.javumbo_session_id = session.session_id
    return {"session_id": session.session_id, "expires_at": session.expires_at}


@bp.post("/flush")
@bp.input(FlushRequestSchema, arg_name="body")
@bp.output(FlushedSchema)
def flush_session(body: dict[str, Any]) -> dict[str, Any]:
    """Make sure the user's answers are durable (they already are) and compact the journal
    into a snapshot if it passed its bound; with ``session_id``, also end that session (it must
    be the caller's: any other id is answered 404)."""
    user = current_token_user()
    svc = services()
    session_id = body.get("session_id")
    session = None
    if session_id:
        session = svc.engine.sessions.get_session(session_id)
        if session is None or session.username != user.username:
            raise api_error(404, "no such session", code="session_not_found")
    result = svc.engine.settle(user.user_id)
    ended = False
    if session is not None:
        ended = svc.engine.sessions.end_session(session.session_id)
        svc.recent_sessions.forget(session.session_id)
        record_session_end(session.session_id)
    return {
        "success": True,
        "status": result.status,
        "snapshot_seq": result.snapshot_seq,
        "session_ended": ended,
    }


@bp.get("/status")
@bp.output(SessionStatusSchema)
def session_status() -> dict[str, Any]:
    """Whether the user has a live session, and how much is waiting to be flushed."""
    user = current_token_user()
    engine = services().engine
    session = engine.sessions.get_user_session(user.username)
    head = services().meta.get_head(user.user_id)
    return {
        "has_session": session is not None,
        "session_id": session.session_id if session else None,
        "expires_at": session.expires_at if session else None,
        "unflushed": max(0, head.seq - head.snapshot_seq),
    }
