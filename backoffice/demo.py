"""The demo company (``flask backoffice demo-data``): a marketing centre with three departments,
about fifteen staff (a login per role), ~500 clients with a year of purchases, tickets, visits and
last month's appraisal sheets.

Two halves:

* ``plan_demo(n_clients, seed, today)`` is a pure function: from a ``random.Random(seed)`` and a
  fixed reference date it returns the whole company as plain dicts, tuples, dates and Decimals
  (no Flask, no database). The same arguments always give the same plan.
* ``load_demo(n_clients, seed)`` writes that plan in one transaction, once: if the demo company is
  already present it does nothing and returns ``[]``.

The reference date is fixed (``DEMO_TODAY``) so the data is reproducible; every time in the plan
lies before that day (visits and tickets over the two months before it), so nothing is in the
future either.
"""
import datetime as dt
import math
import random
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask import current_app, g
from werkzeug.security import check_password_hash

from backoffice import models as m
from backoffice.clock import business_today
from backoffice.extensions import db
from backoffice.services import sla
from backoffice.services.calendar import working_calendar
from backoffice.rules.key_account import key_account_reasons
from backoffice.rules.scale import scale_codes
from backoffice.rules.service_level import ENTITLEMENTS, default_service_level

DEMO_PASSWORD = "demo2026"
DEMO_TODAY = dt.date(2026, 11, 23)
DEMO_EMAIL_DOMAIN = "demo.example.com"
CENTRE_CODE = "YX"
CLIENT_CODE_FORMAT = "KH{:06d}"
N_TICKETS = 60

FEN = Decimal("0.01")

# --------------------------------------------------------------------------------------------
# Organisation
# --------------------------------------------------------------------------------------------

# code, name, parent code
DEPARTMENTS = [
    (CENTRE_CODE, "营销中心", None),
    ("YX01", "城区营销部", CENTRE_CODE),
    ("YX01A", "城东服务组", "YX01"),
    ("YX02", "郊区营销部", CENTRE_CODE),
    ("YX03", "县域营销部", CENTRE_CODE),
]

# employee no, name (surname, given), department, position, username, role, pay base range
STAFF = [
    ("YG001", ("马", "志强"), CENTRE_CODE, "admin", "admin", "Admin", (4000, 4500)),
    ("YG002", ("王", "建国"), "YX01", "dept_head", "wang.head", "DeptHead", (4000, 4500)),
    ("YG003", ("李", "秀英"), "YX02", "dept_head", "li.head", "DeptHead", (4000, 4500)),
    ("YG004", ("刘", "德明"), "YX03", "dept_head", "liu.head", "DeptHead", (4000, 4500)),
    ("YG005", ("赵", "磊"), "YX01", "client_manager", "zhao.cm", "ClientManager", (3200, 4000)),
    ("YG006", ("钱", "丽娟"), "YX01A", "client_manager", "qian.cm", "ClientManager", (3200, 4000)),
    ("YG007", ("孙", "伟"), "YX02", "client_manager", "sun.cm", "ClientManager", (3200, 4000)),
    ("YG008", ("周", "海燕"), "YX03", "client_manager", "zhou.cm", "ClientManager", (3200, 4000)),
    ("YG009", ("吴", "静"), CENTRE_CODE, "service_desk", "wu.desk", "ServiceDesk", (2800, 3300)),
    ("YG010", ("郑", "晓红"), "YX01", "clerk", "zheng.back", "BackOffice", (2800, 3300)),
    ("YG011", ("陈", "志远"), CENTRE_CODE, "inspector", "chen.viewer", "Viewer", (3000, 3500)),
    # no login
    ("YG012", ("冯", "强"), "YX01", "delivery", None, None, (2500, 2900)),
    ("YG013", ("何", "建军"), "YX02", "delivery", None, None, (2500, 2900)),
    ("YG014", ("蒋", "涛"), "YX03", "delivery", None, None, (2500, 2900)),
    ("YG015", ("许", "芳"), CENTRE_CODE, "phone_order", None, None, (2500, 3000)),
]

# The client managers, the share of the clients they own, and their territory.
# territory: list of (district, area code of the licence, latitude, longitude, rural?)
TERRITORIES = {
    "YG005": (0.20, [("新城区", "610102", 34.268, 108.960, False), ("碑林区", "610103", 34.254, 108.941, False)]),
    "YG006": (0.20, [("莲湖区", "610104", 34.266, 108.934, False), ("雁塔区", "610113", 34.223, 108.948, False)]),
    "YG007": (0.30, [
        ("未央区", "610112", 34.303, 108.946, False), ("灞桥区", "610111", 34.273, 109.064, False),
        ("长安区", "610116", 34.157, 108.907, False),
    ]),
    "YG008": (0.30, [
        ("蓝田县", "610122", 34.151, 109.323, True), ("周至县", "610124", 34.163, 108.222, True),
        ("鄠邑区", "610118", 34.108, 108.605, True),
    ]),
}

TOWNS = {
    "长安区": ["韦曲街道", "郭杜街道", "王曲街道", "滦镇街道"],
    "灞桥区": ["席王街道", "狄寨街道", "新合街道"],
    "未央区": ["六村堡街道", "草滩街道", "汉城街道"],
    "蓝田县": ["华胥镇", "玉山镇", "汤峪镇", "洩湖镇", "蓝关街道"],
    "周至县": ["哑柏镇", "集贤镇", "终南镇", "楼观镇", "二曲街道"],
    "鄠邑区": ["祖庵镇", "秦渡镇", "余下街道", "甘亭街道", "庞光街道"],
}
VILLAGES = ["东庄", "西岭", "王家", "李家", "张家堡", "南寨", "北关", "新庄", "柳树", "杨家湾", "石桥", "河坝"]
ROADS = [
    "解放路", "建设路", "人民路", "和平路", "东风路", "文化路", "幸福路", "长安路", "友谊路", "太白路",
    "含光路", "朱雀大街", "长乐路", "凤城路", "纬一街", "西关正街", "北大街", "东关南街", "西大街",
    "金花路", "劳动路", "丰庆路", "电子正街", "雁塔路", "未央路", "纺织城正街", "韦曲南街",
]
WEEKDAYS = ["周一", "周二", "周三", "周四", "周五"]

