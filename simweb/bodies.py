"""Body text of simulated documents, composed from the phrase banks with a seeded Random."""

from __future__ import annotations

import random
from datetime import date

from simweb import phrases
from simweb.model import Paragraph, Site
from simweb.phrases import Item, Theme

CN_NUMERALS = "一二三四五六七八九十"

# Plans number their tasks in one of three ways seen on real sites:
# （一） restarting per section, 1. running through the whole plan, （一） running through.
NUMBERING_STYLES = ("cn", "arabic", "cn_running")


def cn_numeral(n: int) -> str:
    """Chinese numeral for 1..99 as used in section numbers (一, 十二, 二十)."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CN_NUMERALS[ones - 1]
    head = "" if tens == 1 else CN_NUMERALS[tens - 1]
    return head + "十" + (CN_NUMERALS[ones - 1] if ones else "")


def cn_date(day: date) -> str:
    """A date the way signatures write it: 2021年3月5日."""
    return f"{day.year}年{day.month}月{day.day}日"


def region_name(site: Site) -> str:
    """The full name of the site's region: 湖北省, 荆门市, 沙洋县."""
    return site.county or site.city or site.province


def field_name(year: int) -> str:
    """卫生计生 before the 2018-19 reform merged the commissions into 卫生健康."""
    return "卫生健康" if year >= 2019 else "卫生计生"


class Filler(dict):
    """Values for phrase placeholders; numeric ones are drawn afresh at every use."""

    DRAWS = {"n": (2, 20), "p1": (85, 98), "p2": (60, 80), "p3": (25, 40), "p95": (95, 99)}

    def __init__(self, rng: random.Random, site: Site, year: int, agency: str) -> None:
        super().__init__(
            R=site.short,
            RF=region_name(site),
            S=site.scope,
            U=site.scope[-1],
            Y=year,
            YP=year - 1,
            agency=agency,
            money=phrases.PUBLIC_HEALTH_SUBSIDY[min(max(year, 2015), 2026)],
        )
        self.rng = rng
        self.year = year

    def __missing__(self, key: str) -> str | int:
        if key == "life":
            return f"{self.rng.uniform(77.5, 80.5):.1f}"
        if key == "mmr":
            return f"{self.rng.uniform(6.0, 12.0):.1f}"
        if key == "imr":
            return f"{self.rng.uniform(2.0, 5.0):.2f}"
        low, high = self.DRAWS[key]
        return self.rng.randint(low, high)

    def __call__(self, template: str) -> str:
        return template.format_map(self)


def _eligible(items: tuple[Item, ...], year: int) -> list[Item]:
    return [item for item in items if item.since <= year <= item.until]


def _task(rng: random.Random, fill: Filler, item: Item, number: str, duties: tuple[str, ...] | None) -> Paragraph:
    count = min(len(item.sentences), rng.randint(2, 4))
    sentences = "".join(fill(s) for s in rng.sample(item.sentences, count))
    text = f"{number}{fill(item.heading)}。{sentences}"
    if duties:
        text += f"（责任单位：{'、'.join(rng.sample(duties, rng.randint(1, 2)))}）"
    return Paragraph(text)


def _sections(
    rng: random.Random,
    fill: Filler,
    sections: list[tuple[str, list[Item]]],
    style: str,
    duties: tuple[str, ...] | None = None,
) -> list[Paragraph]:
    """Numbered sections (一、) each holding numbered tasks in the given style."""
    out: list[Paragraph] = []
    running = 0
    for s, (heading, items) in enumerate(sections, start=1):
        out.append(Paragraph(f"{cn_numeral(s)}、{fill(heading)}", "heading"))
        for i, item in enumerate(items, start=1):
            running += 1
            if style == "arabic":
                number = f"{running}."
            elif style == "cn_running":
                number = f"（{cn_numeral(running)}）"
            else:
                number = f"（{cn_numeral(i)}）"
            out.append(_task(rng, fill, item, number, duties))
    return out


