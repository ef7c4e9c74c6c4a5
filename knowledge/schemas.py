"""What goes in and out of the FAQ editor, the content files and import/export, with one set of rules.

Every rule raises on the field it concerns, so a 422 (``loc``) or an import error names that field.
Messages are Chinese because staff read them in the console and in the import report.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from knowledge.models import FaqEntry, FaqRevision, FaqStatus, UnansweredQuestion, in_force

KEY_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
NATIONWIDE = "全国"
MAX_VARIANTS = 30


# YAML's folded text joins lines with a space; between Chinese characters that space is a typo.
_CJK_GAP = re.compile(
    r"(?<=[\u3000-\u303f\uff00-\uffef])[ \t\n]+"  # after Chinese punctuation
    r"|(?<=[\u4e00-\u9fff])[ \t\n]+(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])"  # between characters
)


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _prose(value: Any) -> Any:
    return _CJK_GAP.sub("", value.strip()) if isinstance(value, str) else value


def _text(label: str, max_length: int, *, required: bool = True) -> AfterValidator:
    def check(value: str) -> str:
        if required and not value:
            raise PydanticCustomError("empty", f"{label}不能为空")
        if len(value) > max_length:
            raise PydanticCustomError("too_long", f"{label}不能超过 {max_length} 个字（现在 {len(value)} 个）")
        return value

    return AfterValidator(check)


def _status(value: Any) -> Any:
    if isinstance(value, str) and value not in {status.value for status in FaqStatus}:
        raise PydanticCustomError("status", f"状态只能是 draft、published 或 superseded，不能是 {value!r}")
    return value


Question = Annotated[str, BeforeValidator(_strip), _text("问题", 200)]
Answer = Annotated[str, BeforeValidator(_prose), _text("答案", 1000)]
Variant = Annotated[str, BeforeValidator(_strip), _text("问法", 100)]
Category = Annotated[str, BeforeValidator(_strip), _text("分类", 30, required=False)]
Source = Annotated[str, BeforeValidator(_strip), _text("依据", 200, required=False)]
Region = Annotated[str, BeforeValidator(lambda v: _strip(v) or NATIONWIDE), _text("地区", 30)]


def _key(value: str) -> str:
    if len(value) > 100 or not re.fullmatch(KEY_PATTERN, value):
        raise PydanticCustomError("key", f"标识 {value!r} 只能用小写字母、数字和单个连字符，不超过 100 个字符")
    return value


Key = Annotated[str, BeforeValidator(_strip), AfterValidator(_key)]
Note = Annotated[str, BeforeValidator(_strip), _text("取代说明", 300, required=False)]
Status = Annotated[FaqStatus, BeforeValidator(_status)]


def _variants(value: list[str]) -> list[str]:
    """Order kept, repeats dropped: a repeated wording adds nothing to retrieval."""
    unique = list(dict.fromkeys(value))
    if len(unique) > MAX_VARIANTS:
        raise PydanticCustomError("too_many", f"问法最多 {MAX_VARIANTS} 条（现在 {len(unique)} 条）")
    return unique


Variants = Annotated[list[Variant], AfterValidator(_variants)]


class FaqCreate(BaseModel):
    """A whole entry. Field order matters: later validators read earlier fields from ``info.data``."""

    model_config = ConfigDict(extra="ignore")

    key: Key | None = None
    question: Question
    answer: Answer
    variants: Variants = Field(default_factory=list)
    category: Category = ""
    source: Source = ""
    region: Region = NATIONWIDE
    effective_from: date | None = None
    effective_to: date | None = None
    status: Status = FaqStatus.PUBLISHED
    superseded_by: Key | None = None
    superseded_on: date | None = None
    # validate_default: the superseded rule must run even when the note is left out.
    superseded_note: Note | None = Field(default=None, validate_default=True)

    @field_validator("effective_to")
    @classmethod
    def _dates_in_order(cls, value: date | None, info: ValidationInfo) -> date | None:
        start = info.data.get("effective_from")
        if value is not None and start is not None and value < start:
            raise PydanticCustomError("date_order", f"失效日期 {value} 早于生效日期 {start}")
        return value

    @field_validator("superseded_note")
    @classmethod
    def _superseded_explained(cls, value: str | None, info: ValidationInfo) -> str | None:
        # Staff and residents asking about "the old rule" must learn what replaced it.
        if info.data.get("status") == FaqStatus.SUPERSEDED and not (value or info.data.get("superseded_by")):
            raise PydanticCustomError(
                "superseded", "已取代（superseded）的条目要写明取代它的条目（superseded_by）或取代说明"
            )
        return value or None


class FaqUpdate(BaseModel):
    """A partial edit: only the fields sent change; the merged entry is checked as a whole by the service."""

    model_config = ConfigDict(extra="ignore")

    key: Key | None = None
    question: Question | None = None
    answer: Answer | None = None
    variants: Variants | None = None
    category: Category | None = None
    source: Source | None = None
    region: Region | None = None
    effective_from: date | None = None
    effective_to: date | None = None
    status: Status | None = None
    superseded_by: Key | None = None
    superseded_on: date | None = None
    superseded_note: Note | None = None
    version: int | None = Field(default=None, description="the version edited; a stale one is refused (409)")


EDITABLE_FIELDS: tuple[str, ...] = tuple(name for name in FaqCreate.model_fields)


class FaqPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str | None
    question: str
    answer: str
    variants: list[str]
    category: str
    source: str
    region: str
    effective_from: date | None
    effective_to: date | None
    status: str
    superseded_by: str | None
    superseded_on: date | None
    superseded_note: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    updated_by: str
    serving: bool = Field(description="published and in force today: the bot answers with it")

    @classmethod
    def of(cls, entry: FaqEntry, today: date) -> FaqPublic:
        return cls.model_validate({**entry.model_dump(), "serving": in_force(entry, today)})


class FaqsPublic(BaseModel):
    data: list[FaqPublic]
    count: int


class FaqRevisionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    faq_id: int
    version: int
    action: str
    actor: str
    at: datetime
    changes: dict[str, Any]

    @classmethod
    def of(cls, revision: FaqRevision) -> FaqRevisionPublic:
        return cls.model_validate(revision)


class UnansweredPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    text: str
    count: int
    best_score: float | None
    first_at: datetime
    last_at: datetime
    resolved: bool

    @classmethod
    def of(cls, row: UnansweredQuestion) -> UnansweredPublic:
        return cls.model_validate(row)


class UnansweredList(BaseModel):
    data: list[UnansweredPublic]
    count: int


class FaqRevisionsPublic(BaseModel):
    data: list[FaqRevisionPublic]
    count: int


class LookupPublic(BaseModel):
    """What the bot would do with a question: answer with an entry, offer choices, or neither."""

    answer_id: int | None
    suggestion_ids: list[int]  # with a tentative answer: the other choices shown after it
    best_score: float | None
    tentative: bool = False  # answered as likely, not sure: "您问的可能是…" with the choices after it
    # answered with a superseded entry, told as no longer in force; the one suggestion replaced it
    superseded: bool = False
