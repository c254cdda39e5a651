"""Everyday content: popular web sites, common apps, service SMS senders and their texts.

Pools are rendered once per run (deterministically) and picked by index in the bulk traffic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from fanzha.sim import phones
from fanzha.sim.rand import F64, I64

# (URL template, weight). {n} is a random number, {q} a search word.
SITES = (
    ("https://www.baidu.com/s?wd={q}", 14),
    ("https://m.baidu.com/s?word={q}", 8),
    ("https://item.taobao.com/item.htm?id={n}", 9),
    ("https://item.jd.com/{n}.html", 6),
    ("https://mobile.yangkeduo.com/goods.html?goods_id={n}", 6),
    ("https://www.douyin.com/video/{n}", 9),
    ("https://www.bilibili.com/video/av{n}", 5),
    ("https://www.zhihu.com/question/{n}", 4),
    ("https://weibo.com/{n}", 5),
    ("https://news.qq.com/rain/a/{n}", 4),
    ("https://www.toutiao.com/article/{n}/", 6),
    ("https://www.xiaohongshu.com/explore/{n}", 5),
    ("https://www.163.com/news/article/{n}.html", 2),
    ("https://map.baidu.com/search/{q}", 2),
    ("https://www.meituan.com/meishi/{n}/", 3),
    ("https://m.ctrip.com/webapp/hotel/{n}", 1),
    ("https://www.12306.cn/index/", 1),
    ("https://www.gov.cn/zhengce/{n}.htm", 1),
    ("https://www.icbc.com.cn/", 1),
    ("https://fund.eastmoney.com/{n}.html", 2),
    ("https://www.10jqka.com.cn/", 1),
    ("https://kf.jd.com/", 1),
    ("https://www.zhenai.com/", 0.3),
    ("https://www.jiayuan.com/", 0.3),
    ("https://www.pxb7.com/buy/{n}", 0.3),
    ("https://www.5173.com/search/{n}", 0.3),
    ("https://3.cn/{n}", 0.5),
    ("https://t.cn/{n}", 0.5),
    ("https://www.chsi.com.cn/", 0.2),
    ("https://www.pbccrc.org.cn/", 0.1),
    ("https://zxts.pbccrc.org.cn/", 0.05),
)
QUERIES = [
    "天气",
    "快递查询",
    "房价",
    "高铁票",
    "新闻",
    "菜谱",
    "股票",
    "基金",
    "招聘",
    "兼职",
    "医保",
    "社保",
    "公积金",
    "贷款利率",
    "手机",
    "考研",
    "彩票",
    "旅游",
]

# (package, weight of opens)
APPS = (
    ("com.tencent.mm", 30),
    ("com.eg.android.AlipayGphone", 12),
    ("com.ss.android.ugc.aweme", 14),
    ("com.taobao.taobao", 7),
    ("com.xunmeng.pinduoduo", 7),
    ("com.jingdong.app.mall", 4),
    ("com.sankuai.meituan", 5),
    ("com.tencent.mobileqq", 5),
    ("com.smile.gifmaker", 5),
    ("com.xingin.xhs", 4),
    ("tv.danmaku.bili", 3),
    ("com.sina.weibo", 3),
    ("com.autonavi.minimap", 3),
    ("com.tencent.qqmusic", 2),
    ("com.ss.android.article.news", 3),
    ("com.tencent.tmgp.sgame", 2),
    ("com.icbc", 1),
    ("com.chinamworld.main", 1),
    ("cmb.pb", 1),
    ("com.unionpay", 0.5),
    ("com.hicorenational.antifraud", 0.2),
    ("com.eastmoney.android.berlin", 0.8),
    ("com.hexin.plat.android", 0.6),
    ("com.alibaba.android.rimet", 2),
    ("com.tencent.wemeet.app", 0.8),
    ("com.ss.android.lark", 0.4),
    ("com.greenpoint.android.mc10086.activity", 0.5),
    ("com.MobileTicket", 0.3),
    ("com.netease.cloudmusic", 1),
    ("com.baidu.searchbox", 2),
)
# remote-control and screen-sharing tools: legitimate, but favoured by fraudsters
REMOTE_TOOLS = (
    "com.anydesk.anydeskandroid",
    "com.teamviewer.quicksupport.market",
    "com.oray.sunlogin",
    "us.zoom.videomeetings",
    "com.tencent.wemeet.app",
)

_BANK_NAMES = (
    "工商银行",
    "建设银行",
    "农业银行",
    "中国银行",
    "招商银行",
    "交通银行",
    "邮储银行",
    "民生银行",
    "兴业银行",
    "浦发银行",
)
_OTHER_NAMES = (
    "中国移动",
    "中国联通",
    "中国电信",
    "腾讯",
    "支付宝",
    "京东",
    "顺丰速运",
    "12306",
    "中通快递",
    "韵达快递",
)
_BANK_TEXTS = (
    "【{b}】您尾号{d4}的储蓄卡{mo}月{dd}日{hh}:{mi}消费支出人民币{amt}元，活期余额{bal}元。",
    "【{b}】您尾号{d4}的账户{mo}月{dd}日{hh}:{mi}收入人民币{amt}元（工资），余额{bal}元。",
    "【{b}】尊敬的客户，您的信用卡本期账单{amt}元，到期还款日{mo}月{dd}日，请按时还款。",
    "【{b}】您正在进行手机银行登录，验证码{code}，请勿向任何人泄露。工作人员不会索要验证码。",
    "【{b}】温馨提示：谨防电信诈骗，银行不会要求您将资金转入所谓“安全账户”。",
)
_OTHER_TEXTS = (
    "【{b}】您的验证码为{code}，5分钟内有效，请勿泄露给他人。",
    "【{b}】尊敬的客户，您本月话费账单{amt}元，剩余通用流量{d2}GB，详询10086。",
    "【{b}】您的快件已到达{place}驿站，取件码{d1}-{d1}-{d4}，请及时领取。",
    "【{b}】双11狂欢购，爆款低至5折，领券满300减50，戳 https://3.cn/{n} 退订回T",
    "【{b}】您购买的{mo}月{dd}日G{d4}次车票已出票，请携带身份证乘车。",
    "【{b}】您的订单已发货，运单号SF{n}，预计明日送达。",
)
_PLACES = ("菜鸟", "兔喜", "妈妈", "小区东门", "丰巢")
P2P_TEXTS = (
    "到了吗",
    "晚上回来吃饭吗",
    "好的",
    "收到",
    "我在路上了，十分钟到",
    "帮我带瓶酱油",
    "明天几点出发？",
    "妈，我周末回家",
    "把孩子接一下",
    "会议改到下午三点",
    "钱已经转你了",
    "生日快乐！",
    "今天加班，晚点回",
    "快递到了放门口",
    "下雨了记得带伞",
    "好的，谢谢",
    "[图片]",
    "你爸身体怎么样",
    "这个月房租我转给你了",
    "周六一起吃饭？",
)


@dataclass
class Pools:
    """Rendered pools picked by index in the bulk traffic."""

    urls: pa.Array
    url_weights: F64
    apps: pa.Array
    app_weights: F64
    sms_senders: I64
    sms_texts: pa.Array
    sms_weights: F64
    p2p_texts: pa.Array
    merchant_accounts: pa.Array
    employer_accounts: pa.Array
    businesses: I64  # landlines and hotlines of shops and companies


def build_pools(rng: np.random.Generator, scale: float) -> Pools:
    """Render every pool once for a run."""
    urls, url_w = _urls(rng, 3000)
    senders, texts, sms_w = _service_sms(rng, 4000)
    n_merchants = max(200, int(40_000 * scale))
    merchants = 6228_4800_0000_0000_000 + rng.choice(10**12, n_merchants, replace=False)
    employers = 6222_0200_0000_0000_000 + rng.choice(
        10**12, max(50, int(8000 * scale)), replace=False
    )
    n_business = max(50, int(4000 * scale))
    businesses = np.concatenate(
        [
            phones.landlines(rng, n_business),
            864_000_000_000 + rng.integers(1_000_000, 9_999_999, 60),
        ]
    )
    return Pools(
        urls=pa.array(urls, pa.string()),
        url_weights=url_w,
        apps=pa.array([a for a, _ in APPS], pa.string()),
        app_weights=np.array([w for _, w in APPS], dtype=np.float64),
        sms_senders=senders,
        sms_texts=pa.array(texts, pa.string()),
        sms_weights=sms_w,
        p2p_texts=pa.array(P2P_TEXTS, pa.string()),
        merchant_accounts=pa.array(merchants).cast(pa.string()),
        employer_accounts=pa.array(employers).cast(pa.string()),
        businesses=businesses,
    )


def _fill(template: str, rng: np.random.Generator, name: str) -> str:
    r = rng.integers
    return template.format(
        b=name,
        q=QUERIES[int(r(0, len(QUERIES)))],
        n=int(r(10**6, 10**10)),
        d4=f"{int(r(0, 10**4)):04d}",
        d2=int(r(1, 40)),
        d1=int(r(1, 9)),
        mo=int(r(1, 13)),
        dd=int(r(1, 29)),
        hh=f"{int(r(0, 24)):02d}",
        mi=f"{int(r(0, 60)):02d}",
        amt=f"{float(rng.lognormal(4.5, 1.2)):.2f}",
        bal=f"{float(rng.lognormal(9, 1.3)):.2f}",
        code=f"{int(r(0, 10**6)):06d}",
        place=_PLACES[int(r(0, len(_PLACES)))],
    )


def _urls(rng: np.random.Generator, n: int) -> tuple[list[str], F64]:
    w = np.array([s[1] for s in SITES], dtype=np.float64)
    which = rng.choice(len(SITES), size=n, p=w / w.sum())
    urls = [_fill(SITES[i][0], rng, "") for i in which.tolist()]
    weights: F64 = (1.0 / (1.0 + np.arange(n)) ** 0.6).astype(
        np.float64
    )  # a few pages are very popular
    return urls, weights


def _service_sms(rng: np.random.Generator, n: int) -> tuple[I64, list[str], F64]:
    senders = np.empty(n, dtype=np.int64)
    texts: list[str] = []
    for i in range(n):
        if rng.random() < 0.45:
            k = int(rng.integers(0, len(_BANK_NAMES)))
            senders[i] = phones.service_key(phones.BANK_SERVICE[k])
            texts.append(
                _fill(_BANK_TEXTS[int(rng.integers(0, len(_BANK_TEXTS)))], rng, _BANK_NAMES[k])
            )
        else:
            k = int(rng.integers(0, len(_OTHER_NAMES)))
            senders[i] = phones.service_key(phones.OTHER_SERVICE[k])
            texts.append(
                _fill(_OTHER_TEXTS[int(rng.integers(0, len(_OTHER_TEXTS)))], rng, _OTHER_NAMES[k])
            )
    return senders, texts, np.ones(n, dtype=np.float64)