SURNAMES = list(
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
    "阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹易常武乔贺"
)
GIVEN = [
    "建国", "秀英", "丽", "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛",
    "明", "超", "霞", "平", "刚", "桂英", "文", "华", "红", "志强", "海燕", "晓东", "春梅", "玉兰",
    "建军", "金凤", "德胜", "永红", "小红", "亚楠", "博", "鹏", "宇", "婷", "雪梅", "秋菊", "长青",
    "国庆", "卫东", "保平", "少华", "宏伟", "翠花", "建华", "新民", "利军", "彩霞", "晓燕", "振华",
]
SHOP_WORDS = [
    "鑫源", "惠民", "百佳", "福满多", "顺发", "兴隆", "和顺", "益民", "佳佳", "吉祥", "如意", "平安",
    "红星", "金鑫", "聚福", "万顺", "富源", "恒泰", "宏达", "新星", "众鑫", "利民", "便民", "康乐",
    "天天", "阳光", "春燕", "东升", "瑞丰", "永兴", "德润", "家和", "旺角", "福临门", "好运来", "盛源",
]
# business format code -> name suffixes
SUFFIXES = {
    "Z": ["食杂店", "副食店", "小卖部", "日杂店"],
    "B": ["便利店", "便利", "24小时便利店"],
    "S": ["超市", "购物广场", "生活超市"],
    "Y": ["烟酒商行", "烟酒店", "名烟名酒", "烟酒批发部"],
    "F": ["棋牌室", "茶楼", "网吧", "KTV"],
    "M": ["商场", "百货", "百货大楼"],
    "Q": ["商贸部", "经营部", "综合门市"],
}
OTHER_SUFFIXES = ["商店", "门市部"]
# share of clients per format (Z most common); formats not listed get DEFAULT_FORMAT_WEIGHT
FORMAT_WEIGHTS = {"Z": 45, "B": 14, "Y": 14, "S": 10, "F": 5, "M": 3, "Q": 6}
BIG_FORMAT_WEIGHTS = {"S": 4, "Y": 4, "M": 3, "Z": 1, "B": 1}
DEFAULT_FORMAT_WEIGHT = 2

CONTACT_TITLES = ["店员", "老板娘", "店长", "收银员", "会计", "采购"]

# --------------------------------------------------------------------------------------------
# Tickets and visits
# --------------------------------------------------------------------------------------------

TICKET_TYPES = [("complaint", 40), ("inquiry", 18), ("service_request", 14), ("opinion", 10),
                ("suggestion", 10), ("report", 8)]
COMPLAINT_CLASSES = [("own_service", 50), ("product", 35), ("external", 15)]
SUBJECTS = {
    ("complaint", "own_service"): ["送货员态度生硬", "送货延误半天", "客户经理长期未上门拜访", "订货电话多次打不通", "结算多扣款项"],
    ("complaint", "product"): ["卷烟受潮霉变", "条盒破损", "到货数量短缺两条", "烟支空头", "批次包装印刷模糊"],
    ("complaint", "external"): ["第三方物流损坏包装", "银行代扣款失败未通知", "周边无证经营影响生意"],
    "report": ["举报周边无证售烟", "举报疑似假烟", "举报违规跨区销售"],
    "inquiry": ["咨询新品上市时间", "咨询订货周期调整", "咨询许可证延续手续", "咨询结算方式变更", "咨询紧俏品规供应"],
    "opinion": ["对订货限量的意见", "对送货时间安排的意见", "对价格调整通知不及时的意见"],
    "suggestion": ["建议增加网上订货渠道", "建议开展经营培训", "建议增加送货频次", "建议统一烟柜样式"],
    "service_request": ["申请调整送货时间", "申请更换烟柜", "申请变更结算方式", "申请增加订货品规", "申请更新许可证信息"],
}
RESOLUTIONS = {
    "complaint": ["已核实情况并向客户致歉，调整送货安排", "已补发短缺卷烟并说明原因", "已联系供货方更换问题卷烟",
                  "已对相关人员进行批评教育", "已协调第三方处理并告知客户"],
    "report": ["已转稽查部门核查，结果已告知举报人"],
    "inquiry": ["已电话答复客户", "已发送书面说明"],
    "opinion": ["已记录并报部门研究，已向客户说明"],
    "suggestion": ["已采纳并纳入下季度服务计划", "已感谢客户建议并说明现行做法"],
    "service_request": ["已按客户要求调整", "已安排上门办理"],
}
CHANNELS = [("hotline", 35), ("phone", 30), ("walk_in", 8), ("written", 5), ("email", 7), ("visit", 15)]
# final state -> how many of 60 tickets end there, and the days before "today" they were registered
TICKET_STATES = [
    ("closed", 22, (5, 55)),
    ("in_progress", 10, (1, 20)),
    ("registered", 7, (1, 3)),
    ("fed_back", 7, (2, 15)),
    ("called_back", 7, (3, 30)),
    ("escalated", 7, (3, 40)),
]

VISIT_KINDS = [("on_site", 60), ("phone", 25), ("follow_up", 15)]
PURPOSES = {
    "on_site": ["例行拜访", "新品推介", "店面陈列指导", "订单核对", "卷烟政策宣传", "库存检查"],
    "phone": ["电话订货确认", "到货确认", "价格咨询答复", "订货提醒"],
    "follow_up": ["服务满意度回访", "投诉处理结果回访", "整改情况回访"],
}
FINDINGS = [
    "经营正常，无异常", "客户反映部分品牌断货", "烟柜陈列需调整", "客户希望增加送货频次", "库存偏高",
    "周边新开便利店，竞争加剧", "客户咨询新品价格", "店面装修，暂停营业两天", "客户对服务表示满意",
]
NEXT_STEPS = ["下周复访", "反馈至货源组", "协调送货时间", "跟进新品订购", "无", "月底前电话回访"]
SATISFACTION = [(5, 45), (4, 35), (3, 12), (2, 5), (1, 3)]

