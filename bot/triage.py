"""Red-flag triage: is this message a possible emergency?

Checked on every message, mid-flow too. Recall matters more than precision: a false alarm costs a
committee member one phone call, a missed one can cost a life. So the patterns are broad, dialect and
voice-recognition variants included, and a negation only cancels a red flag when it stands right in
front of it ("没有呼吸困难"); anything less clear triggers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.parsing import cn_to_digits, normalize
from bot.triage_model import model

# The learned model reads sentences only; short answers inside a flow are the rules' alone.
MODEL_MIN_HANZI = 6
_HANZI = re.compile(r"[\u3400-\u9fff]")

# Oxygen saturation below this is a red flag (2023 national guidance: SpO2 < 93% at rest).
SPO2_THRESHOLD = 93

# Homophones and spellings voice recognition produces for the words that matter here.
_VARIANTS = (
    ("spo2", "血氧"),
    ("sp02", "血氧"),
    ("spo₂", "血氧"),
    ("雪氧", "血氧"),
    ("血养", "血氧"),
    ("血痒", "血氧"),
    ("婚迷", "昏迷"),
    ("困南", "困难"),
    ("困哪", "困难"),
    ("凶痛", "胸痛"),
    ("凶口", "胸口"),
    ("胸口通", "胸口痛"),
    ("抽畜", "抽搐"),
    ("胡吸", "呼吸"),
    ("乎吸", "呼吸"),
    ("呼息", "呼吸"),
    ("法紫", "发紫"),
    ("意识不轻", "意识不清"),
    ("胸通", "胸痛"),
    ("抽蓄", "抽搐"),
    ("发子", "发紫"),
)

# Word classes, not sentences: [不唔冇没] is the negation of 普通话, 粤语 and 川渝 alike; [都也] "even then".
_FLAGS: dict[str, str] = {
    "breathing": (
        r"呼吸.{0,4}(困难|不畅|急促|费力|吃力|辛苦|难受|不了|不上|不过|停|很急|好急|快得很|好快|很快|特别快|太快|弱)|"
        r"不能呼吸|没有?呼吸(了|$)|停止呼吸|(?<!哮)喘(?![息吁])|[上透吸出][不唔冇][过上出到来赢起进去]气|"
        r"气.{0,2}[透出吸上接喘][不唔冇][过上出到来赢起进赢]|气[都也]?出[不唔][赢来]|气接不上|接不上气|"
        r"气紧|气短|气促|憋气|憋得|憋死|憋闷|缺氧|窒息|没气了|气都没得|扯(紧)?气|"
        r"鼻翼.{0,4}(扇|煽|动)|(吸气|呼吸|胸口|肋骨|锁骨|肚子).{0,8}(凹|陷|一吸一吸|一抽一抽)|三凹|"
        r"喉咙.{0,4}(呼噜|拉风箱)"
    ),
    "cyanosis": (
        r"发绀|紫绀|(嘴唇|嘴巴|嘴皮|嘴|口唇|唇|脸色|面孔|脸蛋|脸|面色|指甲|手指|皮肤).{0,5}(紫|乌|青|灰|发黑|黑了|煞白|惨白)|发花|花斑"
    ),
    "consciousness": (
        r"意识.{0,2}(不清|模糊|不好|不太清|丧失|没有)|没有?意识|失去意识|神志.{0,2}(不清|模糊)|不省人事|人事不省|昏迷|昏倒|"
        r"晕倒|昏过去|晕过去|晕厥|(?<!头)晕[了咗]|昏了|[叫喊拍弄摇推].{0,3}[不唔冇](太)?醒|[都也][不唔冇]醒|"
        r"[叫喊].{0,2}不起来|突然倒|倒下|栽倒|[就一下]倒了|"
        r"[叫喊问].{0,4}[都也]?[不唔冇没无](太)?(答应|应(?![该当])|回应|理人|出声|响|吭声|吱声|作声)|醒不[过来]|"
        r"没(怎么|咋)醒|[叫敲喊].{0,6}没(有)?动静|不吭声|不吱声|无应|昏去|软绵绵|瘫软|扶.{0,2}扶不起|"
        r"[眼神睛].{0,2}发直|两眼发直|一动不动|人不动了|不哭也不动|"
        r"(没有?|冇|无|没得)(一点)?反应|反应.{0,3}(都没|慢|迟钝|差)|嗜睡|昏睡|睁不开眼|眼睛.{0,3}睁不开|不认人|认不[出得]人|"
        r"说胡话|胡说|胡言乱语|莫名其妙的话|颠三倒四|答非所问|迷迷糊糊|迷糊|糊涂了|糊里糊涂|不清醒|倒在地|倒地|瘫倒|休克"
    ),
    "seizure": (
        r"抽搐|抽风|(?<![腿脚])抽筋|打抽抽|直抽|抽抽|一抽一抽|抽了抽了|打摆子|惊厥|痉挛|口吐白沫|翻白眼|眼睛.{0,3}(往上|向上)?翻|上翻|牙关紧闭|咬紧牙|"
        r"(四肢|手脚|身子|全身|浑身).{0,3}(僵硬|发硬|硬了|抖个不停|一直抖|乱抖)|(羊角风|癫痫).{0,3}(发作|犯了|又犯|犯病)|"
        r"(一直|在|又|还在|不停地?|老是|浑身|全身|手脚)抽(?![烟血空奖签水])|抽(起来|个不停|得厉害|得很)|"
        r"抽了[一几两]下(?![烟血空奖签水])"
    ),
    "chest": (
        # No negation or clause break between: 胸口不痛，就是喉咙痛 is not chest pain.
        r"胸[^不没无，,。 ]{0,6}[痛疼]|心口[^不没无，,。 ]{0,6}[痛疼]|心绞痛|胸闷|胸口.{0,2}(闷|压|紧)|"
        r"心脏.{0,2}[痛疼]|心梗|心肌梗"
    ),
    "stroke": (
        r"中风(?!险)|脑梗|脑溢血|脑出血|偏瘫|口眼歪|嘴.{0,3}歪|说不出话|说话.{0,2}(含糊|不清|说不清|不利索|大舌头)|重影|头痛欲裂|"
        r"头[痛疼].{0,4}(裂开|炸开|要炸)|眼前发黑|半边脸.{0,2}麻|口齿不清|"
        r"(一边|半边|一侧|单侧).{0,4}(没力|无力|不能动|动不了|麻)|手脚.{0,3}没(有)?力|拿不住(东西|筷子|碗)?"
    ),
    "bleeding": (
        r"[吐咳呕][^，,。 ]{0,4}血(?![氧压糖脂常])|咖啡色|血块|大出血|出血不止|便血|拉血|黑便|"
        r"(孕|怀|产妇).{0,12}(出血|流血|见红)|见红"
    ),
    "infant_fever": (
        # Fever in a baby under three months is an emergency in every guidance.
        r"(新生儿|满月|刚出生|([一两二三1-3]|[一两二三]个半)个?月(大)?的?(宝宝|孩子|娃|婴儿|小孩)?|"
        r"(?<![\d十])([1-9]|[1-8]\d|[一二三四五六七八九]十?[一二三四五六七八九]?|几十)天(大)?的?)"
        r".{0,12}(发烧|发热|烧到|高烧|体温.{0,4}3[7-9]|3[89](\.\d)?度)"
    ),
    "injury": (
        r"血.{0,2}止不住|止不住.{0,2}血|流(了)?(好多|很多|一地|不少|一大滩|一大摊)(的)?血|血流不止|出了?(好多|很多)血|"
        r"烧伤|烫伤.{0,4}(一大片|大面积|好大|很大|严重)|大面积.{0,2}[烫烧]|开水.{0,6}(烫|打翻|泼)|全是水泡|触电|电到了|溺水|淹水|掉(到|进)?(水|河|塘)里|"
        r"摔下来|坠楼|从.{0,6}(摔|掉|跌)下来"
    ),
    "poisoning": (
        r"煤气|燃气泄|一氧化碳|烧炭|中毒|吃错(了)?药|误服|农药|百草枯|吞了|卡住了|卡在(喉咙|嗓子)|噎住|"
        r"呛.{0,6}(青|紫|喘|不哭|没气)|中暑|热射病|"
        r"过敏.{0,8}(肿|喘|休克|透不|喉咙)|(喉咙|嗓子|舌头|嘴唇|全身|脸).{0,3}肿.{0,6}(咽不下|喘|透不|紧|说不出)|"
        r"咽不下口水|喉咙.{0,2}(发紧|紧)"
    ),
    "other": (
        # pinyin typed without a Chinese keyboard (spaces are gone by now)
        r"chuanbushangqi|huxikunnan|zuichunfazi|hunmi|chouchu|jiuming|xiongtong|(xiong|xin)kou(teng|tong)|jiaobuxing|"
        r"救命|救救|上气不接下气|快不行了|[我人他她]不行了|要不行了|(?<!\d)120(?!\d)|(?<![会懂学])(?<!会点)(?<!懂点)急救(?!助|知识|培训|技能)|"
        r"心跳.{0,2}(停|没)|没有?心跳|"
        r"(摔|跌|倒|躺|老|独居|喊|叫|地上|床上).{0,12}(起不来|爬不起|站不起|起不了身|动不了)|(倒|躺|摔)在地上|"
        r"自杀|不想活|轻生|跳楼|跳下去|割腕|喝农药|吞药|想死|寻死|活着没意思|活着没劲|不想拖累"
    ),
}
_PATTERNS = {name: re.compile(pattern) for name, pattern in _FLAGS.items()}

# A negation right in front of the red flag, not part of a question such as 是不是 / 有没有.
_NEGATED = re.compile(r"(?<![是有会要能])(没有|没|无|不|未|并无|并没有|不再)(出现|感觉|觉得|什么|啥|明显|再)?$")

_SPO2_ANCHOR = re.compile(r"血氧|氧饱和|饱和度|指脉氧|氧合|测氧|指夹|夹手指|测氧仪")
_SPO2_LOW_WORDS = re.compile(r"^.{0,6}(低|掉|下降|降|不够|上不去|不行|不好|往下)")
_SPO2_ASKING = re.compile(r"^.{0,6}(多少|几|低于多少|什么时候)")


@dataclass(frozen=True)
class Triage:
    flags: tuple[str, ...] = ()
    spo2: int | None = None

    @property
    def urgent(self) -> bool:
        return bool(self.flags)


def _prepare(text: str) -> str:
    text = normalize(text)
    for variant, canonical in _VARIANTS:
        text = text.replace(variant, canonical)
    return text


def _spo2(text: str) -> tuple[bool, int | None]:
    """A low oxygen reading: '血氧88', '血氧饱和度才九十', '氧饱和90%', '血氧掉到八十几'."""
    low, reading = False, None
    for anchor in _SPO2_ANCHOR.finditer(text):
        window = cn_to_digits(text[anchor.end() : anchor.end() + 14])
        number = re.search(r"(?<![\d.])(\d{2,3})(?:\.\d)?", window)
        if number and 50 <= int(number.group(1)) <= 100:
            reading = int(number.group(1))
            low = low or reading < SPO2_THRESHOLD
        elif _SPO2_LOW_WORDS.search(window) and not _SPO2_ASKING.search(window):
            low = True
    return low, reading


def _live_matches(pattern: re.Pattern[str], text: str) -> bool:
    """True when at least one match is not negated right before it."""
    return any(not _NEGATED.search(text[: match.start()]) for match in pattern.finditer(text))


# Readings that are emergencies whatever words come with them (read before "." and "/" are dropped).
_TEMPERATURE = re.compile(r"(体温|烧到|发烧|高烧|发热|烧了)[^\d]{0,4}(\d{2})")
_HEART_RATE = re.compile(r"(心率|心跳|脉搏|脉率)[^\d]{0,4}(\d{2,3})")
_BLOOD_PRESSURE = re.compile(r"(血压|高压|收缩压)[^\d]{0,6}(\d{2,3})")

# What the rules exclude on purpose reads like a red flag to character n-grams.
_LOOKALIKE = re.compile(r"抽(了)?(一下|一管|点)?血|抽烟|[腿脚]抽筋")


def _readings(text: str) -> tuple[bool, bool]:
    """(a bad reading, a temperature in the ordinary range) in the raw text.

    Bad: 体温 41 and above, heart rate 130 and above or 45 and below, systolic 180 and above or under 90.
    Ordinary: a temperature from 35 to below 41 — the message says how bad the fever is.
    """
    text = cn_to_digits(unicodedata.normalize("NFKC", text).lower())
    temperatures = [int(m.group(2)) for m in _TEMPERATURE.finditer(text)]
    bad = (
        any(41 <= t <= 43 for t in temperatures)
        or any(int(m.group(2)) >= 130 or 20 <= int(m.group(2)) <= 45 for m in _HEART_RATE.finditer(text))
        or any(int(m.group(2)) >= 180 or 40 <= int(m.group(2)) < 90 for m in _BLOOD_PRESSURE.finditer(text))
    )
    return bad, any(35 <= t < 41 for t in temperatures)


def _rule_flags(text: str) -> tuple[list[str], int | None, bool]:
    """Live flags, the oxygen reading, and whether the message says outright that a flag is absent."""
    prepared = _prepare(text)
    named = [name for name, pattern in _PATTERNS.items() if pattern.search(prepared)]
    flags = [name for name in named if _live_matches(_PATTERNS[name], prepared)]
    low, reading = _spo2(prepared)
    if low:
        flags.append("spo2")
    bad_reading, ordinary_temperature = _readings(text)
    if bad_reading:
        flags.append("reading")
    # A flag named but negated (不喘), a normal oxygen reading or temperature, a known look-alike.
    denied = bool(named) or ordinary_temperature or bool(_LOOKALIKE.search(prepared))
    denied = denied or (reading is not None and reading >= SPO2_THRESHOLD)
    return flags, reading, denied


def rules_flag(text: str) -> bool:
    """Whether the word-class rules alone see a red flag (tools/train_triage.py measures them apart)."""
    return bool(_rule_flags(text)[0])


def model_may_flag(text: str) -> bool:
    """The learned model speaks only where the rules are silent and the message denies no flag.

    "不喘，血氧97" names a red flag and says it is absent (negated, or a normal reading): the rules
    already read that, and character n-grams cannot.
    """
    flags, _, denied = _rule_flags(text)
    return not flags and not denied and _sentence_like(text)


def _sentence_like(text: str) -> bool:
    """At least MODEL_MIN_HANZI Chinese characters: a description, not a flow's answer (8栋1单元302, 同意, 王伟)."""
    return len(_HANZI.findall(text)) >= MODEL_MIN_HANZI


def triage(text: str) -> Triage:
    """Which red flags ``text`` raises (empty when none): the rules', else the learned model's."""
    flags, reading, denied = _rule_flags(text)
    if not flags and not denied and _sentence_like(text) and (learned := model()) is not None and learned.flags(text):
        flags.append("model")
    return Triage(flags=tuple(flags), spo2=reading)


def is_emergency(text: str) -> bool:
    return triage(text).urgent
