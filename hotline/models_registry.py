"""Imports every table so SQLModel.metadata (and Alembic) sees the whole schema."""

from bot import models as bot_models
from channels.wechat import models as wechat_models
from knowledge import models as knowledge_models
from residents import models as resident_models
from tickets import models as ticket_models

__all__ = ["bot_models", "knowledge_models", "resident_models", "ticket_models", "wechat_models"]
