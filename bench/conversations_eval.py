"""Multi-turn conversations played by resident personas: does the bot use what was already said?

    .venv/bin/python bench/conversations_eval.py [--file bench/data/conversations_blind.yaml] [--verbose]

Each conversation of the file is a persona: its opening messages are sent as a new resident (through the
pipeline `/api/simulate` runs, on a fresh SQLite database as `hotline serve` starts); then, while a request
is being filled in, the bot's pending question (the flow's step) is answered with the persona's own words
for that topic; at the confirmation a persona with a correction sends it once. At the end the ticket's
fields are compared with what the persona expects. Two failures are counted per conversation:
- a question about a topic the persona gave up front (`given_up_front`);
- a ticket field that is missing or differs from `expect.fields` (relations by their plain names).
Goal (#15): every conversation ends with the right fields and no question asked about a fact already given.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT = ROOT / "bench" / "data" / "conversations_blind.yaml"
MAX_TURNS = 24
OFFER = "回复“1”，我帮您登记"
# The flow's step name → the persona's topic for it.
TOPICS = {
    "consent": "consent",
    "medicines": "medicine",
    "who": "who",
    "age": "age",
    "conditions": "conditions",
    "quantity": "quantity",
    "household_size": "household",
    "delivery": "delivery",
    "address": "address",
    "phone": "phone",
    "name": "name",
    "hospital": "hospital",
    "when": "when",
    "symptoms": "symptoms",
    "confirm": "confirm",
}
RELATIONS = {
    "母亲": ("母亲", "妈", "娘"),
    "父亲": ("父亲", "爸", "爹"),
    "本人": ("本人", "自己"),
    "孩子": ("孩子", "儿子", "女儿", "娃", "小孩", "宝宝"),
    "老伴": ("老伴", "爱人", "丈夫", "妻子", "老公", "老婆", "配偶"),
    "丈夫": ("丈夫", "老公", "爱人", "老伴", "孩子他爸", "孩子爸"),
    "妻子": ("妻子", "老婆", "爱人", "老伴", "媳妇"),
    "儿媳": ("儿媳", "儿媳妇"),
    "婆婆": ("婆婆",),
    "公公": ("公公",),
    "奶奶": ("奶奶", "祖母"),
    "爷爷": ("爷爷", "祖父"),
    "外婆": ("外婆", "姥姥"),
    "外公": ("外公", "姥爷"),
}
IMPLAUSIBLE_FOR_ELDERLY = ("怀孕", "孕妇", "婴幼儿", "哺乳")


@dataclass
class Outcome:
    id: str
    type: str
    asked_again: list[str] = field(default_factory=list)
    wrong_fields: list[str] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    ticket_type: str | None = None

    @property
    def right(self) -> bool:
        return not self.asked_again and not self.wrong_fields and self.ticket_type == self.type


CN_DIGITS = {"一": 1, "两": 2, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}


def _digits(value: Any) -> int | None:
    """The first number in ``value``, in digits or in simple Chinese (一盒, 十盒, 八十多)."""
    text = str(value)
    match = re.search(r"\d+", text)
    if match:
        return int(match.group())
    found = re.search(r"[一两二三四五六七八九十]+", text)
    if not found:
        return None
    word = found.group()
    if "十" in word:
        tens, _, ones = word.partition("十")
        return CN_DIGITS.get(tens, 1) * 10 + CN_DIGITS.get(ones[:1], 0)
    return CN_DIGITS.get(word[0])


def check_fields(expect: dict[str, Any], details: dict[str, Any]) -> list[str]:
    """The expected fields the ticket does not hold, each with what it holds instead."""
    wrong = []
    flat = {k: str(v) for k, v in details.items()}
    everything = " ".join(flat.values()).lower()
    for key, want in (expect.get("fields") or {}).items():
        if key == "who":
            got = flat.get("who", "")
            if not any(word in got for word in RELATIONS.get(str(want), (str(want),))):
                wrong.append(f"who={got!r} (want {want})")
        elif key in ("age", "household_size"):
            got_number = _digits(details.get(key))
            if got_number != int(want):
                wrong.append(f"{key}={details.get(key)!r} (want {want})")
        elif key in ("conditions", "medicines", "symptoms"):
            for item in want or []:
                if str(item).lower() not in everything:
                    wrong.append(f"{key} lacks {item!r}")
            if key == "conditions" and _digits(expect["fields"].get("age") or 0) and int(expect["fields"]["age"]) >= 60:
                wrong += [f"conditions has {w!r}" for w in IMPLAUSIBLE_FOR_ELDERLY if w in flat.get("conditions", "")]
        elif key == "quantity":
            got_number, want_number = _digits(flat.get("quantity", "")), _digits(want)
            if want_number is not None and got_number != want_number:
                wrong.append(f"quantity={flat.get('quantity')!r} (want {want})")
        elif key == "phone":
            if str(want) not in re.sub(r"\D", "", flat.get("phone", "")):
                wrong.append(f"phone={flat.get('phone')!r}")
        elif key == "delivery":
            got = flat.get("delivery", "")
            pickup = any(w in got for w in ("自取", "自己", "领取", "到社区"))
            if (str(want) == "自取") != pickup:
                wrong.append(f"delivery={got!r} (want {want})")
        elif str(want).lower() not in flat.get(key, "").lower().replace(" ", ""):
            wrong.append(f"{key}={flat.get(key)!r} (want {want})")
    return wrong


class Resident:
    """One persona talking to the pipeline: sends texts, reads the conversation's state."""

    def __init__(self, pipeline: Any, openid: str, outcome: Outcome) -> None:
        self.pipeline, self.openid, self.outcome, self.sequence = pipeline, openid, outcome, 0

    def send(self, text: str) -> Any:
        from bot.messages import Inbound, InboundKind

        self.sequence += 1
        msg_id = f"{self.openid}-{self.sequence}"
        inbound = Inbound(self.openid, InboundKind.TEXT, datetime.now(UTC), msg_id=msg_id, text=text, simulated=True)
        reply = self.pipeline.process(inbound)
        self.outcome.transcript += [f"居民：{text}", f"机器人：{reply.text}"]
        return reply

    def state(self) -> Any:
        from sqlmodel import Session

        from bot.store import DatabaseStateStore

        with Session(self.pipeline.engine) as session:
            return DatabaseStateStore(session).load(self.openid)