def _annual_sections(rng: random.Random, year: int) -> list[tuple[str, list[Item]]]:
    """4-7 themes in their usual order, always opening with reform and closing with the party."""
    middle = [t for t in phrases.THEMES if t.key not in ("reform", "party")]
    chosen = {"reform", "party"} | {t.key for t in rng.sample(middle, rng.randint(2, 5))}
    sections = []
    for theme in phrases.THEMES:
        items = _eligible(theme.items, year)
        if theme.key in chosen and items:
            picked = sorted(rng.sample(items, min(len(items), rng.randint(2, 4))), key=items.index)
            sections.append((rng.choice(theme.headings), picked))
    return sections


def _intro(rng: random.Random, fill: Filler, year: int) -> str:
    if year >= 2018:
        guide = "以习近平新时代中国特色社会主义思想为指导"
    else:
        guide = "以邓小平理论、“三个代表”重要思想、科学发展观为指导，深入贯彻习近平总书记系列重要讲话精神"
    congress = "十八大和十八届历次全会" if year <= 2017 else "十九大和十九届历次全会" if year <= 2022 else "二十大和二十届历次全会"
    focus = "，".join(rng.sample(phrases.FOCUS, 2))
    milestone = phrases.MILESTONES.get(year, "承上启下的重要一年")
    return fill(
        f"{{Y}}年是{milestone}。{{S}}{field_name(year)}工作的总体要求是：{guide}，全面贯彻党的{congress}精神，"
        f"认真落实{{U}}委、{{U}}政府决策部署，{focus}，加快推进健康{{R}}建设，为经济社会高质量发展提供坚实健康保障。"
    )


def _targets(fill: Filler) -> str:
    return fill(
        "{Y}年主要目标：人均预期寿命达到{life}岁，孕产妇死亡率控制在{mmr}/10万以下，"
        "婴儿死亡率控制在{imr}‰以下，居民健康素养水平达到{p3}%以上。"
    )


def annual_plan(rng: random.Random, fill: Filler, year: int) -> list[Paragraph]:
    """A year's 工作要点: general requirements, targets, then numbered sections of tasks."""
    out = [Paragraph(_intro(rng, fill, year))]
    if rng.random() < 0.5:
        out.append(Paragraph(_targets(fill)))
    out += _sections(rng, fill, _annual_sections(rng, year), rng.choice(NUMBERING_STYLES))
    return out


def key_tasks(rng: random.Random, fill: Filler, year: int, level: str) -> list[Paragraph]:
    """重点工作任务: like a plan, but every task names the offices responsible for it."""
    out = [Paragraph(fill(f"为全面贯彻落实{{U}}委、{{U}}政府决策部署，扎实推进健康{{R}}建设，现提出{{Y}}年{{S}}{field_name(year)}重点工作任务如下："))]
    out += _sections(rng, fill, _annual_sections(rng, year), "cn_running", phrases.DEPARTMENTS[level])
    return out


def work_plan(rng: random.Random, fill: Filler, year: int) -> list[Paragraph]:
    """A bureau's 工作计划: a short preamble, then sections of tasks."""
    out = [Paragraph(fill("为全面做好{Y}年卫生健康工作，根据上级工作部署，结合我{U}实际，制定本计划。"))]
    out += _sections(rng, fill, _annual_sections(rng, year), rng.choice(NUMBERING_STYLES))
    return out


def _theme(key: str) -> Theme:
    return next(t for t in phrases.THEMES if t.key == key)


def topic_plan(rng: random.Random, fill: Filler, year: int, topic: str) -> list[Paragraph]:
    """A 专项工作要点: one theme's tasks as sections, closed by safeguards."""
    items = _eligible(_theme(phrases.TOPICS[topic]).items, year)
    out = [Paragraph(fill(f"{{Y}}年{{S}}{topic}工作要坚持以人民健康为中心，聚焦重点任务，补短板、强弱项，推动{topic}工作高质量发展。"))]
    for s, item in enumerate(items, start=1):
        out.append(Paragraph(f"{cn_numeral(s)}、{fill(item.heading)}", "heading"))
        picked = rng.sample(item.sentences, min(len(item.sentences), rng.randint(2, 3)))
        out += [Paragraph(f"{i}.{fill(sentence)}") for i, sentence in enumerate(picked, start=1)]
    out.append(Paragraph(f"{cn_numeral(len(items) + 1)}、强化保障措施", "heading"))
    out += [Paragraph(f"（{cn_numeral(i)}）{s}") for i, s in enumerate(rng.sample(phrases.SAFEGUARDS, 3), start=1)]
    return out


