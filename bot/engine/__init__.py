"""The conversation engine: one runner, the command table, and the modes in their declared order."""

from __future__ import annotations

from bot.engine.conversation import converse
from bot.engine.starting import start, start_menu_key

__all__ = ["converse", "start", "start_menu_key"]
