"""Entries staff add, asked as residents ask them: is a new one-wording entry answered surely?

    cd /work/main && .venv/bin/python bench/staff_entries.py [--data ../shared/data] [--verbose]

A fresh database as `hotline serve` starts it (built-in content loaded), then the feiyan-faq bank added
through the real staff API (`POST /api/faq` with a staff token, FastAPI's TestClient): for each of its
46 intents the first question is the entry's one wording (no variants), the answer is the intent's
answer in responses.md. Each of the 60 other questions is then sent through the bot as a new resident's
first message (Pipeline.process, as bench/policy_eval.py --through-bot does) and counted as
  answered right   the reply answers with the intended entry (sure, or tentatively: shown first with
                   choices after it; the tentative ones are counted again below it)
  only in a menu   no answer, the intended entry among the numbered choices
  answered wrong   the reply answers with another entry (built-in or staff)
  no answer        neither (答不上来, or routed elsewhere)
Then knowledge/model/ood_messages.txt (messages that are no policy question) through the bot with the
bank added: how many are answered from the knowledge base, and how many offered choices.

The feiyan questions are the measurement: nothing is tuned on them (bench/retrieval.md, eleventh pass).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATA = ROOT.parent / "shared" / "data"
OOD_FILE = ROOT / "knowledge" / "model" / "ood_messages.txt"


@dataclass(frozen=True)
class Intent:
    name: str
    questions: tuple[str, ...]  # the first is the entry's wording, the others are asked
    answer: str


def load_bank(folder: Path) -> list[Intent]:
    """The feiyan-faq intents with their answers (Rasa NLU markdown; ../shared/data/README.md)."""
    questions: dict[str, list[str]] = {}
    current: str | None = None
    for line in (folder / "faq_nlu.md").read_text(encoding="utf-8").splitlines():
        if line.startswith("## intent:"):
            current = line[len("## intent:") :].strip()
            questions[current] = []
        elif line.startswith("- ") and current is not None:
            questions[current].append(line[2:].strip())
    answers: dict[str, list[str]] = {}
    current = None
    for line in (folder / "responses.md").read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text.startswith("* "):
            current = text[2:].strip()
            answers[current] = []
        elif text.startswith("#"):
            current = None
        elif current is not None and text.startswith("- "):
            answers[current].append(text[2:].strip())
    return [Intent(name, tuple(qs), "\n".join(answers.get(name, []))) for name, qs in questions.items() if qs]


@dataclass(frozen=True)
class Outcome:
    text: str
    expected: int
    faq_id: int | None
    choices: tuple[int, ...]
    tentative: bool
    reply: str

    @property
    def kind(self) -> str:
        if self.faq_id == self.expected:
            return "right"
        if self.faq_id is not None:
            return "wrong"
        return "menu" if self.expected in self.choices else "none"


def run(data: Path) -> tuple[list[Outcome], list[Outcome], dict[int, str]]:
    from fastapi.testclient import TestClient
    from sqlmodel import Session

    from bot.messages import Inbound, InboundKind
    from bot.store import DatabaseStateStore
    from core.settings import load_settings
    from hotline.app import create_app
    from residents import accounts

    bank = load_bank(data / "feiyan-faq")
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            data_dir=Path(tmp),
            database_url=f"sqlite:///{tmp}/hotline.db",
            worker_enabled=False,
            simulator_enabled=True,
        )
        with TestClient(create_app(settings)) as client:
            app = client.app
            engine = app.state.engine  # type: ignore[attr-defined]
            pipeline = app.state.pipeline  # type: ignore[attr-defined]
            with Session(engine) as session:
                accounts.add_user(session=session, username="bench-staff", role="staff", password="bench staff pw")
                token = accounts.issue_token(session=session, username="bench-staff")
                session.commit()
            headers = {"Authorization": f"Bearer {token}"}
            ids: dict[str, int] = {}
            for intent in bank:
                payload = {
                    "question": intent.questions[0],
                    "answer": intent.answer,
                    "category": "疫情防控",
                    "source": "feiyan-faq",
                }
                response = client.post("/api/faq", json=payload, headers=headers)
                if response.status_code != 201:
                    raise SystemExit(f"POST /api/faq refused {intent.name}: {response.status_code} {response.text}")
                ids[intent.name] = response.json()["id"]

            def ask(n: int, text: str, expected: int) -> Outcome:
                openid = f"staff-bench-{n}"
                inbound = Inbound(openid, InboundKind.TEXT, datetime.now(UTC), msg_id=openid, text=text, simulated=True)
                reply = pipeline.process(inbound)
                with Session(engine) as session:
                    context = DatabaseStateStore(session).load(openid).context
                choices = tuple(context.get("choices") or ())
                tentative = reply.faq_id is not None and bool(choices)
                return Outcome(text, expected, reply.faq_id, choices, tentative, reply.text or "")

            queries = [(q, ids[i.name]) for i in bank for q in i.questions[1:]]
            asked = [ask(n, text, expected) for n, (text, expected) in enumerate(queries)]
            lines = (line.strip() for line in OOD_FILE.read_text(encoding="utf-8").splitlines())
            ood_texts = [line for line in lines if line and not line.startswith("#")]
            ood = [ask(10_000 + n, text, -1) for n, text in enumerate(ood_texts)]
            questions = {i: intent.questions[0] for intent in bank for i in [ids[intent.name]]}
    return asked, ood, questions


def rate(n: int, d: int) -> str:
    return f"{n:>3}/{d:<3} {100.0 * n / d:5.1f}%" if d else "  -"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--verbose", "-v", action="store_true", help="print every question not answered right")
    args = parser.parse_args()
    if not (args.data / "feiyan-faq").is_dir():
        print(f"skip: {args.data / 'feiyan-faq'} not found")
        return 0
    started = time.perf_counter()
    asked, ood, questions = run(args.data)
    seconds = time.perf_counter() - started
    count = {kind: sum(o.kind == kind for o in asked) for kind in ("right", "menu", "wrong", "none")}
    print(f"feiyan-faq added through POST /api/faq: {len(questions)} entries, one wording each ({seconds:.1f} s)")
    print(f"{'metric':<44}{'count':>16}")
    print("-" * 60)
    print(f"{'paraphrases answered with the right entry':<44}{rate(count['right'], len(asked)):>16}")
    tentative = sum(o.kind == "right" and o.tentative for o in asked)
    print(f"{'  of which tentatively (choices after it)':<44}{rate(tentative, len(asked)):>16}")
    print(f"{'right entry only in a menu':<44}{rate(count['menu'], len(asked)):>16}")
    one = sum(o.kind == "menu" and len(o.choices) == 1 for o in asked)
    print(f"{'  of which a menu of one choice':<44}{rate(one, len(asked)):>16}")
    print(f"{'answered with another entry':<44}{rate(count['wrong'], len(asked)):>16}")
    print(f"{'no answer, right entry not offered':<44}{rate(count['none'], len(asked)):>16}")
    answered = sum(o.faq_id is not None for o in ood)
    offered = sum(o.faq_id is None and bool(o.choices) for o in ood)
    print(f"{'out-of-domain messages answered from it':<44}{rate(answered, len(ood)):>16}")
    print(f"{'  offered choices':<44}{rate(offered, len(ood)):>16}")
    if args.verbose:
        for o in asked:
            if o.kind != "right":
                first = o.reply.splitlines()[0] if o.reply else ""
                print(f"[{o.kind}] {o.text}\n        expect {questions[o.expected]}\n        got    「{first[:50]}」")
        for o in ood:
            if o.faq_id is not None:
                print(f"[ood answered] {o.text}\n        got    「{o.reply.splitlines()[0][:50]}」")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