def reform_tasks(rng: random.Random, fill: Filler, year: int, level: str) -> list[Paragraph]:
    """医改重点工作任务: reform, public-health and medical tasks with responsible offices."""
    out = [Paragraph(fill("{Y}年是深化医药卫生体制改革的重要一年。要坚持以人民健康为中心，深化医疗、医保、医药协同发展和治理，推动医改向纵深发展。"))]
    sections = []
    for key in ("reform", "public_health", "medical"):
        theme = _theme(key)
        items = _eligible(theme.items, year)
        sections.append((theme.headings[0], rng.sample(items, min(len(items), 3))))
    out += _sections(rng, fill, sections, "cn_running", phrases.DEPARTMENTS[level])
    return out


def salutation(site: Site, year: int) -> str:
    """The addressees a notice opens with, by the site's level."""
    lower = "卫生健康局" if year >= 2019 else "卫生计生局"
    if site.level == "province":
        return f"各市、县（市、区）{lower}，委直属各单位，委机关各处室："
    if site.level == "city":
        return f"各县（市、区）{lower}，委直属各单位，委机关各科室："
    return "各镇（街道）卫生院、社区卫生服务中心，局直属各单位，局机关各股室："


def notice(
    rng: random.Random, site: Site, agency: str, written: date, inner_title: str, inner: list[Paragraph]
) -> list[Paragraph]:
    """A 关于印发…的通知: addressees, one line of instruction, signature, then the document it carries."""
    instruction = rng.choice((
        f"现将《{inner_title}》印发给你们，请结合实际，认真抓好贯彻落实。",
        f"现将《{inner_title}》印发给你们，请认真组织实施，确保各项任务如期完成。",
        f"经研究，现将《{inner_title}》印发给你们，请各单位对照任务分工，强化工作措施，狠抓责任落实。",
    ))
    out = [
        Paragraph(salutation(site, written.year), "salutation"),
        Paragraph(instruction),
        Paragraph(agency, "signature"),
        Paragraph(cn_date(written), "signature"),
    ]
    if rng.random() < 0.5:
        out.append(Paragraph("（此件公开发布）"))
    return out + [Paragraph(inner_title, "title")] + inner


def summary(rng: random.Random, fill: Filler, year: int) -> list[Paragraph]:
    """A 工作总结 of `year`: achievements, problems, and next year's intentions (which read like a plan)."""
    out = [Paragraph(fill(f"{{Y}}年，{{S}}{field_name(year)}系统在{{U}}委、{{U}}政府的坚强领导下，坚持以人民健康为中心，各项工作取得新成效。现将有关情况总结如下："))]
    out.append(Paragraph(fill("一、{Y}年工作开展情况"), "heading"))
    done = _annual_sections(rng, year)[:5]
    results = rng.sample(phrases.ACHIEVEMENTS, len(done))
    for i, ((_heading, items), result) in enumerate(zip(done, results), start=1):
        out.append(Paragraph(f"（{cn_numeral(i)}）{fill(items[0].heading)}取得积极进展。{fill(result)}"))
    out.append(Paragraph("二、存在的问题和不足", "heading"))
    out += [Paragraph(p) for p in rng.sample(phrases.PROBLEMS, 2)]
    out.append(Paragraph(fill(f"三、{year + 1}年工作打算"), "heading"))
    plans = _annual_sections(rng, year + 1)
    for i, (_heading, items) in enumerate(plans[:4], start=1):
        out.append(_task(rng, fill, items[0], f"（{cn_numeral(i)}）", None))
    return out


