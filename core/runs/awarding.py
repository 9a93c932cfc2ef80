"""The award wording a run may show: 先进单位第N名 only on a published whole-year run, vetoes said once."""

from kaohe.core.domain.periods import parse_period

VETO_TAIL = "，一票否决"


def shows_awards(run):
    """Award wording (先进单位第N名, 不参加评先) belongs to a published run of the whole year only."""
    return bool(run.published) and parse_period(run.period).is_full_year


def veto_text(veto_reason):
    """The veto reasons without the trailing 「，一票否决」 each carries: 「紧急信息「…」（重大）迟报」."""
    parts = [p.strip() for p in (veto_reason or "").split("；") if p.strip()]
    return "；".join(p[: -len(VETO_TAIL)] if p.endswith(VETO_TAIL) else p for p in parts)


def award_wording(run, result):
    """What a ranking, an explanation or an API answer says about awards for a unit or reporter
    result of `run`: the stored note on a published year run (a veto said once), else for a
    vetoed result only the veto, else nothing."""
    if result.vetoed:
        reasons = veto_text(result.veto_reason)
        return f"一票否决，不参加评先：{reasons}" if shows_awards(run) else f"一票否决：{reasons}"
    return result.award_note if shows_awards(run) else ""
