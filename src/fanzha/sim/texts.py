"""Scam texts per fraud type (several variants each) and lead narratives.

Written after the patterns published in police anti-fraud bulletins; names, amounts, codes
and links are filled in per message.
"""

from __future__ import annotations

import numpy as np

SCAM_SMS: dict[str, tuple[str, ...]] = {
    "task_rebate": (
        "【招聘】在家动动手指日赚200-500元，手机操作，时间自由，当日结算，详询 {url}",
        "亲，诚招点赞员，抖音点赞关注一单3元，每天轻松300+，加入请点 {url} 回T退订",
        "您好，您已被选为平台兼职体验用户，完成三单任务即返佣金{amount}元，立即领取 {url}",
        "宝妈学生兼职，刷单返利，本金加佣金秒返，无需押金，下载APP：{url}",
    ),
    "fake_investment": (
        "【财富内参】{name}老师带队，内部消息每日推荐牛股，本周已涨37%，进群领取：{url}",
        "尊敬的投资者，您获得数字货币平台体验金{amount}元，稳赚不赔，登录 {url} 激活",
        "股票群福利：名师一对一指导，跟单月收益30%以上，名额有限，速加 {url}",
    ),
    "fake_shopping": (
        "【闲置转让】全新iPhone 16 内部渠道价{amount}元，包邮，私聊下单更优惠 {url}",
        "演唱会门票内部票源，原价转让，先到先得，扫码付款锁票 {url}",
        "低价代购茅台飞天，正品保真，加微信付款发货，详情 {url}",
    ),
    "fake_customer_service": (
        "【快递理赔】您的快件在运输中丢失，我司将双倍赔付{amount}元，请点击 {url} 办理退款",
        "【淘宝客服】您购买的商品存在质量问题，可申请三倍赔偿，请尽快联系客服 {url}",
        "您开通的百万保障服务即将自动扣费{amount}元/月，如需取消请点击 {url}",
        "【抖音】您已开通抖音会员，每月将扣费，取消请点 {url} 并联系人工客服",
    ),
    "fake_loan": (
        "【急用钱】无抵押无担保，身份证即可贷，最高20万，当天放款，申请：{url}",
        "尊敬的客户，您有一笔{amount}元信用额度待领取，低息秒批，点击 {url} 立即提现",
        "黑户白户均可下款，不看征信，利息低至0.3%，APP下载 {url}",
    ),
    "fake_credit": (
        "【征信中心】您的个人征信存在异常记录，将影响贷款购房，请于今日内处理：{url}",
        "您的校园贷账户未注销，根据银保监会要求需立即注销，否则影响征信，详询 {url}",
    ),
    "impersonate_boss": (
        "我是{name}，这是我新号，明天上午到我办公室一趟，先加我QQ {code}",
        "小王，我是{name}总，现在在开会不方便接电话，有笔款要急转给合作方，加我微信细说",
        "{name}总：财务注意，和对方公司的合同款今天要付，账户我发你，办完回复我",
    ),
    "impersonate_police": (
        "【最高人民检察院】您涉嫌一起洗钱案件，案件编号{code}，"
        "请登录 {url} 查询通缉令，否则将被冻结资产",
        "【公安局】您的身份信息被他人冒用办理银行卡，涉嫌非法集资，请立即联系办案民警，详见 {url}",
        "【医保局】您的医保卡涉嫌违规套现，已被冻结，请致电核实或访问 {url}",
    ),
    "romance": (
        "哥哥/姐姐你好，我在婚恋平台看到你的资料，感觉很有缘，加个好友吧 {url}",
        "亲爱的，这个博彩平台我舅舅是内部人员，有漏洞稳赚，你注册一下 {url} 我教你",
    ),
    "game_trade": (
        "【游戏交易】王者荣耀国服账号低价出售，全英雄全皮肤只要{amount}元，私下交易更便宜 {url}",
        "免费领取原神创世结晶6480，名额有限，登录 {url} 验证账号即可领取",
        "你的游戏账号因交易违规被冻结，需缴纳保证金解冻，点击 {url} 处理",
    ),
}
_NAMES = ("李", "王", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴")

NARRATIVES: dict[str, str] = {
    "task_rebate": "该人员疑似参与刷单返利，已下载涉诈APP并向涉诈账户转账，请立即劝阻。",
    "fake_investment": "该人员被拉入虚假投资理财群，已在涉诈平台注册并小额充值，存在继续被骗风险。",
    "fake_shopping": "该人员访问虚假购物网站并与涉诈号码联系，疑似准备私下付款。",
    "fake_customer_service": (
        "该人员与冒充电商物流客服的号码通话时长较长，并下载屏幕共享软件，请紧急劝阻。"
    ),
    "fake_loan": "该人员下载虚假贷款APP，对方以缴纳保证金、解冻费为由要求转账。",
    "fake_credit": "该人员接到冒充征信中心来电，被要求注销校园贷账户，存在转账风险。",
    "impersonate_boss": "该财务人员收到冒充领导的短信，对方要求紧急向陌生账户转账。",
    "impersonate_police": (
        "该人员正与境外冒充公检法号码通话，已被要求下载会议软件，疑似将向安全账户转账。"
    ),
    "romance": "该人员与网恋对象长期联系，对方诱导其在博彩/投资平台充值。",
    "game_trade": "该人员（疑似未成年人）访问虚假游戏交易网站并与涉诈号码联系。",
}


def scam_text(rng: np.random.Generator, fraud_type: str, url: str) -> str:
    """One scam SMS of the type, with the operation's link filled in."""
    options = SCAM_SMS[fraud_type]
    template = options[int(rng.integers(0, len(options)))]
    return template.format(
        url=url,
        amount=int(rng.integers(1, 100)) * 100,
        name=_NAMES[int(rng.integers(0, len(_NAMES)))],
        code=int(rng.integers(10**6, 10**9)),
    )
