"""Demo data: one fictional city (清江市) by default, or a province of any size, from one generator.

`build_demo(registry)` fills an empty database with a year of a city's information work: its
counties, departments, townships, direct points and environmental bureaus, their reporters, the
publications of every level, about 9,000 items with adoptions, instructions, urgent reports,
solicitations, facts and targets, and two schemes over them (市政府系统 and 环保系统).
`build_demo(registry, units=1000, items=1_000_000)` builds a province of that size with the same
proportions: the rows are generated in chunks and written with `kaohe.core.storage.db.bulk_insert`.
Every random choice comes from one `random.Random(seed)`: the same seed gives the same rows.
"""

import datetime
import math
import random
import time
from collections import Counter

from kaohe.core.domain.errors import KaoheError
from kaohe.core.domain.progress import no_progress
from kaohe.core.domain.vocab import SECTORS, UNIT_KINDS, is_adopted
from kaohe.core.storage.db import bulk_insert, db, is_postgres, refresh_statistics
from kaohe.core.storage.models import (
    Adoption,
    Instruction,
    Item,
    ItemAuthor,
    ItemUnit,
    Publication,
    Reporter,
    Solicitation,
    SolicitationUnit,
    Target,
    Unit,
    UnitFact,
    UrgentReport,
)
from kaohe.core.storage.schemes import create_scheme

YEAR = 2025
CITY = "清江市"
DEFAULT_ITEMS = 9000
CHUNK = 25000  # items generated and written per batch (bounds memory at any size)

# The default city: how many units of each kind (92 in all). A bigger build keeps these shares.
CITY_SHAPE = (("county", 12), ("department", 40), ("township", 20), ("direct_point", 8),
              ("bureau", 12))
DEFAULT_UNITS = sum(n for _, n in CITY_SHAPE)
CODE_PREFIX = {"county": "XQ", "department": "BM", "township": "XZ", "direct_point": "ZB",
               "bureau": "HB"}

# How much each kind writes (relative), how often its items are adopted, and how often its
# adopted items climb to the province.
KIND_ACTIVITY = {"county": 3.0, "department": 1.2, "township": 0.5, "direct_point": 0.6,
                 "bureau": 1.5}
KIND_ADOPTION = {"county": 0.28, "department": 0.22, "township": 0.15, "direct_point": 0.18,
                 "bureau": 0.26}
KIND_PROVINCIAL = {"county": 0.30, "department": 0.25, "township": 0.08, "direct_point": 0.10}

CATEGORY_WEIGHTS = {"news": 45, "experience": 15, "problem": 10, "proposal": 8, "research": 7,
                    "synthesis": 8, "warning": 7}
CATEGORY_ADOPTION = {"news": 0.85, "experience": 1.3, "problem": 1.2, "proposal": 1.1,
                     "research": 1.5, "synthesis": 1.2, "warning": 1.1}
CATEGORY_NEGATIVE = {"news": 0.05, "experience": 0.02, "problem": 0.45, "proposal": 0.10,
                     "research": 0.10, "synthesis": 0.05, "warning": 0.30}
JOINT_SHARE = 0.05
INSTRUCTION_SHARE_OF_ADOPTED = 0.04
PRIOR_YEAR_SHARE = 0.005  # items of December of the year before, adopted in January

COUNTIES = ("清江区", "江北区", "临川区", "青山县", "云岭县", "石门县", "安平县", "桃源县",
            "凤溪县", "龙泉市", "白沙县", "永宁市")
COUNTY_PUBLISHER = "青山县"

DEPARTMENTS = {
    "财政政法": ("财政局", "公安局", "司法局", "审计局", "税务局", "统计局", "信访局", "国资委"),
    "工业": ("发改委", "工信局", "科技局", "应急管理局", "国防动员办", "能源局", "数据资源局"),
    "城建": ("住建局", "自然资源和规划局", "交通运输局", "城管局", "人防办", "住房公积金中心",
           "重点工程建设中心"),
    "农业": ("农业农村局", "水利局", "林业局", "乡村振兴局", "气象局", "供销社", "农科院"),
    "社会事业": ("教育局", "卫健委", "人社局", "民政局", "文广旅局", "医保局", "退役军人事务局",
             "体育局"),
    "流通金融": ("商务局", "市场监管局", "地方金融管理局", "金融监管分局", "邮政管理局",
             "粮食和物资储备局"),
    "涉外": ("外事办", "侨办", "海关", "贸促会", "口岸办", "台办"),
}
DIRECT_POINTS = ("人民医院", "港务集团", "供电公司", "高新区管委会", "经济开发区管委会", "火车站",
                 "日报社", "第一中学", "水务集团", "公交集团", "产业投资集团", "综合保税区")
BUREAU_EXTRAS = ("生态环境监测站", "生态环境保护综合执法支队", "辐射环境监督站", "固体废物管理中心",
                 "机动车排污监控中心")

