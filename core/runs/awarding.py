"""The award wording a run may show: 先进单位第N名 only on a published whole-year run, vetoes said once."""

from kaohe.core.domain.periods import parse_period
from kaohe.core.domain.sentences import Sentence, listing, say

VETO_TAIL = "，一票否决"
VETO_SAID = "{reason}，一票否决"  # the template of a veto's sentence, its reason a parameter


def shows_awards(run):
    """Award wording (先进单位第N名, 不参加评先) belongs to a published run of the whole year only."""
    return bool(run.published) and parse_period(run.period).is_full_year


def veto_text(veto_reason):
    """The veto reasons without the trailing 「，一票否决」 each carries: 「紧急信息「…」（重大）迟报」;
    a Sentence (a listing of the reasons) when `veto_reason` is one (the run's stored sentence)."""
    if isinstance(veto_reason, Sentence) and (veto_reason.parts is not None or veto_reason.template):
        parts = veto_reason.parts if veto_reason.parts is not None else [veto_reason]
        return listing([p.params["reason"] if isinstance(p, Sentence) and p.template == VETO_SAID
                        else _without_tail(p.strip()) for p in parts if p.strip()], "；")
    parts = [p.strip() for p in (veto_reason or "").split("；") if p.strip()]
    return "；".join(_without_tail(p) for p in parts)


def _without_tail(part):
    return part.removesuffix(VETO_TAIL)


def award_wording(run, result, stored=None):
    """What a ranking, an explanation or an API answer says about awards for a unit or reporter
    result of `run`: the stored note on a published year run (a veto said once), else for a
    vetoed result only the veto, else nothing. `stored(text)` (optional) gives the Sentence the
    run stored for a text (core/runs/results.py stored_sentences), so that it can be said again."""
    stored = stored or (lambda text: text)
    if result.vetoed:
        reasons = veto_text(stored(result.veto_reason))
        if shows_awards(run):
            return say("一票否决，不参加评先：{reasons}", reasons=reasons)
        return say("一票否决：{reasons}", reasons=reasons)
    return stored(result.award_note) if shows_awards(run) else ""