def annual_report(rng: random.Random, fill: Filler, year: int) -> list[Paragraph]:
    """A 政府信息公开工作年度报告 for `year`."""
    return [
        Paragraph(fill(f"本报告根据《中华人民共和国政府信息公开条例》要求编制。报告中所列数据统计期限自{year}年1月1日起至{year}年12月31日止。")),
        Paragraph("一、总体情况", "heading"),
        Paragraph(fill(f"{year}年，{{agency}}坚持以公开为常态、不公开为例外，全年主动公开政府信息{{n}}0余条。")),
        Paragraph("二、主动公开政府信息情况", "heading"),
        Paragraph(fill("及时公开规划计划、政策文件、人事信息、财政预决算等信息，规范性文件全部按规定公开。")),
        Paragraph("三、收到和处理政府信息公开申请情况", "heading"),
        Paragraph(fill("本年度共收到政府信息公开申请{n}件，均在法定期限内答复办结。")),
        Paragraph("四、政府信息公开行政复议、行政诉讼情况", "heading"),
        Paragraph("本年度未发生因政府信息公开引起的行政复议和行政诉讼。"),
        Paragraph("五、存在的主要问题及改进情况", "heading"),
        Paragraph(rng.choice(("主动公开的深度和广度还需进一步拓展，政策解读形式较为单一。", "信息发布的及时性有待提高，公开工作队伍专业能力需进一步加强。"))),
        Paragraph("六、其他需要报告的事项", "heading"),
        Paragraph("本年度未收取信息处理费。"),
    ]


def recruitment(rng: random.Random, fill: Filler, agency: str, year: int) -> list[Paragraph]:
    """A 公开招聘公告 of a commission's public institutions."""
    towns = phrases.TOWNS.get(fill["R"], phrases.DEFAULT_TOWNS)
    phone = f"{phrases.AREA_CODES.get(fill['R'], '0' + str(rng.randint(310, 999)))}-{rng.randint(2000000, 8999999)}"
    return [
        Paragraph(fill("根据《事业单位人事管理条例》等有关规定，经研究，决定面向社会公开招聘工作人员{n}名。现将有关事项公告如下：")),
        Paragraph("一、招聘原则", "heading"),
        Paragraph("坚持德才兼备的用人标准，贯彻公开、平等、竞争、择优的原则。"),
        Paragraph("二、招聘岗位及人数", "heading"),
        Paragraph(f"招聘岗位为{rng.choice(towns)}卫生院、{rng.choice(towns)}社区卫生服务中心临床医师、护士、公共卫生医师等，具体见附件。"),
        Paragraph("三、报名条件", "heading"),
        *[Paragraph(f"（{cn_numeral(i)}）{c}") for i, c in enumerate(phrases.RECRUIT_CONDITIONS, start=1)],
        Paragraph("四、报名时间和方式", "heading"),
        Paragraph(f"报名时间：{year}年{rng.randint(3, 9)}月{rng.randint(1, 20)}日至{rng.randint(21, 28)}日。报名采取网上报名方式。"),
        Paragraph("五、其他", "heading"),
        Paragraph(f"本公告由{agency}负责解释。咨询电话：{phone}。"),
    ]


def epidemic_month(rng: random.Random, fill: Filler, month: int) -> list[Paragraph]:
    """A monthly 法定传染病疫情概况."""
    class_b = rng.randint(1500, 9000)
    class_c = rng.randint(2000, 15000)
    deaths = rng.randint(0, 12)
    return [
        Paragraph(fill(f"{{Y}}年{month}月（{month}月1日0时至{month}月末24时），{{S}}共报告法定传染病{class_b + class_c}例，死亡{deaths}人。")),
        Paragraph("其中，甲类传染病无发病、死亡报告。"),
        Paragraph(f"乙类传染病中，传染性非典型肺炎、脊髓灰质炎、人感染高致病性禽流感、白喉无发病、死亡报告，其余乙类传染病共报告发病{class_b}例，死亡{deaths}人。"
                  f"报告发病数居前五位的病种依次为病毒性肝炎、肺结核、梅毒、淋病和细菌性痢疾，占乙类传染病报告病例总数的{rng.uniform(90, 98):.1f}%。"),
        Paragraph(f"丙类传染病中，共报告发病{class_c}例，无死亡。报告发病数居前三位的病种依次为手足口病、其他感染性腹泻病和流行性感冒。"),
    ]