PLACE_SYLLABLES = ("清", "江", "云", "岭", "石", "门", "安", "平", "桃", "源", "凤", "溪", "龙", "泉",
                   "白", "沙", "永", "宁", "青", "山", "长", "丰", "东", "西", "南", "北", "河", "湖",
                   "新", "华", "兴", "和", "顺", "昌", "德", "金", "梅", "松", "柏", "林", "铜", "鼓",
                   "宝", "阳", "城", "川", "潭", "桥", "塘", "坪", "口", "庄", "集", "坊", "营", "店",
                   "武", "文", "富", "康", "乐", "泰", "嘉", "盛", "瑞", "福", "凌", "霞", "秀", "峰")

SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡",
            "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
            "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏",
            "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石")
GIVEN = ("伟", "芳", "娜", "秀", "英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰",
         "娟", "涛", "明", "超", "兰", "霞", "平", "刚", "华", "玉", "萍", "红", "玲", "燕", "彬",
         "鹏", "辉", "健", "俊", "帆", "斌", "宇", "浩", "凯", "晨", "欣", "怡", "雪", "琳", "婷",
         "慧", "颖", "晓", "宏", "志", "文", "博", "海", "建", "国", "春", "立", "新", "晶", "蕾")

TOPICS = {
    "财政政法": ("财政收支平衡", "政府债务风险防控", "预算绩效管理", "社会治安综合治理",
             "矛盾纠纷多元化解", "法治政府建设", "信访积案化解", "审计整改"),
    "工业": ("工业技术改造", "专精特新企业培育", "新能源汽车产业链", "工业经济稳增长",
           "安全生产专项整治", "制造业数字化转型", "迎峰度夏电力保供"),
    "城建": ("城市更新", "老旧小区改造", "保障性住房建设", "城市内涝治理", "农村公路建设",
           "燃气管网改造", "建筑市场秩序整治"),
    "农业": ("高标准农田建设", "粮食生产", "秸秆综合利用", "农村人居环境整治", "防汛抗旱",
           "乡村振兴", "林长制", "河湖长制"),
    "社会事业": ("义务教育均衡发展", "养老服务体系建设", "医保基金监管", "稳就业促创业",
             "基层医疗卫生服务", "文旅融合发展", "困难群众救助"),
    "流通金融": ("消费市场回暖", "普惠金融服务", "农产品冷链物流", "中小企业融资",
             "市场主体培育", "电商直播带货"),
    "涉外": ("外贸稳增长", "招商引资", "跨境电商发展", "利用外资", "侨务工作", "口岸通关便利化"),
}
ENVIRONMENT_TOPICS = ("大气污染防治", "水环境治理", "土壤污染防治", "突发环境事件应急",
                      "环境执法", "固体废物治理", "生态保护修复", "碳排放管理", "河道水质监测",
                      "入河排污口整治")
GENERAL_TOPICS = ("营商环境优化", "重点项目建设", "民生实事", "基层治理", "数字政府建设",
                  "政务服务“一网通办”", "安全生产", "乡村振兴", "招商引资", "防汛备汛",
                  "秸秆禁烧", "农村人居环境整治", "稳就业促创业", "城市更新")

TITLES = {
    "news": ("{s}召开{t}工作推进会", "{s}扎实推进{t}", "{s}{t}取得阶段性进展",
             "{s}部署{t}重点工作", "{s}多措并举抓好{t}"),
    "experience": ("{s}探索“{n}个一”工作法推动{t}见实效", "{s}创新机制做好{t}",
                   "{s}以“{k}”模式破解{t}难题"),
    "problem": ("{s}{t}中{p}问题亟待重视", "{s}反映：{t}面临{p}等困难"),
    "proposal": ("关于进一步加强{t}的建议", "{s}就{t}提出{n}条建议"),
    "research": ("关于{s}{t}情况的调研报告", "{t}的调查与思考——以{s}为例"),
    "synthesis": ("{s}{q}{t}工作综述", "{q}{s}{t}工作情况"),
    "warning": ("{s}{t}领域{r}风险值得关注", "警惕{t}中的{r}隐患"),
}
NUMBERS = ("三", "四", "五", "六")
MODES = ("清单化", "网格化", "数字化", "一站式", "闭环式", "片区化")
PROBLEMS = ("资金缺口较大", "基层力量薄弱", "进度滞后", "部门协调不畅", "政策落地难")
RISKS = ("资金", "安全", "舆情", "债务", "质量")

LEADERS = {
    "national": ("国务院领导",),
    "ministry": ("生态环境部{x}部长", "生态环境部{x}副部长"),
    "provincial": ("{x}省长", "{x}常务副省长", "{x}副省长"),
    "provincial_dept": ("省生态环境厅{x}厅长", "省生态环境厅{x}副厅长"),
    "city": ("{x}市长", "{x}常务副市长", "{x}副市长", "市委{x}书记"),
    "county": ("{x}县长",),
}
LEVEL_RANK = {"county": 0, "city": 1, "provincial_dept": 2, "provincial": 3, "ministry": 4,
              "national": 5}

