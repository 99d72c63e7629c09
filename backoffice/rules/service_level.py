"""Service level A/B/C (服务级别 / 规模界定), its visit interval and "3+3" entitlements.

seed 004 Art. 7: A (大, 重点客户), B (中, 普通客户), C (小, 扶持客户); no numeric rule is given.
SPEC §3.3: default A if scale 1, B if 2, C if 3; a manager may override with a reason.
seed 004 Art. 13 (拜访服务) / Art. 19: A and B visited once a week, C once every two weeks.
seed 004 Art. 10 / Art. 19: "3+3" service — A 亲情服务, B 真情服务, C 热情服务.

Mind the letter collision (seed 004 §1.5): service level "C" (small) is not market type "C" (town).
"""
LEVELS = ("A", "B", "C")

# SPEC §3.3: default service level from the business scale (1 大 / 2 中 / 3 小).
DEFAULT_LEVEL_BY_SCALE = {1: "A", 2: "B", 3: "C"}

# seed 004 Art. 13 (拜访服务): "A、B类客户每周定时拜访一次, C类客户每两周拜访一次".
VISIT_INTERVAL_DAYS = {"A": 7, "B": 7, "C": 14}

# seed 004 Art. 10: A 亲情服务, B 真情服务, C 热情服务.
SERVICE_NAMES = {"A": "亲情服务", "B": "真情服务", "C": "热情服务"}

# seed 004 Art. 19 sub-tiers: 日常 daily, 特色 featured, 延伸 extended (C has no extended tier).
SUB_TIER_NAMES = {"daily": "日常", "featured": "特色", "extended": "延伸"}

# seed 004 Art. 19 (file lines 104–124), item by item in the source order. The source's leading
# verbs (享受 / 参加 / 可参加) are dropped so that the entries are item names; 登门 is kept for A
# because it is what distinguishes A's product consultation. Note the source's own wording
# differences: A 店面卫生整理, B and C 店面卫生清扫.
ENTITLEMENTS = {
    "A": {
        "daily": (
            "货源保障",
            "订单支持",
            "高、中档重点品牌卷烟供应",
            "新品推介",
            "店面卫生整理",
            "烟柜整理",
            "卷烟摆放",
            "送货服务",
            "专职客户经理服务",
            "卷烟政策宣传",
            "健康问候",
            "登门商品咨询服务",
            "提供商品目录",
            "法律法规咨询服务",
        ),
        "featured": (
            "每周定时拜访一次",
            "紧俏货源倾斜",
            "生日祝福",
            "节日问候",
            "烟草联谊会",
            "新产品推介会",
            "年度诚信奖励",
        ),
        "extended": (
            "营销知识讲座",
            "经营培训班",
            "理财指导服务",
            "库存优化配置指导",
        ),
    },
    "B": {
        "daily": (
            "订单支持",
            "新品推介",
            "店面卫生清扫",
            "烟柜整理",
            "卷烟摆放",
            "送货服务",
            "专职客户经理服务",
            "卷烟政策宣传",
            "商品咨询服务",
            "提供商品目录",
            "法律法规咨询服务",
        ),
        "featured": ("每周定时拜访一次", "生日祝福", "节日问候"),
        "extended": ("库存优化配置指导",),
    },
    "C": {
        "daily": (
            "订单支持",
            "店面卫生清扫",
            "烟柜整理",
            "卷烟摆放",
            "送货服务",
            "商品咨询服务",
            "提供商品目录",
            "法律法规咨询服务",
        ),
        "featured": ("每两周拜访一次", "生日祝福", "节日问候"),
    },
}


def _check_level(level):
    if level not in VISIT_INTERVAL_DAYS:
        raise ValueError(f"Unknown service level: {level!r} (expected A, B or C).")
    return level


def default_service_level(scale):
    """A if scale 1, B if 2, C if 3; None if the scale is unknown (not yet ranked). SPEC §3.3."""
    if scale is None:
        return None
    if isinstance(scale, bool) or scale not in DEFAULT_LEVEL_BY_SCALE:
        raise ValueError(f"Unknown business scale: {scale!r} (expected 1, 2 or 3).")
    return DEFAULT_LEVEL_BY_SCALE[scale]


def effective_service_level(scale, override=None):
    """The service level that applies: the manager's override if set, else the default from scale.

    SPEC §3.3: "a manager may override with a reason" — in either direction (seed 004 Art. 7
    adds qualitative conditions such as integrity and cooperation that the scale cannot see).
    The reason is checked by ``validate_service_override`` when the override is entered.
    """
    if override is not None:
        return _check_level(override)
    return default_service_level(scale)


def validate_service_override(override, reason):
    """Refuse an unknown level or an override without a reason (SPEC §3.3 "with a reason")."""
    if override is None:
        return
    _check_level(override)
    if reason is None or not str(reason).strip():
        raise ValueError("A reason is required to override the service level.")


def visit_interval_days(level):
    """Days between scheduled visits: A, B -> 7; C -> 14. seed 004 Art. 13 (拜访服务), Art. 19."""
    return VISIT_INTERVAL_DAYS[_check_level(level)]


def entitlements(level):
    """All "3+3" entitlements of a service level, daily then featured then extended. seed 004 Art. 19."""
    tiers = ENTITLEMENTS[_check_level(level)]
    return tuple(item for sub_tier in SUB_TIER_NAMES if sub_tier in tiers for item in tiers[sub_tier])