def covid_report(rng: random.Random, fill: Filler, day: date) -> list[Paragraph]:
    """A daily 新冠肺炎疫情情况 bulletin (2020-2022)."""
    confirmed = rng.randint(0, 30)
    imported = rng.randint(0, 5)
    return [
        Paragraph(fill(f"{day.month}月{day.day}日0—24时，{{S}}新增新冠肺炎确诊病例{confirmed + imported}例，其中境外输入病例{imported}例，本土病例{confirmed}例。")),
        Paragraph(f"当日新增治愈出院病例{rng.randint(0, 40)}例，解除医学观察的密切接触者{rng.randint(10, 400)}人。"),
        Paragraph(f"截至{day.day}日24时，现有确诊病例均在定点医院隔离治疗，病情稳定。"),
        Paragraph("请广大群众继续做好个人防护，坚持戴口罩、勤洗手、常通风、少聚集。"),
    ]


def person(rng: random.Random) -> str:
    """A plausible official's name (some use characters outside GB2312, as real names do)."""
    return rng.choice(phrases.SURNAMES) + rng.choice(phrases.GIVEN_NAMES)


def meeting_news(rng: random.Random, fill: Filler, year: int, day: date) -> list[Paragraph]:
    """News of the annual work conference: it mentions the 工作要点 but is not one."""
    field = field_name(year)
    head = "党组书记、局长" if fill["agency"].endswith("局") else "党组书记、主任"
    return [
        Paragraph(fill(f"{day.month}月{day.day}日，{{Y}}年{{S}}{field}工作会议召开。会议总结{year - 1}年{field}工作，分析当前形势，部署{{Y}}年重点任务。{{agency}}{head}{person(rng)}出席会议并作工作报告。")),
        Paragraph(fill(f"会议指出，{year - 1}年，{{S}}{field}系统攻坚克难、砥砺奋进，{rng.choice(phrases.ACHIEVEMENTS)}")),
        Paragraph(fill("会议要求，{Y}年要聚焦重点任务，深化医药卫生体制改革，加快推进健康{R}建设。")),
        Paragraph(fill(f"会议印发了《{{Y}}年{{S}}{field}工作要点》，{{n}}家单位作交流发言。")),
    ]


def scheme(rng: random.Random, fill: Filler, year: int, topic: str) -> list[Paragraph]:
    """A 实施方案: plan-like vocabulary, but not an annual work plan."""
    items = _eligible(_theme(phrases.SCHEME_TOPICS[topic]).items, year)
    out = [
        Paragraph(fill(f"为深入推进{topic}工作，结合我{{U}}实际，制定本方案。")),
        Paragraph("一、总体要求", "heading"),
        Paragraph(fill("以习近平新时代中国特色社会主义思想为指导，坚持问题导向和目标导向，用三年左右时间取得明显成效。")),
        Paragraph("二、主要任务", "heading"),
    ]
    out += [_task(rng, fill, item, f"（{cn_numeral(i)}）", None) for i, item in enumerate(items[:3], start=1)]
    out.append(Paragraph("三、保障措施", "heading"))
    out += [Paragraph(s) for s in rng.sample(phrases.SAFEGUARDS, 2)]
    return out