SHEET_STATUSES = ["draft", "submitted", "approved"]
TARGET_RESULTS = ["exceeded", "met", "missed"]
SHEET_TEMPLATES = {"client_manager": "SALES_M", "clerk": "CLERK_M"}

# Defaults for the pure planner when no database is at hand (the seeded reference data).
DEFAULT_FORMATS = ("B", "F", "M", "Q", "S", "Y", "Z")
DEFAULT_TEMPLATES = {
    "SALES_M": (("业绩", 60), ("能力", 20), ("态度", 20)),
    "CLERK_M": (("工作量", 20), ("工作态度", 30), ("工作能力", 40), ("工作效果", 10)),
}


# --------------------------------------------------------------------------------------------
# Small pure helpers
# --------------------------------------------------------------------------------------------


def _weighted(rng, pairs):
    values = [v for v, _w in pairs]
    weights = [w for _v, w in pairs]
    return rng.choices(values, weights=weights, k=1)[0]


def _money(value):
    return Decimal(value).quantize(FEN, rounding=ROUND_HALF_UP)


def _office_hours(at):
    """Move a time outside 08:30–18:00 to the next opening (keeping its minutes as jitter)."""
    if at.time() < dt.time(8, 30):
        return dt.datetime.combine(at.date(), dt.time(8, 30 + at.minute % 30))
    if at.time() > dt.time(18, 0):
        return dt.datetime.combine(at.date() + dt.timedelta(days=1), dt.time(8, 30 + at.minute % 30))
    return at


def _add_months(month, n):
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def _mobile(rng):
    return "1" + rng.choice("3456789") + "".join(rng.choice("0123456789") for _ in range(9))


def _landline(rng):
    return "029-8" + "".join(rng.choice("0123456789") for _ in range(7))


def is_workday(day):
    """Chinese working day (holidays and make-up days from ``chinese_calendar``), else Mon–Fri."""
    try:
        import chinese_calendar

        return chinese_calendar.is_workday(day)
    except (ImportError, NotImplementedError):
        return day.weekday() < 5


def _demo_calendar():
    """The official arrangement of the demo's years as ``chinese-calendar`` ships it: the same
    rows ``seed_calendar`` puts in the table, so the plan's deadlines are the stamped ones."""
    from backoffice.services.calendar import build_calendar, official_rows

    rows = [(day, working, True) for year in (DEMO_TODAY.year - 1, DEMO_TODAY.year)
            for day, (working, _name) in official_rows(year).items()]
    return build_calendar(rows)


def due_at(ticket_type, complaint_class, registered_at, _cache={}):
    """Deadline per the seeded SLA policies (SPEC §4), by the one rule ``services/sla.stamp`` uses."""
    from backoffice.rules.working_calendar import ticket_deadlines
    from backoffice.seed import seeded_policy_terms

    if "calendar" not in _cache:
        _cache["calendar"], _cache["policies"] = _demo_calendar(), seeded_policy_terms()
    result = ticket_deadlines(_cache["policies"], _cache["calendar"], ticket_type, complaint_class, "normal",
                              registered_at)
    return result.resolution.due_at


def _workdays(first, last):
    day, days = first, []
    while day <= last:
        if is_workday(day):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


PARENTS = {code: parent for code, _n, parent in DEPARTMENTS}


def _department_head(dept, heads, exclude=None):
    """The head of ``dept``, or of the nearest department above it that has one."""
    while dept is not None:
        head = heads.get(dept)
        if head and head != exclude:
            return head
        dept = PARENTS[dept]
    return None


def _delivery_for(dept, delivery_of):
    while dept is not None:
        if dept in delivery_of:
            return delivery_of[dept]
        dept = PARENTS[dept]
    return None


def _evaluator(employee_no, staff_by_no, heads):
    """The head of the staff member's department or above (never the staff member)."""
    return _department_head(staff_by_no[employee_no]["department"], heads, exclude=employee_no)


# --------------------------------------------------------------------------------------------
# The plan
# --------------------------------------------------------------------------------------------


def plan_demo(n_clients=500, seed=2026, today=DEMO_TODAY, formats=DEFAULT_FORMATS, templates=None):
    """The whole demo company as plain values; pure and deterministic.

    ``formats``: the business-format codes available; ``templates``: appraisal template code ->
    ((item name, max points), ...) as stored. Returns a dict with ``departments``, ``staff``,
    ``clients`` (each with ``contacts`` and ``purchases``), ``tickets`` (each with ``events``),
    ``visits`` and ``sheets``; staff are referred to by employee number, clients by code,
    users by username (``None`` = the acting system user).
    """
    templates = DEFAULT_TEMPLATES if templates is None else templates
    formats = tuple(formats)
    if not formats:
        raise ValueError("No business formats to spread the clients over.")
    rng = random.Random(seed)
    start = dt.datetime.combine(today, dt.time())  # nothing on or after this moment
    last_month = _add_months(today.replace(day=1), -1)
    months = [_add_months(last_month, -11 + i) for i in range(12)]

    departments = [{"code": c, "name": n, "parent": p, "head": None} for c, n, p in DEPARTMENTS]
    heads = {s[2]: s[0] for s in STAFF if s[3] == "dept_head"}
    for d in departments:
        d["head"] = heads.get(d["code"])

    staff = []
    for no, (surname, given), dept, position, username, role, (low, high) in STAFF:
        staff.append({
            "employee_no": no,
            "name": surname + given,
            "surname": surname,
            "given": given,
            "department": dept,
            "position": position,
            "phone": _mobile(rng),
            "pay_base": Decimal(rng.randrange(low, high + 1, 50)).quantize(FEN),
            "username": username,
            "role": role,
            "email": f"{username}@{DEMO_EMAIL_DOMAIN}" if username else None,
        })
    staff_by_no = {s["employee_no"]: s for s in staff}
    username_of = {s["employee_no"]: s["username"] for s in staff}
    delivery_of = {s["department"]: s["employee_no"] for s in staff if s["position"] == "delivery"}

    clients = _plan_clients(rng, n_clients, formats, months, staff_by_no, today)
    tickets = _plan_tickets(rng, clients, staff_by_no, username_of, delivery_of, heads, start)
    visits = _plan_visits(rng, clients, today, start)
    sheets = _plan_sheets(rng, staff, staff_by_no, heads, templates, last_month)
    return {
        "today": today,
        "months": months,
        "departments": departments,
        "staff": staff,
        "clients": clients,
        "tickets": tickets,
        "visits": visits,
        "sheets": sheets,
    }