def converse(resident: Resident, c: dict[str, Any]) -> int | None:
    """Play conversation ``c``; the id of the ticket it ended with, if any."""
    outcome = resident.outcome
    ticket_id = None
    for text in c["opening"]:
        ticket_id = resident.send(text).ticket_id or ticket_id
    corrected = False
    given = set(c.get("given_up_front") or ())
    answers = c.get("answers") or {}
    for _ in range(MAX_TURNS):
        current = resident.state()
        if (
            current.flow is None
            and ticket_id is None
            and OFFER in (outcome.transcript[-1] if outcome.transcript else "")
        ):
            # A question answered first, the request offered ("需要的话回复“1”，我帮您登记"): this
            # persona came for the request, so it takes the offer.
            ticket_id = resident.send("1").ticket_id or ticket_id
            continue
        if current.flow is None:
            break
        topic = TOPICS.get(current.step or "", current.step or "")
        if topic in given and topic not in outcome.asked_again:
            outcome.asked_again.append(topic)
        if topic == "confirm" and c.get("correction") and not corrected:
            corrected = True
            text = c["correction"]["at_confirm"]
        else:
            text = str(answers.get(topic, "1" if topic == "confirm" else "0"))
        ticket_id = resident.send(text).ticket_id or ticket_id
    return ticket_id


def play(conversations: list[dict[str, Any]]) -> list[Outcome]:
    from sqlmodel import Session

    from bench.running import running_pipeline
    from tickets.models import Ticket

    outcomes = []
    with running_pipeline() as pipeline:
        for c in conversations:
            outcome = Outcome(c["id"], c["expect"]["type"])
            ticket_id = converse(Resident(pipeline, f"conv-{c['id']}", outcome), c)
            if ticket_id is None:
                outcome.wrong_fields = ["no ticket"]
            else:
                with Session(pipeline.engine) as session:
                    ticket = session.get(Ticket, ticket_id)
                    if ticket is not None:
                        outcome.ticket_type = ticket.type
                        outcome.wrong_fields = check_fields(c["expect"], dict(ticket.details or {}))
            outcomes.append(outcome)
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT)
    parser.add_argument("--verbose", action="store_true", help="print every failing conversation in full")
    args = parser.parse_args()
    conversations = yaml.safe_load(args.file.read_text(encoding="utf-8"))["conversations"]
    outcomes = play(conversations)
    right = sum(o.right for o in outcomes)
    asked = sum(bool(o.asked_again) for o in outcomes)
    fields = sum(bool(o.wrong_fields) for o in outcomes)
    print(f"{args.file.name}: {len(outcomes)} conversations")
    print(f"right fields and nothing asked again   {right}/{len(outcomes)} = {right / len(outcomes):.0%}")
    print(f"asked about a fact already given       {asked}/{len(outcomes)}")
    print(f"ticket fields wrong or missing         {fields}/{len(outcomes)}")
    for kind in sorted({o.type for o in outcomes}):
        of_kind = [o for o in outcomes if o.type == kind]
        print(f"  {kind:<10} {sum(o.right for o in of_kind)}/{len(of_kind)}")
    for o in outcomes:
        if not o.right:
            print(
                f"- {o.id}: asked again {o.asked_again or '-'}; fields {o.wrong_fields or '-'}; ticket {o.ticket_type}"
            )
            if args.verbose:
                print("    " + "\n    ".join(o.transcript))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
