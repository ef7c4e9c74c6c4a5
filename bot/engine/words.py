"""The words of the global commands, shared by the conversation and the open-consult mode."""

from __future__ import annotations

CANCEL = frozenset(("取消", "不要了", "不办了", "取消登记", "算了"))
RESTART = frozenset(("重新开始", "从头开始", "重来", "重新来"))
HUMAN = frozenset(("转人工", "人工", "人工服务", "找人工"))
STATUS = frozenset(("查询进度", "查进度", "进度", "查询", "我的登记"))
RESUME = frozenset(("继续", "接着办", "继续登记", "继续办理"))
HELP = frozenset(("帮助", "菜单", "help"))
# Greetings also bring the menu, but in the consult mode they are meant for the member.
GREETINGS = frozenset(("你好", "您好", "在吗", "在不在"))
THANKS = frozenset(("谢谢", "谢谢你", "好的谢谢", "多谢", "感谢", "辛苦了"))
# They end the consult mode; outside it there is nothing to end, and they must not read as a
# question for staff ("结束人工" would even open a consult: it names 人工).
END = frozenset(
    ("结束", "结束人工", "结束人工服务", "结束服务", "结束对话", "结束咨询", "退出", "退出人工", "退出人工服务")
)
# They end the consult mode too; outside it they are a goodbye.
GOODBYES = frozenset(("不聊了", "没事了", "好了谢谢"))

_PREFIXES = ("我要", "我想", "帮我", "请")
_PARTICLES = "吧了啊呀哈嘛哦呢"


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
