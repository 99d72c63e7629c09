import pytest

from backoffice.rules.service_level import (
    ENTITLEMENTS,
    SERVICE_NAMES,
    default_service_level,
    effective_service_level,
    entitlements,
    validate_service_override,
    visit_interval_days,
)


@pytest.mark.parametrize("scale, level", [(1, "A"), (2, "B"), (3, "C"), (None, None)])
def test_default_from_scale(scale, level):
    assert default_service_level(scale) == level
    assert effective_service_level(scale) == level


@pytest.mark.parametrize("scale", [0, 4, "1", True])
def test_unknown_scale_rejected(scale):
    with pytest.raises(ValueError):
        default_service_level(scale)


def test_override_wins_in_either_direction():
    assert effective_service_level(3, "A") == "A"
    assert effective_service_level(1, "C") == "C"
    assert effective_service_level(None, "B") == "B"
    with pytest.raises(ValueError):
        effective_service_level(1, "D")


def test_override_needs_a_reason():
    validate_service_override("A", "诚信经营, 配合程度高")
    validate_service_override(None, None)
    for reason in (None, "", "   "):
        with pytest.raises(ValueError):
            validate_service_override("A", reason)
    with pytest.raises(ValueError):
        validate_service_override("Z", "reason")


@pytest.mark.parametrize("level, days", [("A", 7), ("B", 7), ("C", 14)])
def test_visit_interval(level, days):
    assert visit_interval_days(level) == days


def test_visit_interval_unknown_level():
    with pytest.raises(ValueError):
        visit_interval_days("D")


def test_3_plus_3_mapping():
    # seed 004 §10 rule 7
    assert SERVICE_NAMES == {"A": "亲情服务", "B": "真情服务", "C": "热情服务"}
    assert set(ENTITLEMENTS["A"]) == set(ENTITLEMENTS["B"]) == {"daily", "featured", "extended"}
    assert set(ENTITLEMENTS["C"]) == {"daily", "featured"}
    assert "紧俏货源倾斜" in entitlements("A")
    assert "紧俏货源倾斜" not in entitlements("B") + entitlements("C")
    assert "库存优化配置指导" in entitlements("A") and "库存优化配置指导" in entitlements("B")
    assert "库存优化配置指导" not in entitlements("C")
    assert "每两周拜访一次" in entitlements("C")
    for level in "ABC":
        for item in ("订单支持", "送货服务", "生日祝福", "节日问候", "提供商品目录", "法律法规咨询服务"):
            assert item in entitlements(level)
        assert len(set(entitlements(level))) == len(entitlements(level))


def test_entitlements_order_daily_first():
    assert entitlements("A")[0] == "货源保障"
    assert entitlements("A")[-1] == "库存优化配置指导"