URGENT_EVENTS = ("道路交通事故", "企业火灾", "危化品运输车辆侧翻", "山体滑坡", "城市内涝",
                 "燃气泄漏", "建筑工地坍塌", "群体性聚集", "食物中毒", "森林火情", "溺水事件")
ENVIRONMENT_EVENTS = ("河道死鱼事件", "企业偷排废水", "尾矿库渗漏", "化工园区异味扰民",
                     "饮用水源地水质异常", "危险废物非法倾倒")
SEVERITY_WEIGHTS = (("I", 2), ("II", 10), ("III", 30), ("IV", 58))
DEADLINE_HOURS = {"I": 2, "II": 2, "III": 4, "IV": 4}

# Publications: (code, name, level, issuer). City and county ones are the demo city's.
PUBLICATIONS = (
    ("GB-ZWXX", "政务信息", "national", "国务院办公厅"),
    ("BW-HJXX", "环境信息", "ministry", "生态环境部办公厅"),
    ("SZ-ZWGZJL", "政务工作交流", "provincial", "省政府办公厅"),
    ("SZ-ZRYQ", "昨日要情", "provincial", "省政府办公厅"),
    ("SZ-ZBXX", "专报信息", "provincial", "省政府办公厅"),
    ("ST-HBXX", "环保信息", "provincial_dept", "省生态环境厅"),
    ("QJ-ZBXX", "专报信息", "city", f"{CITY}人民政府办公室"),
    ("QJ-QJXX", "清江信息", "city", f"{CITY}人民政府办公室"),
    ("QS-QSXX", "青山信息", "county", f"{COUNTY_PUBLISHER}人民政府办公室"),
)

CITY_SCHEME = "市政府系统"
ENVIRONMENT_SCHEME = "环保系统"
CITY_RULESETS = ("provincial", "county_bonus", "urgent_penalty")
ENVIRONMENT_RULESETS = ("environment", "urgent_penalty")
CITY_POOLS = ("county", "department", "township", "direct_point")


class _Unit:
    """A unit as the generator sees it: its row, its reporters and how it writes."""
    __slots__ = ("id", "code", "name", "kind", "sector", "parent", "city", "subject", "topics",
                 "reporters", "activity", "quality", "peers")

    def __init__(self, uid, code, name, kind, sector, parent, city, subject, topics):
        self.id, self.code, self.name, self.kind = uid, code, name, kind
        self.sector, self.parent, self.city = sector, parent, city
        self.subject, self.topics = subject, topics
        self.reporters = []
        self.activity = 0.0
        self.quality = 1.0
        self.peers = ()


def _shares(total, shape):
    """Split `total` among the kinds of `shape` in its proportions (largest remainder)."""
    whole = sum(n for _, n in shape)
    exact = [(kind, total * n / whole) for kind, n in shape]
    counts = {kind: int(value) for kind, value in exact}
    left = total - sum(counts.values())
    for kind, value in sorted(exact, key=lambda kv: (-(kv[1] - int(kv[1])), kv[0]))[:left]:
        counts[kind] += 1
    return counts


def _interleaved_departments():
    """Department (name, sector) pairs, taking the sectors in turn so any prefix covers them all."""
    lists = [[(name, sector) for name in DEPARTMENTS[sector]] for sector in SECTORS]
    out = []
    while any(lists):
        for names in lists:
            if names:
                out.append(names.pop(0))
    return out


