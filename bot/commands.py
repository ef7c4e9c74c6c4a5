"""The words of the global commands, shared by the conversation and the open-consult mode."""

from __future__ import annotations

CANCEL = ("取消", "不要了", "不办了", "取消登记", "算了")
RESTART = ("重新开始", "从头开始", "重来", "重新来")
HUMAN = ("转人工", "人工", "人工服务", "找人工")
STATUS = ("查询进度", "查进度", "进度", "查询", "我的登记")
RESUME = ("继续", "接着办", "继续登记")
HELP = ("帮助", "菜单", "help")
# Greetings also bring the menu, but in the consult mode they are meant for the member.
GREETINGS = ("你好", "您好", "在吗", "在不在")
