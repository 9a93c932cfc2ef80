"""`water` 水利系统政务信息考核: adoption points, writers' rewards in 元, and the weekly quota."""

from decimal import Decimal

from kaohe.plugins import (
    FORMS_SHORT,
    LEVELS,
    Flag,
    Line,
    ParamsSchema,
    RuleSet,
    choice,
    fmt,
    integer,
    joint_split,
    points,
    table,
)

from . import __version__
from . import quota as weekly

SOURCE = "县水利局政务信息工作考核办法（示例）"

# The scheme groups publication levels in three bands; 省级及以上 takes the four upper levels.
BANDS = {
    "county": "县级",
    "city": "市级",
    "provincial_above": "省级及以上（省级、省直厅局、部委、国家级）",
}
BAND_OF_LEVEL = {
    "county": "county",
    "city": "city",
    "provincial": "provincial_above",
    "provincial_dept": "provincial_above",
    "ministry": "provincial_above",
    "national": "provincial_above",
}
BAND_ORDER = {"county": 0, "city": 1, "provincial_above": 2}

ADOPTION_DEFAULTS = {"county": "0.5", "city": "1", "provincial_above": "2"}
REWARD_DEFAULTS = {"county": "50", "city": "200", "provincial_above": "500"}
COUNTING = {"highest": "按最高一级计一次", "each": "每次采用分别计"}


class WaterParams(ParamsSchema):
    adoption = table(BANDS, ADOPTION_DEFAULTS, label="采用计分（按刊物级别，全文、综合、简讯均同，上报不计）",
                     source=f"{SOURCE}第三条：被县级采用每篇计0.5分，市级1分，省级及以上2分")
    reward = table(BANDS, REWARD_DEFAULTS, unit="元", label="撰稿人采用奖励（按刊物级别，作者平均分配）",
                   source=f"{SOURCE}第五条：被县级采用每篇奖励撰稿人50元，市级200元，省级及以上500元；"
                          "多人合写的平均分配")
    counting = choice(COUNTING, "highest", label="一篇稿件多级采用",
                      source=f"{SOURCE}第三条：同一篇信息被多级采用的，按最高一级计分和奖励，不重复计算"
                             "（以考核期内的采用为准）")
    weekly_quota = integer(2, unit="篇", label="每个单位每周报送任务",
                           source=f"{SOURCE}第四条：各单位每周至少报送信息2篇")
    shortfall = points("0.1", label="每周每少报1篇扣分",
                       source=f"{SOURCE}第四条：每周少报1篇扣0.1分（只计考核期内已过完的整周）")
    joint_split = joint_split()


def adoption_words(publication, form):
    """《水利信息》（市级）综合采用"""
    name = publication.name.strip().strip("《》").strip()
    return f"《{name}》（{LEVELS[publication.level]}）{FORMS_SHORT[form]}采用"


class Water(RuleSet):
    name = "water"
    title = "水利系统政务信息考核"
    version = __version__
    description = ("县水利局的政务信息考核：稿件被县级、市级、省级及以上刊物采用分别计0.5、1、2分，"
                   "并按级别奖励撰稿人50、200、500元（作者平均分配）；每个单位每周报送任务2篇，"
                   "每少报1篇扣0.1分。信息工作在目标责任考核中折算为3分。")
    params_schema = WaterParams

    def compute(self, data, params):
        yield from self.adoption_lines(data, params)
        yield from self.quota_lines(data, params)

    # ------------------------------------------------------------ adoptions and rewards

    def counted_adoptions(self, data, counting):
        """The adoptions that count, and the others of the same items (which do not).

        With ``highest`` each item counts once, by its adoption in the highest band (the earliest
        among equals); with ``each`` every adoption counts. Forwarded items (上报) never count.
        """
        adoptions = [a for a in data.adoptions if a.form != "forwarded"
                     and data.publications[a.publication].level in BAND_OF_LEVEL]
        if counting == "each":
            return adoptions, []
        best = {}
        for adoption in adoptions:  # in date order
            band = BAND_ORDER[BAND_OF_LEVEL[data.publications[adoption.publication].level]]
            if adoption.item not in best or band > best[adoption.item][0]:
                best[adoption.item] = (band, adoption)
        counted = {adoption.id for _band, adoption in best.values()}
        return ([a for a in adoptions if a.id in counted],
                [a for a in adoptions if a.id not in counted])

    def adoption_lines(self, data, params):
        counted, passed_over = self.counted_adoptions(data, params["counting"])
        for adoption in counted:
            publication = data.publications[adoption.publication]
            band = BAND_OF_LEVEL[publication.level]
            words = adoption_words(publication, adoption.form)
            ref = f"adoption:{adoption.id}"
            value = params["adoption"][band]
            if value:
                yield Line("adoption", f"{words}，计{fmt(value)}分", points=value,
                           item=adoption.item, ref=ref)
            reward = params["reward"][band]
            if not reward:
                continue
            item = data.items[adoption.item]
            if any(author in data.reporters for author in item.authors):
                yield Line("reward", f"{words}，奖励撰稿人{fmt(reward)}元", yuan=reward,
                           item=adoption.item, to_authors=True, ref=ref)
                continue
            for unit_id in item.units:
                if unit_id in data.units:
                    yield Flag("reward", f"稿件{item.no}{words}，应奖励撰稿人{fmt(reward)}元，"
                                         "但未登记作者，请补登信息员", unit=unit_id, ref=ref)
        for adoption in passed_over:
            words = adoption_words(data.publications[adoption.publication], adoption.form)
            yield Line("adoption", f"{words}，同一稿件按最高一级计分，本次不计分",
                       points=Decimal("0.00"), item=adoption.item, ref=f"adoption:{adoption.id}")

    # ------------------------------------------------------------ the weekly quota

    def quota_lines(self, data, params):
        table = weekly.quota_table(data, params["weekly_quota"], params["shortfall"])
        for row in table.rows:
            for week, count, missing in zip(table.weeks, row.submitted, row.missing):
                if not missing:
                    continue
                deduction = params["shortfall"] * missing
                yield Line("weekly_quota",
                           f"{week.title}报送{count}篇，少于每周{table.quota}篇，扣{fmt(deduction)}分",
                           points=-deduction, unit=row.unit.id, ref=f"week:{week.key}")
