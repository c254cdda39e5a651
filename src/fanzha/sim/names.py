"""Place names and codes of the synthetic city (stations, communities, cells)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_PLACES = [
    "东湖",
    "西溪",
    "南山",
    "北门",
    "城关",
    "新城",
    "古荡",
    "翠苑",
    "文新",
    "蒋村",
    "三墩",
    "转塘",
    "留下",
    "灵隐",
    "湖滨",
    "清波",
    "望江",
    "紫阳",
    "小营",
    "长庆",
    "米市",
    "朝晖",
    "潮鸣",
    "闸弄",
    "采荷",
    "凯旋",
    "笕桥",
    "彭埠",
    "九堡",
    "丁桥",
    "石桥",
    "半山",
    "康桥",
    "祥符",
    "上塘",
    "拱宸",
    "和睦",
    "大关",
    "米桥",
    "东新",
    "仓前",
    "五常",
    "闲林",
    "良渚",
    "瓶窑",
    "勾庄",
    "塘栖",
    "崇贤",
    "运河",
    "临平",
    "乔司",
    "星桥",
    "东湖",
    "南苑",
]
_SYLLABLES = [
    "安",
    "宁",
    "和",
    "平",
    "康",
    "乐",
    "泰",
    "丰",
    "华",
    "兴",
    "盛",
    "德",
    "福",
    "祥",
    "瑞",
    "嘉",
    "永",
    "新",
    "景",
    "明",
    "春",
    "秋",
    "桂",
    "兰",
    "梅",
    "竹",
    "松",
    "柳",
    "荷",
    "桃",
]


def station_code(s: int) -> str:
    """Code of a police station."""
    return f"PS{s + 1:03d}"


def community_code(c: int) -> str:
    """Code of a community or village."""
    return f"CM{c + 1:05d}"


def station_name(s: int) -> str:
    """Chinese name of a police station."""
    place = _PLACES[s % len(_PLACES)]
    suffix = "" if s < len(_PLACES) else str(s // len(_PLACES) + 1)
    return f"{place}{suffix}派出所"


def community_name(c: int) -> str:
    """Chinese name of a community (社区) or village (村)."""
    a = _SYLLABLES[c % len(_SYLLABLES)]
    b = _SYLLABLES[(c // len(_SYLLABLES) + 7 * c) % len(_SYLLABLES)]
    kind = "村" if c % 5 == 4 else "社区"
    number = "" if c < len(_SYLLABLES) ** 2 else str(c // len(_SYLLABLES) ** 2)
    return f"{a}{b}{number}{kind}"


def cell_ids(rng: np.random.Generator, n: int) -> pa.Array:
    """``n`` distinct cell identifiers ``MCC+MNC-LAC-CI``."""
    mnc = np.array(["46000", "46001", "46011"])[rng.integers(0, 3, n)]
    lac = 21000 + np.arange(n) // 40
    ci = 10000 + np.arange(n) * 7 % 60000 + rng.integers(0, 5, n)
    text = [
        f"{m}-{la}-{c}" for m, la, c in zip(mnc.tolist(), lac.tolist(), ci.tolist(), strict=True)
    ]
    return pa.array(text, type=pa.string())
