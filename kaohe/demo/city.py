"""What the demo city is made of: its shape, names, topics, leaders, publications and the odds of each event."""

from kaohe.core.domain.vocab import SECTORS

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


class DemoUnit:
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


def shares(total, shape):
    """Split `total` among the kinds of `shape` in its proportions (largest remainder)."""
    whole = sum(n for _, n in shape)
    exact = [(kind, total * n / whole) for kind, n in shape]
    counts = {kind: int(value) for kind, value in exact}
    left = total - sum(counts.values())
    for kind, value in sorted(exact, key=lambda kv: (-(kv[1] - int(kv[1])), kv[0]))[:left]:
        counts[kind] += 1
    return counts


def interleaved_departments():
    """Department (name, sector) pairs, taking the sectors in turn so any prefix covers them all."""
    lists = [[(name, sector) for name in DEPARTMENTS[sector]] for sector in SECTORS]
    out = []
    while any(lists):
        for names in lists:
            if names:
                out.append(names.pop(0))
    return out
