"""Which runs a run is compared with first (the same period), and the warning when periods differ."""

from kaohe.core.domain.periods import parse_period
from kaohe.core.storage.models import ScoreRun


def comparison_candidates(run, limit=30):
    """Other runs of the run's scheme to compare it with: the same period first (newest first),
    then the other periods' runs, newest first; at most `limit`."""
    others = list(ScoreRun.select().where((ScoreRun.scheme == run.scheme_id) & (ScoreRun.id != run.id))
                  .order_by(ScoreRun.id.desc()).limit(limit * 4))
    same = [r for r in others if r.period == run.period]
    rest = [r for r in others if r.period != run.period]
    return (same + rest)[:limit]


def period_warning(run_a, run_b):
    """A sentence when two runs cover different periods (a year against a month, say), else ""."""
    if run_a.period == run_b.period:
        return ""
    a, b = parse_period(run_a.period), parse_period(run_b.period)
    return (f"注意：两次计算的期间不同——第{run_a.id}次是{a.title}，第{run_b.id}次是{b.title}。"
            f"分数和名次的差别主要来自期间长短，而不是数据或分值的改动；"
            f"要看改动的影响，请比较同一期间的两次计算。")