def progress_report(rng: random.Random, fill: Filler, year: int) -> list[Paragraph]:
    """A 落实情况的通报 on last year's key tasks."""
    return [
        Paragraph(fill(f"根据年度工作安排，{{agency}}对{year}年{{S}}{field_name(year)}重点工作任务落实情况进行了督查。现将有关情况通报如下：")),
        Paragraph("一、总体情况", "heading"),
        Paragraph(fill(f"从督查情况看，{{S}}各地各单位高度重视，{rng.choice(phrases.ACHIEVEMENTS)}")),
        Paragraph("二、存在问题", "heading"),
        Paragraph(rng.choice(phrases.PROBLEMS)),
        Paragraph("三、下一步要求", "heading"),
        Paragraph("各地各单位要对照任务清单，逐项查漏补缺，确保全面完成年度目标任务。"),
    ]


def publicity(rng: random.Random, fill: Filler, year: int, published: date) -> list[Paragraph]:
    """A 公示 of recommended family-doctor teams."""
    towns = rng.sample(phrases.TOWNS.get(fill["R"], phrases.DEFAULT_TOWNS), 3)
    return [
        Paragraph(fill(f"根据工作安排，经单位推荐、专家评审，拟推荐以下团队为{year}年度{{RF}}优秀家庭医生签约服务团队，现予以公示。")),
        *[Paragraph(f"{i}.{town}卫生院家庭医生团队（团队长：{person(rng)}）") for i, town in enumerate(towns, start=1)],
        Paragraph(f"公示时间：{cn_date(published)}起5个工作日。如有异议，请在公示期内以书面形式向{fill['agency']}反映。"),
    ]


def call_for_points(fill: Filler) -> list[Paragraph]:
    """A notice asking units to submit their next-year 工作要点: it names one but is not one."""
    return [Paragraph(fill(s)) for s in phrases.CALL_FOR_POINTS]


def task_table(rng: random.Random, fill: Filler, year: int, level: str) -> list[Paragraph]:
    """A 重点任务分工表: one paragraph per row, cells separated by a tab, rendered as an HTML table."""
    rows = [Paragraph("序号\t重点任务\t牵头单位\t完成时限", "row")]
    items = [item for theme in phrases.THEMES for item in _eligible(theme.items, year)]
    for number, item in enumerate(rng.sample(items, 5), start=1):
        department = rng.choice(phrases.DEPARTMENTS[level])
        rows.append(Paragraph(f"{number}\t{item.heading}\t{department}\t{year}年{rng.choice((6, 9, 12))}月底前", "row"))
    return [Paragraph(f"附件：{year}年重点工作任务分工表", "heading"), *rows]


def tender(rng: random.Random, buyer: str, item: str, published: date) -> list[Paragraph]:
    """A tender notice as aggregators copy it: project facts, requirements, deadlines."""
    budget = rng.randint(12, 980) * 10000
    deadline = date.fromordinal(published.toordinal() + 20)
    code = f"{published.year}-ZB{rng.randint(1000, 9999)}"
    return [
        Paragraph(f"项目概况：{buyer}{item}的潜在投标人应在公共资源交易平台获取招标文件，并于{cn_date(deadline)}9点30分（北京时间）前递交投标文件。"),
        Paragraph("一、项目基本情况", "heading"),
        Paragraph(f"项目编号：{code}"),
        Paragraph(f"项目名称：{buyer}{item}"),
        Paragraph(f"预算金额：{budget}元"),
        Paragraph(f"采购需求：详见招标文件。合同履行期限：自合同签订之日起{rng.choice((90, 180, 365))}日。"),
        Paragraph("二、申请人的资格要求", "heading"),
        Paragraph("满足《中华人民共和国政府采购法》第二十二条规定；本项目不接受联合体投标。"),
        Paragraph("三、获取招标文件", "heading"),
        Paragraph(f"时间：{cn_date(published)}至{cn_date(deadline)}，每天上午9:00至12:00，下午14:00至17:00。"),
        Paragraph(f"四、对本次招标提出询问，请按以下方式联系。采购人：{buyer}，联系人：{person(rng)}。"),
    ]


def addendum(rng: random.Random, agency: str) -> str:
    """A sentence an editor adds to a published plan."""
    return rng.choice(phrases.ADDENDA).format(agency=agency)