def _owner_quota(n_clients):
    """Client count per client manager, by territory share, summing to n_clients."""
    owners = list(TERRITORIES)
    counts = {o: int(TERRITORIES[o][0] * n_clients) for o in owners}
    rest = n_clients - sum(counts.values())
    for o in owners[:rest] if rest > 0 else []:
        counts[o] += 1
    return counts


def _shop_name(rng, fmt, surname, given):
    style = rng.random()
    if style < 0.25:
        prefix = surname + "记"
    elif style < 0.35:
        prefix = "老" + surname
    elif style < 0.45:
        prefix = surname + given
    else:
        prefix = rng.choice(SHOP_WORDS)
    return prefix + rng.choice(SUFFIXES.get(fmt, OTHER_SUFFIXES))


def _plan_clients(rng, n_clients, formats, months, staff_by_no, today):
    quota = _owner_quota(n_clients)
    owner_list = [o for o in TERRITORIES for _ in range(quota[o])]
    rng.shuffle(owner_list)
    n_big = max(1, round(n_clients * 0.02)) if n_clients else 0
    big = set(rng.sample(range(n_clients), n_big)) if n_clients else set()
    format_pairs = [(f, FORMAT_WEIGHTS.get(f, DEFAULT_FORMAT_WEIGHT)) for f in formats]
    big_pairs = [(f, BIG_FORMAT_WEIGHTS.get(f, 1)) for f in formats]
    season = {1: 1.25, 2: 1.35, 7: 0.95, 8: 0.95, 9: 1.1, 10: 1.1, 12: 1.05}
    licence_serial = {}
    names_seen = set()
    clients = []
    for i in range(n_clients):
        owner = owner_list[i]
        district, area_code, lat0, lon0, rural_territory = rng.choice(TERRITORIES[owner][1])
        # size class: yearly amount in yuan
        if i in big:
            size, yearly = "big", rng.uniform(1_150_000, 2_800_000)
        else:
            r = rng.random()
            if r < 0.06:
                size, yearly = "large", rng.uniform(300_000, 950_000)
            elif r < 0.23:
                size, yearly = "medium", rng.uniform(100_000, 300_000)
            else:
                size, yearly = "small", math.exp(rng.uniform(math.log(12_000), math.log(98_000)))
        fmt = _weighted(rng, big_pairs if size in ("big", "large") else format_pairs)

        if size == "big":
            market = "C"
        elif rural_territory:
            market = "X" if rng.random() < 0.75 else "C"
        else:
            market = "X" if district in TOWNS and rng.random() < 0.2 else "C"
        if market == "X":
            region = _weighted(rng, [("rural", 60), ("town", 40)])
        elif rural_territory:
            region = "town"
        else:
            region = _weighted(rng, [("city_a", 55), ("city_b", 35), ("town", 10)])
        if market == "X" or rural_territory:
            town = rng.choice(TOWNS[district])
            if market == "X":
                address = f"西安市{district}{town}{rng.choice(VILLAGES)}村{rng.randint(1, 12)}组"
            else:
                address = f"西安市{district}{town}{rng.choice(ROADS)}{rng.randint(1, 300)}号"
            area = town.removesuffix("镇").removesuffix("街道") + "片区"
        else:
            address = f"西安市{district}{rng.choice(ROADS)}{rng.randint(1, 399)}号"
            area = district.removesuffix("区") + "片区"
        route = f"{rng.choice(WEEKDAYS)}{rng.choice('ABC')}线"

        surname, given = rng.choice(SURNAMES), rng.choice(GIVEN)
        name = _shop_name(rng, fmt, surname, given)
        if name in names_seen:
            name = f"{name}（{address[3:5]}{rng.choice(ROADS)[:2]}店）"
        n = 2
        while name in names_seen:
            name = f"{name}{n}"
            n += 1
        names_seen.add(name)

        serial = licence_serial.get(area_code) or rng.randint(100000, 300000)
        serial += rng.randint(1, 40)
        licence_serial[area_code] = serial
        phone = _mobile(rng) if rng.random() < 0.8 else _landline(rng)
        inactive = rng.random() < 0.05
        closed_from = len(months) - rng.randint(1, 5) if inactive else len(months)

        # purchases: client-specific carton price and monthly noise
        price = rng.uniform(150, 400) if fmt not in ("Y", "M") else rng.uniform(220, 400)
        has_profit = rng.random() < 0.7
        margin = rng.uniform(0.06, 0.12)
        purchases = []
        for k, month in enumerate(months):
            if k >= closed_from:
                purchases.append((month, 0, Decimal("0.00"), Decimal("0.00") if has_profit else None))
                continue
            monthly = yearly / 12 * season.get(month.month, 1.0) * rng.uniform(0.75, 1.25)
            quantity = max(1, round(monthly / price))
            amount = _money(quantity * price * rng.uniform(0.97, 1.03))
            profit = _money(amount * Decimal(str(round(margin, 4)))) if has_profit else None
            purchases.append((month, quantity, amount, profit))
        annual = sum((p[2] for p in purchases), Decimal("0"))

        contacts = [{
            "name": surname + given, "title": "店主", "primary": True,
            "phone": phone if phone.startswith("1") else _mobile(rng),
            "email": (f"{rng.randint(10000000, 2999999999)}@{rng.choice(['qq.com', '163.com'])}"
                      if rng.random() < 0.15 else None),
        }]
        if rng.random() < 0.4:
            other = (surname if rng.random() < 0.5 else rng.choice(SURNAMES)) + rng.choice(GIVEN)
            if other != contacts[0]["name"]:
                contacts.append({"name": other, "title": rng.choice(CONTACT_TITLES), "primary": False,
                                 "phone": _mobile(rng), "email": None})

        birthday = dt.date(rng.randint(1960, 1996), rng.randint(1, 12), rng.randint(1, 28))
        joined = dt.date(rng.randint(2005, 2025), rng.randint(1, 12), rng.randint(1, 28))
        notes = None
        if inactive:
            notes = f"{months[closed_from]:%Y年%m月}起停业，许可证待注销"
        elif rng.random() < 0.1:
            notes = rng.choice(["店主周末不在店，拜访请提前电话联系", "临街门面，送货请走后门", "兼营彩票",
                                "新装修门店，陈列较好", "店主为退役军人"])
        owner_dept = staff_by_no[owner]["department"]
        clients.append({
            "code": CLIENT_CODE_FORMAT.format(i + 1),
            "name": name,
            "licence_no": f"{area_code}{serial:06d}",
            "status": "inactive" if inactive else "active",
            "owner": owner,
            "department": owner_dept,
            "area": area,
            "route": route,
            "address": address,
            "phone": phone,
            "proprietor_birthday": birthday,
            "joined_on": joined,
            "settlement": _weighted(rng, [("cash", 60), ("revolving", 15), ("monthly", 25)]
                                    if size == "small" else [("cash", 20), ("revolving", 30), ("monthly", 50)]),
            "category": _weighted(rng, [("other", 70), ("intermediary", 8), ("strategic", 5), ("group_internal", 4),
                                        ("sasac", 4), ("concrete", 3), ("key_project", 6)]),
            "quality": "good" if rng.random() < (0.6 if size != "small" else 0.3) else "ordinary",
            "market_type": market,
            "format": fmt,
            "region_class": region,
            "development_potential": rng.random() < 0.03,
            "notes": notes,
            "latitude": round(lat0 + rng.uniform(-0.02, 0.02), 6),
            "longitude": round(lon0 + rng.uniform(-0.02, 0.02), 6),
            "contacts": contacts,
            "purchases": purchases,
            "annual_amount": annual,
        })

    # Business scale over the previous calendar quarter (SPEC §3.2), service level from scale,
    # key account from the last twelve months' amount (SPEC §3.4).
    quarter_start = _add_months(dt.date(today.year, (today.month - 1) // 3 * 3 + 1, 1), -3)
    quarter = {quarter_start, _add_months(quarter_start, 1), _add_months(quarter_start, 2)}
    rows = [(c["code"], c["format"], q, v) for c in clients for m, q, v, _p in c["purchases"] if m in quarter]
    codes = scale_codes(rows).codes if rows else {}
    for c in clients:
        c["scale"] = codes[c["code"]].code if c["code"] in codes else None
        c["service_level"] = default_service_level(c["scale"])
        c["key_account"] = "amount" in key_account_reasons(c["annual_amount"])
    return clients


def _step_plan(rng, final):
    """The events leading to ``final``: list of (event, from, to)."""
    to_feedback = [("register", None, "registered"), ("start", "registered", "in_progress"),
                   ("feed_back", "in_progress", "fed_back")]
    reopen = [("callback_unsatisfied", "fed_back", "in_progress"), ("feed_back", "in_progress", "fed_back")]
    callback = ("callback_satisfied", "fed_back", "called_back") if rng.random() < 0.7 else (
        "callback_basic", "fed_back", "called_back")
    if final == "registered":
        return [("register", None, "registered")]
    if final == "in_progress":
        if rng.random() < 0.25:  # reopened by an unsatisfied callback
            return to_feedback + [reopen[0]]
        return to_feedback[:2]
    if final == "fed_back":
        return to_feedback
    if final == "called_back":
        return to_feedback + [callback]
    if final == "closed":
        loop = reopen if rng.random() < 0.15 else []
        return to_feedback + loop + [callback, ("close", "called_back", "closed")]
    if final == "escalated":
        return to_feedback[: rng.choice([1, 2])] + [("escalate", None, "escalated")]
    raise ValueError(final)


def _plan_tickets(rng, clients, staff_by_no, username_of, delivery_of, heads, start):
    active = [c for c in clients if c["status"] == "active"] or clients
    if not active:
        return []
    finals = []
    for state, count, days in TICKET_STATES:
        finals += [(state, days)] * round(count * N_TICKETS / 60)
    rng.shuffle(finals)
    desk = next(no for no, s in staff_by_no.items() if s["position"] == "service_desk")
    tickets = []
    for final, (lo, hi) in finals:
        client = rng.choice(active)
        ttype = _weighted(rng, TICKET_TYPES)
        cclass = _weighted(rng, COMPLAINT_CLASSES) if ttype == "complaint" else None
        subject = rng.choice(SUBJECTS[(ttype, cclass)] if ttype == "complaint" else SUBJECTS[ttype])
        channel = _weighted(rng, CHANNELS)
        owner = client["owner"]
        receiver = owner if channel == "visit" else desk
        head = _department_head(client["department"], heads)
        about = None
        if cclass == "own_service" and rng.random() < 0.6:
            about = _delivery_for(client["department"], delivery_of) or owner if "送货" in subject else owner
        steps = _step_plan(rng, final)
        days_ago = rng.randint(lo, hi)
        clock = dt.time(rng.randint(8, 17), rng.choice([0, 10, 20, 30, 40, 50]))
        gaps = [dt.timedelta(hours=rng.randint(1, 20), minutes=rng.choice([0, 15, 30, 45])) for _ in steps]
        while True:
            registered_at = dt.datetime.combine(start.date() - dt.timedelta(days=days_ago), clock)
            deadline = due_at(ttype, cclass, registered_at)
            events, at = [], registered_at
            for (event, frm, to), gap in zip(steps, gaps):
                if event == "escalate":
                    frm = events[-1]["to"]
                    at = max(at, deadline) + gap  # escalated by the SLA scan once overdue
                elif event != "register":
                    at = _office_hours(at + gap)
                events.append({"event": event, "from": frm, "to": to, "at": at})
            if events[-1]["at"] < start - dt.timedelta(hours=1):
                break
            days_ago += 1
        for e in events:
            e["user"], e["note"] = _event_actor(e, receiver, owner, desk, username_of, client, head, staff_by_no,
                                                about=about)
        fed = [e["at"] for e in events if e["to"] == "fed_back"]
        callbacks = [e["event"] for e in events if e["event"].startswith("callback")]
        contact = client["contacts"][0]
        tickets.append({
            "number": None,  # below, once the tickets are in registration order
            "client": client["code"],
            "type": ttype,
            "complaint_class": cclass,
            "severity": "major" if rng.random() < 0.1 else "normal",
            "channel": channel,
            "subject": subject,
            "description": f"{client['name']}（{client['code']}）{contact['name']}反映：{subject}。",
            "complainant_name": contact["name"],
            "complainant_phone": contact["phone"],
            "status": final,
            "receiver": receiver,
            "responsible_department": client["department"] if final != "registered" else None,
            "responsible_staff": owner if final != "registered" else None,
            "about_staff": about,
            "registered_at": registered_at,
            "due_at": deadline,
            "fed_back_at": fed[-1] if fed else None,
            "closed_at": events[-1]["at"] if final == "closed" else None,
            "resolution": rng.choice(RESOLUTIONS[ttype]) if fed else None,
            "callback_result": {"callback_satisfied": "satisfied", "callback_basic": "basically",
                                "callback_unsatisfied": "unsatisfied"}[callbacks[-1]] if callbacks else None,
            "events": [{k: e[k] for k in ("from", "to", "at", "user", "note")} for e in events],
        })
    tickets.sort(key=lambda t: t["registered_at"])
    # Numbers as the application gives them (models/tickets.py): GD + date + daily sequence.
    per_day = {}
    for t in tickets:
        day = t["registered_at"].date()
        per_day[day] = per_day.get(day, 0) + 1
        t["number"] = f"GD{day:%Y%m%d}{per_day[day]:04d}"
    return tickets


def _event_actor(e, receiver, owner, desk, username_of, client, head, staff_by_no, about=None):
    event = e["event"]
    if event == "feed_back" and about == owner and username_of.get(head):
        # no retaliation (SPEC §4): a complaint about the manager is fed back by the head
        return username_of[head], "已核实处理并将结果反馈客户"
    if event == "register":
        return username_of[receiver], "登记受理（首问负责）"
    if event == "start":
        return username_of[desk], f"派单至{staff_by_no[owner]['name']}处理"
    if event == "feed_back":
        return username_of[owner], "已处理并将结果反馈客户"
    if event == "callback_satisfied":
        return username_of[desk], "回访：满意"
    if event == "callback_basic":
        return username_of[desk], "回访：基本满意"
    if event == "callback_unsatisfied":
        return username_of[desk], "回访：不满意，重新处理"
    if event == "close":
        return username_of[desk], "回访完成，关闭工单"
    if event == "escalate":
        return None, f"超时未办结，自动升级至{staff_by_no[head]['name']}"
    raise ValueError(event)


# The callback events' notes (``_event_actor``) -> the result the archive records, and the new
# request a dissatisfied client voices (seed 004 Art. 17: the callback asks for new requests).
CALLBACK_NOTES = {"回访：满意": "satisfied", "回访：基本满意": "basically", "回访：不满意，重新处理": "unsatisfied"}
CALLBACK_REQUESTS = {"unsatisfied": "希望客户经理尽快上门再次处理", "basically": "希望以后提前电话告知"}


def _plan_visits(rng, clients, today, start):
    """Visits on the working days of the two months before ``today`` (never on or after it)."""
    days = _workdays(today - dt.timedelta(days=61), today - dt.timedelta(days=1))
    by_owner = {}
    for c in clients:
        if c["status"] == "active":
            by_owner.setdefault(c["owner"], []).append(c)
    level_weight = {"A": 4, "B": 2, "C": 1, None: 1}
    daily = {"A": ENTITLEMENTS["A"]["daily"], "B": ENTITLEMENTS["B"]["daily"], "C": ENTITLEMENTS["C"]["daily"]}
    visits = []
    for owner in TERRITORIES:
        own = by_owner.get(owner, [])
        if not own:
            continue
        weights = [level_weight[c["service_level"]] for c in own]
        for day in days:
            count = min(len(own), rng.choice([1, 2, 2, 3, 3, 4, 5]))
            chosen = []
            while len(chosen) < count:
                c = rng.choices(own, weights=weights, k=1)[0]
                if c not in chosen:
                    chosen.append(c)
            minutes = sorted(rng.sample(range(9 * 60, 17 * 60 + 30, 5), count))
            for c, minute in zip(chosen, minutes):
                kind = _weighted(rng, VISIT_KINDS)
                at = dt.datetime.combine(day, dt.time(minute // 60, minute % 60))
                assert at < start
                on_site = kind == "on_site"
                services = None
                if on_site:
                    pool = daily.get(c["service_level"]) or daily["C"]
                    services = "\n".join(rng.sample(pool, min(len(pool), rng.randint(2, 4))))
                visits.append({
                    "client": c["code"],
                    "staff": owner,
                    "visited_at": at,
                    "kind": kind,
                    "latitude": round(c["latitude"] + rng.uniform(-0.0005, 0.0005), 6) if on_site else None,
                    "longitude": round(c["longitude"] + rng.uniform(-0.0005, 0.0005), 6) if on_site else None,
                    "purpose": rng.choice(PURPOSES[kind]),
                    "services_done": services,
                    "findings": rng.choice(FINDINGS),
                    "satisfaction": _weighted(rng, SATISFACTION) if kind == "follow_up" else None,
                    "next_step": rng.choice(NEXT_STEPS),
                })
    visits.sort(key=lambda v: (v["visited_at"], v["staff"]))
    return visits


def _plan_sheets(rng, staff, staff_by_no, heads, templates, month):
    appraised = [s for s in staff if s["position"] in SHEET_TEMPLATES and SHEET_TEMPLATES[s["position"]] in templates]
    statuses = [SHEET_STATUSES[i % len(SHEET_STATUSES)] for i in range(len(appraised))]
    rng.shuffle(statuses)
    sheets = []
    for s, status in zip(appraised, statuses):
        template = SHEET_TEMPLATES[s["position"]]
        scores = []
        for item, max_points in templates[template]:
            tenths = rng.randint(math.ceil(6 * max_points), 10 * max_points)  # 60 % .. 100 % of max
            scores.append((item, max_points, Decimal(tenths) / 10))
        sheets.append({
            "staff": s["employee_no"],
            "template": template,
            "evaluator": _evaluator(s["employee_no"], staff_by_no, heads),
            "month": month,
            "status": status,
            "target_result": rng.choice(TARGET_RESULTS),
            "pay_base": s["pay_base"],
            "comments": {"draft": None, "submitted": "已提交，待部门经理审批", "approved": "同意"}[status],
            "scores": scores,
        })
    return sheets


# --------------------------------------------------------------------------------------------
# Writing the plan
# --------------------------------------------------------------------------------------------


def demo_present(session=None):
    """Whether the demo company (or anything with its keys) is already in the database."""
    session = session or db.session
    dept_codes = [c for c, _n, _p in DEPARTMENTS]
    staff_nos = [s[0] for s in STAFF]
    return any(session.execute(q).first() for q in (
        sa.select(m.Department.id).where(m.Department.code.in_(dept_codes)),
        sa.select(m.Staff.id).where(m.Staff.employee_no.in_(staff_nos)),
        sa.select(m.Client.id).where(m.Client.code == CLIENT_CODE_FORMAT.format(1)),
    ))


def demo_logins():
    """[(username, role, display name, password)] of the demo company's logins as they are in the
    database now, for ``flask backoffice demo-data`` to print on every run (also when the demo
    company was loaded before). The password is ``DEMO_PASSWORD`` unless someone changed it, in
    which case it is None (never printed: we do not know it)."""
    sm = current_app.appbuilder.sm
    dept_names = dict(db.session.execute(
        sa.select(m.Department.code, m.Department.name).where(m.Department.code.in_([c for c, _n, _p in DEPARTMENTS]))
    ).all())
    out = []
    for employee_no, (surname, given), dept, _pos, username, role, _pay in STAFF:
        if not username:
            continue
        user = sm.find_user(username=username)
        staff = db.session.scalar(sa.select(m.Staff).where(m.Staff.employee_no == employee_no))
        if user is None or staff is None or staff.user_id != user.id:
            continue  # not (or no longer) a demo login
        roles = {r.name for r in user.roles}
        password = DEMO_PASSWORD if check_password_hash(user.password or "", DEMO_PASSWORD) else None
        out.append((username, role if role in roles else ", ".join(sorted(roles)),
                    f"{surname}{given}（{dept_names.get(dept, dept)}）", password))
    return out


def load_demo(n_clients=500, seed=2026, today=DEMO_TODAY):
    """Write the demo company in one transaction; return [(username, role, display name)] of its
    logins, or [] if it is already present. ``g.user`` must be set (audit columns)."""
    session = db.session
    if demo_present(session):
        return []
    # Never plan anything after the real today (only matters if the clock is behind DEMO_TODAY).
    today = min(today, business_today())
    formats = {f.code: f for f in session.scalars(sa.select(m.BusinessFormat).order_by(m.BusinessFormat.code))}
    if not formats:
        raise RuntimeError("No business formats: run `flask backoffice init` first.")
    template_rows = {t.code: t for t in session.scalars(sa.select(m.AppraisalTemplate))}
    plan = plan_demo(
        n_clients, seed, today, formats=tuple(formats),
        templates={code: tuple((i.name, i.max_points) for i in t.items) for code, t in template_rows.items()},
    )
    sm = current_app.appbuilder.sm
    actor_id = getattr(getattr(g, "user", None), "id", None)

    try:
        depts = {}
        for d in plan["departments"]:
            depts[d["code"]] = m.Department(code=d["code"], name=d["name"],
                                            parent=depts[d["parent"]] if d["parent"] else None)
        session.add_all(depts.values())

        users, logins, staff = {}, [], {}
        linked = set(session.scalars(sa.select(m.Staff.user_id).where(m.Staff.user_id.is_not(None))))
        for s in plan["staff"]:
            user = None
            if s["username"]:
                role = sm.find_role(s["role"])
                if role is None:
                    raise RuntimeError(f"Role {s['role']} is missing: run `flask backoffice init` first.")
                user = sm.find_user(username=s["username"])
                label = f"{s['name']}（{depts[s['department']].name}）"
                if user is None:
                    user = sm.add_user(s["username"], s["given"], s["surname"], s["email"], [role],
                                       password=DEMO_PASSWORD, commit=False)
                    if not user:
                        raise RuntimeError(f"Could not create the user {s['username']}.")
                elif not check_password_hash(user.password or "", DEMO_PASSWORD):
                    label += "（已有账号，密码未改）"
                if user.id in linked:
                    user = None  # already someone else's login: the demo staff gets none
                else:
                    users[s["username"]] = user
                logins.append((s["username"], s["role"], label))
            staff[s["employee_no"]] = m.Staff(
                name=s["name"], employee_no=s["employee_no"], user=user, department=depts[s["department"]],
                position=s["position"], phone=s["phone"], pay_base=s["pay_base"], active=True,
            )
        session.add_all(staff.values())
        for d in plan["departments"]:
            if d["head"]:
                depts[d["code"]].head = staff[d["head"]]

        schemes = {sc.code: sc for sc in session.scalars(sa.select(m.TierScheme))}
        tiers = {(sc.code, t.code): t for sc in schemes.values() for t in sc.tiers}
        clients = {}
        for c in plan["clients"]:
            client = m.Client(
                code=c["code"], name=c["name"], licence_no=c["licence_no"], status=c["status"],
                owner=staff[c["owner"]], department=depts[c["department"]], area=c["area"], route=c["route"],
                address=c["address"], phone=c["phone"], proprietor_birthday=c["proprietor_birthday"],
                joined_on=c["joined_on"], settlement=c["settlement"], category=c["category"],
                quality=c["quality"], market_type=c["market_type"], business_format=formats[c["format"]],
                region_class=c["region_class"], scale=c["scale"], service_level=c["service_level"],
                key_account=c["key_account"], development_potential=c["development_potential"],
                notes=c["notes"],
            )
            client.contacts = [m.Contact(**ct) for ct in c["contacts"]]
            client.purchases = [
                m.PurchaseRecord(month=month, quantity=q, amount=v, profit=p) for month, q, v, p in c["purchases"]
            ]
            # Current tier rows matching the values above (the recalculation jobs own them later).
            for scheme_code, tier_code in (("SCALE", c["scale"]), ("SERVICE", c["service_level"]),
                                           ("KEY", "KEY" if c["key_account"] else None)):
                tier = tiers.get((scheme_code, str(tier_code))) if tier_code is not None else None
                if tier is not None:
                    session.add(m.ClientTier(client=client, scheme=schemes[scheme_code], computed_tier=tier,
                                             tier=tier))
            clients[c["code"]] = client
        session.add_all(clients.values())

        def user_id(username):
            return actor_id if username is None else users[username].id if username in users else actor_id

        session.flush()  # ids for the users named on ticket events
        calendar, policies = working_calendar(session), sla.policy_terms(session)
        for t in plan["tickets"]:
            ticket = m.Ticket(
                number=t["number"], client=clients[t["client"]], type=t["type"],
                complaint_class=t["complaint_class"], severity=t["severity"], channel=t["channel"],
                subject=t["subject"], description=t["description"], complainant_name=t["complainant_name"],
                complainant_phone=t["complainant_phone"], status=t["status"], receiver=staff[t["receiver"]],
                responsible_department=depts[t["responsible_department"]] if t["responsible_department"] else None,
                responsible_staff=staff[t["responsible_staff"]] if t["responsible_staff"] else None,
                about_staff=staff[t["about_staff"]] if t["about_staff"] else None,
                registered_at=t["registered_at"], due_at=t["due_at"], fed_back_at=t["fed_back_at"],
                closed_at=t["closed_at"], resolution=t["resolution"], callback_result=t["callback_result"],
            )
            ticket.events = [
                m.TicketEvent(from_status=e["from"], to_status=e["to"], at=e["at"], user_id=user_id(e["user"]),
                              note=e["note"])
                for e in t["events"]
            ]
            sla.stamp(ticket, calendar=calendar, policies=policies)  # the registration's own stamping (SPEC §4)
            session.add(ticket)
            # every callback event also lives in the client's archive (回访记录, seed 002 第二十條)
            for e in t["events"]:
                result = CALLBACK_NOTES.get(e["note"]) if e["from"] == "fed_back" else None
                if result is not None:
                    session.add(m.CallbackRecord(
                        client=ticket.client, ticket=ticket, at=e["at"], user_id=user_id(e["user"]), result=result,
                        note=e["note"], new_requests=CALLBACK_REQUESTS.get(result)))
        session.add_all(
            m.VisitLog(client=clients[v["client"]], staff=staff[v["staff"]],
                       **{k: val for k, val in v.items() if k not in ("client", "staff")})
            for v in plan["visits"]
        )
        items = {(t.code, i.name): i for t in template_rows.values() for i in t.items}
        # SPEC §6: the department's monthly result is one per department and month, entered by its
        # head (DepartmentMonthOutcome); the first sheet planned in a department gives it.
        outcomes = {}
        for sh in plan["sheets"]:
            outcomes.setdefault((staff[sh["staff"]].department, sh["month"]), sh["target_result"])
        for (dept, month), result in outcomes.items():
            session.add(m.DepartmentMonthOutcome(department=dept, month=month, result=result, entered_by=dept.head))
        approved_at = dt.datetime.combine(plan["today"] - dt.timedelta(days=3), dt.time(10))
        for sh in plan["sheets"]:
            sheet = m.AppraisalSheet(
                template=template_rows[sh["template"]], staff=staff[sh["staff"]],
                evaluator=staff[sh["evaluator"]] if sh["evaluator"] else None, month=sh["month"],
                status=sh["status"], pay_base=sh["pay_base"], comments=sh["comments"],
                target_result=outcomes[(staff[sh["staff"]].department, sh["month"])],
                approved_at=approved_at if sh["status"] == "approved" else None,
            )
            sheet.scores = [
                m.AppraisalScore(item=items[(sh["template"], name)], max_points=max_points, score=score)
                for name, max_points, score in sh["scores"]
            ]
            session.add(sheet)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return logins
