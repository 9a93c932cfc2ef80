"""A water bureau's scheme: created with the `water` rule set and its 3-point conversion."""

from kaohe.plugins import (
    KaoheError,
    PeriodData,
    create_scheme,
    current_version,
    parse_period,
    save_config,
    with_value,
)

from .quota import china_today, quota_table
from .ruleset import Water

# 信息工作在水利局目标责任考核中占3分: the scheme's conversion, set when the scheme is created.
CONVERSION_POINTS = "3"


def create_water_scheme(registry, name, year, units=None, pools=None, title="", extra_rulesets=(),
                        author="kaohe water"):
    """Create a scheme running `water` (then `extra_rulesets`), converted to 3 points.

    The conversion is saved as the scheme's second parameter version, so its history says why.
    """
    created = create_scheme(registry, name, year, ["water", *extra_rulesets], units=units,
                                    pools=pools, title=title or name, author=author)
    config = current_version(created).config
    config = with_value(config, "conversion.enabled", True)
    config = with_value(config, "conversion.max_points", CONVERSION_POINTS)
    save_config(registry, created, config, author=author,
                        reason=f"水利系统：信息工作在目标责任考核中折算为{CONVERSION_POINTS}分")
    return created


def water_params(scheme, version=None):
    """The `water` parameters of a scheme's current (or given) version; the defaults if it has none."""
    version = version or current_version(scheme)
    ruleset = Water()
    for entry in version.config.get("rulesets", []):
        if entry.get("name") == ruleset.name:
            return ruleset.load_params(entry.get("params"))
    return ruleset.default_params()


def default_period(scheme, today=None):
    """The month a clerk most likely wants: this month in the scheme year, else its last or first."""
    today = today or china_today()
    if scheme.year == today.year:
        return f"{today.year}-{today.month:02d}"
    return f"{scheme.year}-12" if scheme.year < today.year else f"{scheme.year}-01"


def scheme_quota_table(scheme, period=None, today=None):
    """The weekly quota table of a scheme for a period (default: :func:`default_period`)."""
    period = parse_period(period or default_period(scheme, today))
    if period.year != scheme.year:
        raise KaoheError(f"期间 {period.label} 不在考核方案「{scheme.name}」的年度 {scheme.year} 内")
    params = water_params(scheme)
    data = PeriodData(scheme.id, period, scheme.year)
    return period, quota_table(data, params["weekly_quota"], params["shortfall"], today)