class DemoBuilder:
    """Generates the demo rows for one seed and size and writes them (see :func:`build_demo`)."""

    def __init__(self, units=None, items=None, seed=2025):
        self.unit_count = DEFAULT_UNITS if units is None else int(units)
        self.item_count = DEFAULT_ITEMS if items is None else int(items)
        if self.unit_count < 10:
            raise KaoheError(f"演示数据至少需要10个单位（指定了{self.unit_count}个）")
        if self.item_count < 500:
            raise KaoheError(f"演示数据至少需要500篇稿件（指定了{self.item_count}篇）")
        self.seed = seed
        self.rng = random.Random(seed)
        self.counts = Counter()
        self.units = []
        self.publications = {}
        self.failures = Counter()
        first = datetime.date(YEAR - 1, 12, 1)
        self.days = [first + datetime.timedelta(days=n) for n in range(560)]
        self.iso = [d.isoformat() for d in self.days]
        self.year_start = self.days.index(datetime.date(YEAR, 1, 1))
        self.year_end = self.days.index(datetime.date(YEAR, 12, 31))

    # ------------------------------------------------------------ units and reporters

    def _place(self, used, length=2):
        rng = self.rng
        for _ in range(200):
            name = "".join(rng.sample(PLACE_SYLLABLES, length))
            if name not in used:
                used.add(name)
                return name
        return self._place(used, length + 1)

    def make_units(self):
        counts = _shares(self.unit_count, CITY_SHAPE)
        departments = _interleaved_departments()
        cities = max(1, round(self.unit_count / DEFAULT_UNITS),
                     math.ceil(counts["department"] / len(departments)),
                     math.ceil(counts["direct_point"] / len(DIRECT_POINTS)))
        used = {name[:-1] for name in COUNTIES} | {CITY[:-1]}
        city_names = [CITY] + [self._place(used) + "市" for _ in range(cities - 1)]
        single = cities == 1

        def prefix(city):
            return "市" if single else city_names[city]

        def add(kind, name, city, sector=None, parent=None, subject=None, topics=GENERAL_TOPICS):
            seq = self.counts[f"units_{kind}"] = self.counts[f"units_{kind}"] + 1
            width = max(3, len(str(counts[kind])))
            unit = _Unit(len(self.units) + 1, f"{CODE_PREFIX[kind]}{seq:0{width}d}", name, kind,
                         sector, parent, city, subject or name, topics)
            self.units.append(unit)
            return unit

        by_city = {c: [] for c in range(cities)}
        for j in range(counts["county"]):
            city, local = j % cities, j // cities
            if city == 0 and local < len(COUNTIES):
                name = COUNTIES[local]
            else:
                name = self._place(used) + self.rng.choice(("县", "县", "县", "区", "市"))
            by_city[city].append(add("county", name, city))
        for j in range(counts["department"]):
            city, local = j % cities, j // cities
            base, sector = departments[local % len(departments)]
            if local >= len(departments):
                base = f"{base}（{local // len(departments) + 1}）"
            topics = TOPICS[sector] + GENERAL_TOPICS[:4]
            add("department", prefix(city) + base, city, sector=sector, topics=topics)
        town_used = set()
        all_counties = [u for u in self.units if u.kind == "county"]
        for j in range(counts["township"]):
            city, local = j % cities, j // cities
            parents = by_city[city] or all_counties
            parent = parents[local % len(parents)] if parents else None
            suffix = "街道" if parent is not None and parent.name.endswith("区") else \
                self.rng.choice(("镇", "镇", "乡"))
            town = self._place(town_used) + suffix
            name = f"{parent.name}{town}" if parent is not None else town
            add("township", name, city, parent=parent.id if parent else None, subject=name)
        for j in range(counts["direct_point"]):
            city, local = j % cities, j // cities
            add("direct_point", prefix(city) + DIRECT_POINTS[local % len(DIRECT_POINTS)], city)
        for j in range(counts["bureau"]):
            city, local = j % cities, j // cities
            counties = by_city[city]
            if local == 0:
                name = f"{prefix(city)}生态环境局"
            elif local <= len(counties):
                name = f"{counties[local - 1].name}生态环境分局"
            else:
                extra = local - 1 - len(counties)
                name = prefix(city) + BUREAU_EXTRAS[extra % len(BUREAU_EXTRAS)]
                if extra >= len(BUREAU_EXTRAS):
                    name += f"（{extra // len(BUREAU_EXTRAS) + 1}）"
            add("bureau", name, city, topics=ENVIRONMENT_TOPICS)
        self.cities = city_names

        rng = self.rng
        peers = {}
        for unit in self.units:
            peers.setdefault((unit.kind, unit.city), []).append(unit.id)
            unit.activity = KIND_ACTIVITY[unit.kind] * rng.uniform(0.5, 1.5)
            unit.quality = rng.uniform(0.6, 1.4)
        for unit in self.units:
            unit.peers = tuple(p for p in peers[(unit.kind, unit.city)] if p != unit.id)
        return [(u.id, u.code, u.name, u.kind, u.kind, u.sector, u.parent) for u in self.units]

    def make_reporters(self):
        rng = self.rng
        rows = []
        for unit in self.units:
            for _ in range(rng.choices((1, 2, 3), (30, 45, 25))[0]):
                rid = len(rows) + 1
                name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2, 2))))
                rows.append((rid, f"R{rid:06d}", name, unit.id))
                unit.reporters.append(rid)
        return rows

    def make_publications(self):
        rows = []
        for pid, (code, name, level, issuer) in enumerate(PUBLICATIONS, 1):
            self.publications[(name, level)] = pid
            rows.append((pid, code, name, level, issuer))
        return rows

    # ------------------------------------------------------------ solicitations

    def make_solicitations(self):
        """A few solicitations, and the (day, unit, solicitation) of the items that answer them."""
        rng = self.rng
        city_units = [u for u in self.units if u.kind in ("county", "department")]
        bureaus = [u for u in self.units if u.kind == "bureau"]
        rows, links, answers = [], [], {}
        for sid in range(1, max(3, self.item_count // 1500) + 1):
            pool = bureaus if sid % 5 == 0 and bureaus else city_units
            topic = rng.choice(ENVIRONMENT_TOPICS if pool is bureaus else GENERAL_TOPICS)
            issued = rng.randrange(self.year_start + 31, self.year_end - 40)
            due = issued + rng.randrange(10, 21)
            rows.append((sid, f"YG{YEAR}{sid:04d}", f"关于报送{topic}情况的约稿通知",
                         self.iso[issued], self.iso[due]))
            for unit in rng.sample(pool, min(len(pool), rng.randrange(3, 7))):
                links.append((sid, unit.id))
                if rng.random() < 0.75:
                    day = due + rng.randrange(1, 6) if rng.random() < 0.15 else \
                        rng.randrange(issued + 1, due + 1)
                    answers.setdefault(day, []).append((unit, sid))
        self.counts["solicitations"] = len(rows)
        self.counts["solicitation_answers"] = sum(len(a) for a in answers.values())
        return rows, links, answers

    # ------------------------------------------------------------ items and what became of them

    def _day_counts(self, regular):
        """How many regular items each day gets: working days mostly, a few at weekends."""
        rng = self.rng
        prior = max(1, round(self.item_count * PRIOR_YEAR_SHARE))
        holidays = {datetime.date(YEAR, 1, 1), *(datetime.date(YEAR, 1, 28) + datetime.timedelta(d)
                                                 for d in range(8)),
                    datetime.date(YEAR, 4, 4), *(datetime.date(YEAR, 5, 1) + datetime.timedelta(d)
                                                 for d in range(5)),
                    *(datetime.date(YEAR, 10, 1) + datetime.timedelta(d) for d in range(8))}
        weights = []
        for index in range(self.year_start, self.year_end + 1):
            day = self.days[index]
            weight = 0.05 if day in holidays or day.weekday() >= 5 else 1.0
            weights.append(weight * (1.15 if day.month in (3, 6, 9, 11, 12) else 1.0))
        counts = Counter()
        late_december = [i for i in range(self.year_start - 12, self.year_start)
                         if self.days[i].weekday() < 5]
        for index in rng.choices(late_december, k=prior):
            counts[index] += 1
        rest = regular - prior
        total = sum(weights)
        exact = [rest * w / total for w in weights]
        floors = [int(x) for x in exact]
        order = sorted(range(len(exact)), key=lambda i: -(exact[i] - floors[i]))
        for i in order[:rest - sum(floors)]:
            floors[i] += 1
        for offset, n in enumerate(floors):
            counts[self.year_start + offset] += n
        self.counts["items_prior_year"] = prior
        return counts

    def _title(self, unit, category, topic, day):
        rng = self.rng
        template = rng.choice(TITLES[category])
        quarter = ("一季度", "上半年", "前三季度", f"1—{day.month}月")[min(3, (day.month - 1) // 3)]
        return template.format(s=unit.subject, t=topic, n=rng.choice(NUMBERS), k=rng.choice(MODES),
                               p=rng.choice(PROBLEMS), r=rng.choice(RISKS), q=quarter)

    def _adopt(self, item_id, unit, category, index, prior, adoptions, instructions):
        """Adopt one item at one or several levels; maybe add instructions. Returns True if adopted."""
        rng = self.rng
        random_ = rng.random
        pubs = self.publications
        made = []  # (publication id, level, form, day index)

        def add(name, level, form, lag_low, lag_high):
            day = index + rng.randrange(lag_low, lag_high)
            if prior and day < self.year_start:
                day = self.year_start + rng.randrange(1, 20)
            made.append((pubs[(name, level)], level, form, day))
            return day

        def pick_form(full, combined):
            r = random_()
            return "full" if r < full else "combined" if r < full + combined else "brief"

        if unit.kind == "bureau":
            add("环保信息", "provincial_dept", "full" if random_() < 0.4 else "combined", 2, 20)
            if random_() < 0.15:
                add("环境信息", "ministry", "full" if random_() < 0.35 else "combined", 7, 40)
                if random_() < 0.08:
                    add("政务信息", "national", pick_form(0.3, 0.5), 10, 45)
            if random_() < 0.06:
                add("专报信息", "provincial", pick_form(0.35, 0.45), 5, 25)
            if random_() < 0.2:
                add("清江信息", "city", pick_form(0.3, 0.45), 1, 10)
        else:
            if unit.name == COUNTY_PUBLISHER and random_() < 0.4:
                add("青山信息", "county", pick_form(0.5, 0.3), 1, 6)
            if random_() < 0.15:
                add("专报信息", "city", "full", 1, 8)
            else:
                add("清江信息", "city", pick_form(0.3, 0.45), 1, 10)
            if random_() < KIND_PROVINCIAL[unit.kind]:
                r = random_()
                if r < 0.6:
                    add("专报信息", "provincial", pick_form(0.35, 0.45), 3, 25)
                else:
                    add("昨日要情" if r < 0.85 else "政务工作交流", "provincial",
                        "full" if random_() < 0.7 else "combined", 2, 20)
                if random_() < 0.06:
                    add("政务信息", "national", pick_form(0.3, 0.5), 10, 45)
            elif random_() < 0.12:
                add("专报信息", "provincial", "forwarded", 1, 6)
        adopted = False
        for pid, level, form, day in made:
            adoptions.append((item_id, pid, f"{self.days[day].year}年第{day % 97 + 1}期",
                              self.iso[day], form))
            adopted = adopted or is_adopted(form)
        self.counts["adoptions"] += len(made)
        levels = {level for _, level, form, _ in made if is_adopted(form)}
        if len(levels) > 1:
            self.counts["items_adopted_at_several_levels"] += 1
        if adopted and random_() < INSTRUCTION_SHARE_OF_ADOPTED:
            top = max((m for m in made if is_adopted(m[2])), key=lambda m: LEVEL_RANK[m[1]])
            level = top[1]
            if level == "national" and random_() < 0.5:
                level = "provincial"
            elif level == "provincial" and random_() < 0.55:
                level = "city"
            elif level == "ministry" and random_() < 0.4:
                level = "provincial_dept"
            day = top[3] + rng.randrange(1, 15)
            leader = rng.choice(LEADERS[level]).format(x=rng.choice(SURNAMES))
            instructions.append((item_id, level, leader, self.iso[day]))
            self.counts["instructions"] += 1
            if random_() < 0.15:  # a second leader at the same level: only the earliest counts
                other = rng.choice(LEADERS[level]).format(x=rng.choice(SURNAMES))
                if other == leader:
                    other = f"{other}（再批）"
                instructions.append((item_id, level, other, self.iso[day + rng.randrange(1, 10)]))
                self.counts["instructions"] += 1
        return adopted

    def items(self, answers):
        """Yield (items, item_units, item_authors, adoptions, instructions) chunk by chunk."""
        rng = self.rng
        random_ = rng.random
        units = self.units
        by_id = {u.id: u for u in units}
        unit_ids = [u.id for u in units]
        cum, running = [], 0.0
        for unit in units:
            running += unit.activity
            cum.append(running)
        categories = list(CATEGORY_WEIGHTS)
        category_cum = []
        running = 0
        for name in categories:
            running += CATEGORY_WEIGHTS[name]
            category_cum.append(running)
        answered = sum(len(a) for a in answers.values())
        day_counts = self._day_counts(self.item_count - answered)
        rows_item, rows_unit, rows_author, rows_adoption, rows_instruction = [], [], [], [], []
        item_id = 0
        counts = self.counts
        for index in sorted(set(day_counts) | set(answers)):
            day = self.days[index]
            iso = self.iso[index]
            prior = day.year < YEAR
            planned = answers.get(index, [])
            n = day_counts.get(index, 0)
            picked = [(u, sid) for u, sid in planned] + [
                (by_id[uid], None) for uid in rng.choices(unit_ids, cum_weights=cum, k=n)]
            cats = rng.choices(categories, cum_weights=category_cum, k=len(picked))
            for (unit, sid), category in zip(picked, cats):
                item_id += 1
                members = [unit.id]
                if unit.peers and random_() < JOINT_SHARE:
                    members.append(rng.choice(unit.peers))
                    if len(unit.peers) > 1 and random_() < 0.2:
                        third = rng.choice(unit.peers)
                        if third not in members:
                            members.append(third)
                    counts["joint_items"] += 1
                negative = random_() < CATEGORY_NEGATIVE[category]
                counts["negative_items"] += negative
                topic = rng.choice(unit.topics)
                rows_item.append((item_id, f"{day.year}{item_id:07d}",
                                  self._title(unit, category, topic, day), iso, category, negative,
                                  sid, f"{iso} {rng.randrange(8, 18):02d}:{rng.randrange(60):02d}:00"))
                for position, uid in enumerate(members):
                    rows_unit.append((item_id, uid, position))
                authors = [rng.choice(unit.reporters)]
                if random_() < 0.3:
                    partner = by_id[members[-1]] if len(members) > 1 else unit
                    other = rng.choice(partner.reporters)
                    if other not in authors:
                        authors.append(other)
                for position, rid in enumerate(authors):
                    rows_author.append((item_id, rid, position))
                chance = KIND_ADOPTION[unit.kind] * CATEGORY_ADOPTION[category] * unit.quality
                if prior:
                    chance = max(chance, 0.5)
                if random_() < chance and self._adopt(item_id, unit, category, index, prior,
                                                      rows_adoption, rows_instruction):
                    counts["adopted_items"] += 1
                if len(rows_item) >= CHUNK:
                    yield rows_item, rows_unit, rows_author, rows_adoption, rows_instruction
                    rows_item, rows_unit, rows_author, rows_adoption, rows_instruction = \
                        [], [], [], [], []
        if rows_item:
            yield rows_item, rows_unit, rows_author, rows_adoption, rows_instruction
        counts["items"] = item_id

    # ------------------------------------------------------------ urgent reports, facts, targets

    def make_urgent_reports(self):
        """Urgent reports, mostly in time; a few late, missed, concealed or wrong (some vetoing)."""
        rng = self.rng
        total = max(36, self.item_count // 250)
        weights = {"county": 45, "township": 25, "department": 15, "bureau": 15}
        candidates = [u for u in self.units if u.kind in weights]
        counties = [u for u in self.units if u.kind == "county"]
        unit_weights = [weights[u.kind] for u in candidates]
        severities = [s for s, _ in SEVERITY_WEIGHTS]
        severity_weights = [w for _, w in SEVERITY_WEIGHTS]
        first_county = next(u for u in self.units if u.kind == "county")
        first_department = next((u for u in self.units if u.kind == "department"), first_county)
        first_bureau = next((u for u in self.units if u.kind == "bureau"), first_county)
        # The first few are set so that every demo shows each failure and a veto in both schemes.
        scripted = [(first_county, "II", "late"), (first_department, "IV", "concealed"),
                    (first_county, "III", "missed"), (first_department, "IV", "misreported"),
                    (first_bureau, "III", "late"), (first_bureau, "I", "late_misreported")]
        rows = []
        for number in range(1, total + 1):
            if number <= len(scripted):
                unit, severity, outcome = scripted[number - 1]
            else:
                unit = rng.choices(candidates, unit_weights)[0]
                severity = rng.choices(severities, severity_weights)[0]
                outcome = rng.choices(
                    ("in_time", "late", "missed", "concealed", "misreported", "late_misreported"),
                    (84, 8, 3, 1.5, 3, 0.5))[0]
            day = rng.randrange(self.year_start, self.year_end + 1)
            occurred = datetime.datetime.combine(self.days[day], datetime.time(
                rng.randrange(24), rng.randrange(60)))
            deadline = DEADLINE_HOURS[severity] * 60
            status, reported, misreported = "reported", None, outcome.endswith("misreported")
            if outcome in ("in_time", "misreported"):
                reported = occurred + datetime.timedelta(minutes=rng.randrange(10, deadline))
            elif outcome.startswith("late"):
                reported = occurred + datetime.timedelta(minutes=deadline + rng.randrange(20, 600))
            else:
                status = outcome
            self.failures[outcome] += 1
            events = ENVIRONMENT_EVENTS if unit.kind == "bureau" else URGENT_EVENTS
            where = unit.name if unit.kind in ("county", "township") else \
                rng.choice(counties or [unit]).name  # a department reports from its field
            title = f"{where}发生{rng.choice(events)}"
            reporter = rng.choice(unit.reporters)
            rows.append((f"JJ{YEAR}{number:06d}", unit.id, title, severity,
                         occurred.isoformat(" "), reported.isoformat(" ") if reported else None,
                         status, misreported, reporter))
        self.counts["urgent_reports"] = len(rows)
        return rows

    def make_facts(self):
        """The provincial county rank of every county: distinct ranks, some in the top 50."""
        rng = self.rng
        counties = [u for u in self.units if u.kind == "county"]
        ranks = rng.sample(range(1, max(100, 2 * len(counties)) + 1), len(counties))
        if min(ranks) > 50:
            ranks[0] = rng.randrange(1, 51)
        if max(ranks) <= 50 and len(ranks) > 1:
            ranks[-1] = rng.randrange(51, 101)
        self.counts["counties_in_top_50"] = sum(1 for r in ranks if r <= 50)
        return [(u.id, YEAR, "provincial_county_rank", str(r)) for u, r in zip(counties, ranks)]

    def make_targets(self):
        """Every unit's yearly quota: around what it is expected to write, rounded to fives."""
        rng = self.rng
        total = sum(u.activity for u in self.units)
        rows = []
        for unit in self.units:
            expected = self.item_count * unit.activity / total
            submit = max(5, int(round(expected * rng.uniform(0.8, 1.25) / 5)) * 5)
            rows.append((unit.id, YEAR, submit, max(1, int(round(submit * 0.25)))))
        return rows


def _reset_sequences(models):
    """After rows were written with their ids, move PostgreSQL's id sequences past them."""
    if not is_postgres():
        return
    for model in models:
        table = model._meta.table_name
        db.execute_sql(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                       f"COALESCE((SELECT MAX(id) FROM \"{table}\"), 1))")


def build_demo(registry, units=None, items=None, seed=2025, progress=None):
    """Fill an empty database with demo data and create the two demo schemes.

    Returns ``{"text": Chinese summary, "schemes": [scheme names], "counts": {name: number}}``.
    Raises KaoheError when the database already holds units or items.
    """
    present = [label for model, label in ((Unit, "单位"), (Item, "稿件"), (Publication, "刊物"))
               if model.select().exists()]
    if present:
        raise KaoheError(f"数据库中已有{'、'.join(present)}数据，演示数据只能生成在空数据库上；"
                         f"请用 --database 指定一个新的数据库")
    started = time.perf_counter()
    progress = progress or no_progress
    builder = DemoBuilder(units=units, items=items, seed=seed)
    counts = builder.counts
    with db.atomic():
        bulk_insert(Unit, ["id", "code", "name", "kind", "pool", "sector", "parent"],
                    builder.make_units())
        reporters = builder.make_reporters()
        bulk_insert(Reporter, ["id", "code", "name", "unit"], reporters)
        bulk_insert(Publication, ["id", "code", "name", "level", "issuer"],
                    builder.make_publications())
        solicitations, links, answers = builder.make_solicitations()
        bulk_insert(Solicitation, ["id", "no", "title", "issued_on", "due_on"], solicitations)
        bulk_insert(SolicitationUnit, ["solicitation", "unit"], links)
        with progress("生成演示稿件", builder.item_count) as bar:
            for chunk in builder.items(answers):
                rows_item, rows_unit, rows_author, rows_adoption, rows_instruction = chunk
                bulk_insert(Item, ["id", "no", "title", "submitted_on", "category", "negative",
                                   "solicitation", "created_at"], rows_item)
                bulk_insert(ItemUnit, ["item", "unit", "position"], rows_unit)
                bulk_insert(ItemAuthor, ["item", "reporter", "position"], rows_author)
                bulk_insert(Adoption, ["item", "publication", "issue", "adopted_on", "form"],
                            rows_adoption)
                bulk_insert(Instruction, ["item", "leader_level", "leader", "instructed_on"],
                            rows_instruction)
                bar.update(len(rows_item))
        bulk_insert(UrgentReport, ["no", "unit", "title", "severity", "occurred_at", "reported_at",
                                   "status", "misreported", "reporter"],
                    builder.make_urgent_reports())
        facts = builder.make_facts()
        bulk_insert(UnitFact, ["unit", "year", "kind", "value"], facts)
        targets = builder.make_targets()
        bulk_insert(Target, ["unit", "year", "submit_target", "adopt_target"], targets)
        _reset_sequences([Unit, Reporter, Publication, Solicitation, Item])
        create_scheme(registry, CITY_SCHEME, YEAR, list(CITY_RULESETS), pools=list(CITY_POOLS),
                      title=f"{CITY}{YEAR}年度市政府系统政务信息考核", author="kaohe demo")
        create_scheme(registry, ENVIRONMENT_SCHEME, YEAR, list(ENVIRONMENT_RULESETS),
                      pools=["bureau"], title=f"{CITY}{YEAR}年度环保系统政务信息考核",
                      author="kaohe demo")
    refresh_statistics()
    counts["units"] = len(builder.units)
    counts["reporters"] = len(reporters)
    counts["publications"] = len(PUBLICATIONS)
    counts["facts"] = len(facts)
    counts["targets"] = len(targets)
    for kind in UNIT_KINDS:
        counts.setdefault(f"units_{kind}", 0)
    for outcome, n in builder.failures.items():
        counts[f"urgent_{outcome}"] = n
    seconds = time.perf_counter() - started
    return {"text": _summary(builder, counts, seconds), "schemes": [CITY_SCHEME, ENVIRONMENT_SCHEME],
            "counts": dict(counts), "seconds": seconds}


def _summary(builder, counts, seconds):
    kinds = "、".join(f"{UNIT_KINDS[k]}{counts[f'units_{k}']}个" for k in UNIT_KINDS
                      if counts.get(f"units_{k}"))
    place = CITY if len(builder.cities) == 1 else f"全省{len(builder.cities)}个市"
    items = counts["items"]
    adopted = counts["adopted_items"]
    failures = builder.failures
    lines = [
        f"已生成{place}{YEAR}年度演示数据（种子 {builder.seed}，用时{seconds:.1f}秒）：",
        f"  单位{counts['units']}个（{kinds}），信息员{counts['reporters']}人，"
        f"刊物{counts['publications']}种；",
        f"  稿件{items}篇（其中{YEAR - 1}年12月报送{counts['items_prior_year']}篇），"
        f"合报{counts['joint_items']}篇，负反馈{counts['negative_items']}篇；",
        f"  被采用稿件{adopted}篇（{adopted * 100 // max(1, items)}%），采用记录{counts['adoptions']}条，"
        f"多级采用{counts['items_adopted_at_several_levels']}篇，领导批示{counts['instructions']}条；",
        f"  紧急信息{counts['urgent_reports']}起（迟报{failures['late'] + failures['late_misreported']}、"
        f"漏报{failures['missed']}、瞒报{failures['concealed']}、"
        f"误报{failures['misreported'] + failures['late_misreported']}），"
        f"约稿{counts['solicitations']}次（应约稿件{counts['solicitation_answers']}篇）；",
        f"  县区全省排名{counts['facts']}条（前50名{counts['counties_in_top_50']}个），"
        f"目标任务{counts['targets']}条；",
        f"  考核方案：{CITY_SCHEME}（{'、'.join(CITY_RULESETS)}），"
        f"{ENVIRONMENT_SCHEME}（{'、'.join(ENVIRONMENT_RULESETS)}）。",
    ]
    return "\n".join(lines)

