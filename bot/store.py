"""Where conversation state is kept: the database by default, memory in tests."""

from __future__ import annotations

import copy
from typing import Protocol

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.models import Conversation
from bot.state import State
from core.timeutil import utcnow

_TABLE = Conversation.__table__  # type: ignore[attr-defined]
# Built once and run with parameters (building them per turn cost more than running them).
_READ = select(_TABLE).where(_TABLE.c.openid == bindparam("key_openid"))
_CREATE = insert(_TABLE)
_WRITE = update(_TABLE).where(_TABLE.c.openid == bindparam("key_openid"), _TABLE.c.version == bindparam("key_version"))


class StaleState(Exception):
    """Another message of the same resident was handled at the same moment; run the turn again."""


class StateStore(Protocol):
    def load(self, openid: str) -> State: ...

    def save(self, state: State) -> None: ...


class DatabaseStateStore:
    """Keeps state in the ``conversation`` table inside the turn's own transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def load(self, openid: str) -> State:
        # A Core row: its JSON is decoded afresh, so the state owns its dicts without a copy.
        row = self.session.connection().execute(_READ, {"key_openid": openid}).first()
        if row is None:
            return State(openid=openid)
        return State(
            openid=openid,
            flow=row.flow,
            step=row.step,
            slots=row.slots or {},
            context=row.context or {},
            updated_at=row.updated_at,
            version=row.version,
        )

    def save(self, state: State) -> None:
        """Write the state unless another turn changed it since it was loaded (then StaleState)."""
        values = {
            "flow": state.flow,
            "step": state.step,
            "slots": copy.deepcopy(state.slots),
            "context": copy.deepcopy(state.context),
            "version": state.version + 1,
            "updated_at": utcnow(),
        }
        # Core statements on the turn's connection: the ORM's bulk paths cost more than the write itself.
        # No savepoint around the insert: StaleState makes the caller roll the whole turn back anyway.
        connection = self.session.connection()
        if state.version == 0:
            try:
                connection.execute(_CREATE, {"openid": state.openid, **values})
            except IntegrityError as error:
                raise StaleState(state.openid) from error
            return
        result = connection.execute(_WRITE, {"key_openid": state.openid, "key_version": state.version, **values})
        if result.rowcount != 1:
            raise StaleState(state.openid)


class MemoryStateStore:
    """For tests of flows that need no database."""

    def __init__(self) -> None:
        self._states: dict[str, State] = {}

    def load(self, openid: str) -> State:
        return copy.deepcopy(self._states.get(openid) or State(openid=openid))

    def save(self, state: State) -> None:
        state.updated_at = utcnow()
        self._states[state.openid] = copy.deepcopy(state)
