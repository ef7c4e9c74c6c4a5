"""The words of the global commands (lexicon/commands.yaml), and the command word a short message means."""

from __future__ import annotations

import lexicon

CANCEL = lexicon.words("commands.cancel")
RESTART = lexicon.words("commands.restart")
HUMAN = lexicon.words("commands.human")
STATUS = lexicon.words("commands.status")
RESUME = lexicon.words("commands.resume")
HELP = lexicon.words("commands.help")
# Greetings also bring the menu, but in the consult mode they are meant for the member.
GREETINGS = lexicon.words("commands.greetings")
THANKS = lexicon.words("commands.thanks")
# They end the consult mode; outside it there is nothing to end, and they must not read as a
# question for staff ("结束人工" would even open a consult: it names 人工).
END = lexicon.words("commands.end")
# They end the consult mode too; outside it they are a goodbye.
GOODBYES = lexicon.words("commands.goodbyes")

# Ordered longest first, so that "我要" is tried before a shorter prefix it contains.
_PREFIXES = tuple(sorted(lexicon.words("answers.command_prefixes"), key=lambda prefix: (-len(prefix), prefix)))
_PARTICLES = "".join(sorted(lexicon.words("answers.command_particles")))


def word(text: str) -> str:
    """The command word a short message may mean: "我要继续吧" → "继续"; otherwise the text, lower-cased.

    Callers look the text itself up first: "算了" is a command as it stands.
    """
    answer = text.strip().rstrip("。.!！~～").strip().lower()
    for prefix in _PREFIXES:
        if answer.startswith(prefix) and len(answer) > len(prefix) + 1:
            answer = answer[len(prefix) :]
            break
    stripped = answer.rstrip(_PARTICLES)
    return stripped if len(stripped) >= 2 else answer
