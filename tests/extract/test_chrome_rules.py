"""General chrome and field rules for 政府信息公开 and old portal layouts (issue 15).

The pages are written after the templates the issue describes: a gov.cn-style
disclosure table without <title> or meta tags, an old GB2312 portal with a
header, a related-articles column and a disclaimer, a Lonsun-style page
whose body container is unknown. Each rule is checked by what a reader
would see: the body stays whole, the chrome goes, the fields are right.
"""

from __future__ import annotations

import json
from pathlib import Path

import lxml.html
import pytest

from archive.extract.clean import clean_text
from archive.extract.dates import parse_date
from archive.extract.html import densest_block, extract_page, parse_html
from archive.extract.metadata import DOC_NUMBER, is_bare_department, plain_title
from testkit.quality import char_f1

SENTENCE = "全面推进健康中国建设，加强基层医疗卫生服务体系建设，提升县域医疗服务能力和公共卫生应急处置能力。"
BODY = "".join(f"<p>（{n}）{SENTENCE}</p>" for n in "一二三四五六")

DISCLOSURE_PAGE = f"""<html><body>
<div class="header">中国政府网 首页 | 简 | 繁 | EN | 登录</div>
<table class="bd1">
<tr><td>索 引 号：</td><td>000014349/2018-00001</td><td>主题分类：</td><td>卫生、体育\\卫生</td></tr>
<tr><td>发文机关：</td><td>国务院</td><td>成文日期：</td><td>2018年12月29日</td></tr>
<tr><td>标　　题：</td><td colspan="3">医疗纠纷预防和处理条例</td></tr>
<tr><td>发文字号：</td><td>国令第701号</td><td>发布日期：</td><td>2018年08月31日</td></tr>
</table>
<div class="pages_content" id="UCAP-CONTENT">{BODY}</div>
<div class="share">扫一扫在手机打开当前页</div>
<div class="btns">pdf下载 word下载</div>
<div>【打印】 【关闭】</div>
</body></html>"""


def test_disclosure_table_becomes_fields_never_text() -> None:
    page = extract_page(DISCLOSURE_PAGE.encode(), "https://www.gov.cn/zhengce/content/2018-08/31/content_1.htm")
    assert page.title == "医疗纠纷预防和处理条例"
    assert page.provenance["title"] == "label:标题"
    assert page.doc_number == "国令第701号"
    assert page.written == "2018-12-29"
    assert page.published == "2018-08-31"
    assert page.index_number == "000014349/2018-00001"
    assert page.agency == "国务院"
    assert page.text.splitlines()[0].startswith("（一）全面推进健康中国建设")
    for chrome in ("索", "主题分类", "国令第701号", "扫一扫", "下载", "打印"):
        assert chrome not in page.text


OLD_PORTAL = f"""<html><head><meta charset="gb2312"><title>2005年卫生工作要点_郑州市卫生局</title></head><body>
<table width="760"><tr><td>欢迎访问郑州市卫生局网站 今天是2005年8月16日 星期二</td></tr></table>
<table width="760"><tr>
<td width="200"><div class="lm">工作动态</div><ul>
<li><a href="/a/1.html">市卫生局召开全市卫生工作会议</a></li>
<li><a href="/a/2.html">我市开展爱国卫生月活动</a></li>
<li><a href="/a/3.html">全市疾病预防控制工作会议召开</a></li></ul></td>
<td><h3>2005年卫生工作要点</h3><div>2005年08月16日</div>{BODY}
<div>相关文章：</div>
<div>◆ 关于印发2004年卫生工作要点的通知</div>
<div>◆ 2004年全市卫生工作总结</div>
</td></tr></table>
<div>版权与免责声明</div>
<div>凡本网注明“来源：郑州市卫生局”的所有作品，版权均属郑州市卫生局所有，未经本网授权不得转载。</div>
<div>本网站所载文章仅代表作者观点，不代表本网观点。</div>
</body></html>"""


def test_old_portal_loses_header_related_list_and_disclaimer() -> None:
    page = extract_page(OLD_PORTAL.encode("gb2312"), "http://www.zzwsj.gov.cn/news/show.asp?id=12",
                        {"Content-Type": "text/html; charset=gb2312"})
    assert page.published == "2005-08-16"
    lines = page.text.splitlines()
    assert len(lines) == 6 and all(SENTENCE in line for line in lines)


def test_bare_department_is_qualified_by_the_site_agency() -> None:
    html = (f"<html><head><title>2024年工作要点</title></head><body><div>来源：办公室</div>"
            f"<div id='zoom'>{BODY}</div></body></html>")
    url = "http://wjw.zhengzhou.gov.cn/a/1.html"
    assert extract_page(html.encode(), url).agency == "办公室"
    page = extract_page(html.encode(), url, site_agency="郑州市卫生健康委员会")
    assert page.agency == "郑州市卫生健康委员会办公室"
    assert page.provenance["agency"] == "label:来源+site"


@pytest.mark.parametrize(("name", "bare"), [
    ("办公室", True), ("规划发展与信息化处", True), ("医政司", True),
    ("杭州市卫生健康委员会办公室", False), ("人民网", False), ("市卫健委", False), ("新华社", False),
])
def test_bare_departments(name: str, bare: bool) -> None:
    assert is_bare_department(name) is bare


@pytest.mark.parametrize("number", [
    "杭卫发〔2019〕12号", "浙卫发[2024]3号", "京卫计字(2016)5号", "粤卫〔2024〕第3号", "国令第706号",
    "国家卫生健康委员会令第1号", "国家卫生健康委员会公告2020年第3号", "中华人民共和国主席令第十六号", "2024年第3号",
])
def test_every_doc_number_form(number: str) -> None:
    match = DOC_NUMBER.search(f"文号：{number}")
    assert match and match.group(0) == number


@pytest.mark.parametrize(("value", "iso"), [
    ("2005年08月16日", "2005-08-16"), ("2005年8月6日", "2005-08-06"), ("2024 年 3 月 5 日", "2024-03-05"),
    ("二〇二四年一月五日", "2024-01-05"), ("二○二三年十二月三十一日", "2023-12-31"), ("二零二一年十月二十日", "2021-10-20"),
    ("２０２４年３月５日", "2024-03-05"), ("2024.03.05", "2024-03-05"), ("20240305", "2024-03-05"),
    ("2021年2月30日", None), ("二〇二四年", None),
])
def test_chinese_date_forms(value: str, iso: str | None) -> None:
    assert parse_date(value) == iso


def test_standalone_zero_padded_date_is_the_published_date() -> None:
    html = (f"<html><head><title>通知</title></head><body><h1>通知</h1><span>2005年08月16日</span>"
            f"<div id='zoom'>{BODY}</div></body></html>")
    assert extract_page(html.encode(), "http://example.gov.cn/x.asp").published == "2005-08-16"


@pytest.mark.parametrize(("title", "plain"), [
    ("凝聚奋进力量<div>——热烈祝贺市第十次党代会胜利召开</div>", "凝聚奋进力量——热烈祝贺市第十次党代会胜利召开"),
    ("关于&lt;b&gt;2024年&lt;/b&gt;工作要点的通知", "关于2024年工作要点的通知"),
    ("2024年 工作要点", "2024年 工作要点"),
])
def test_titles_are_plain_text(title: str, plain: str) -> None:
    assert plain_title(title) == plain


def test_title_markup_in_meta_is_removed() -> None:
    html = (f"<html><head><meta name='ArticleTitle' content='凝聚力量&lt;div&gt;——祝贺&lt;/div&gt;'></head>"
            f"<body><div id='zoom'>{BODY}</div></body></html>")
    assert extract_page(html.encode(), "http://example.gov.cn/x.html").title == "凝聚力量——祝贺"


def test_densest_block_recovers_an_old_table_layout() -> None:
    # A layout whose body sits in a cell full of <br> lines, beside a long menu of links.
    menu = "".join(f"<a href='/c/{n}.html'>栏目{n}</a><br>" for n in range(40))
    lines = "<br>".join(f"{n}. {SENTENCE}" for n in range(1, 9))
    html = (f"<html><head><title>工作计划</title></head><body><table><tr><td>{menu}</td>"
            f"<td><font>{lines}</font></td></tr></table></body></html>")
    tree = parse_html(html, "x")
    assert "1. 全面推进" in densest_block(tree).text_content()
    page = extract_page(html.encode(), "http://example.gov.cn/old.asp")
    assert page.text.count(SENTENCE) == 8


def test_date_sharing_its_line_with_the_source_label() -> None:
    html = (f"<html><head><title>访谈</title></head><body><h1>访谈</h1><div>2005年08月16日　来源：新华网</div>"
            f"<div id='zoom'>{BODY}</div></body></html>")
    assert extract_page(html.encode(), "http://example.gov.cn/x.htm").published == "2005-08-16"


# ---------------------------------------------------------------- real pages (Chinese-Web-Content-Extraction-Dataset)

CWCED = Path(__file__).parents[1] / "fixtures" / "realpages" / "Chinese-Web-Content-Extraction-Dataset"
GOV_FIELDS = json.loads((CWCED.parent / "gov_checked" / "fields.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", [name for name in GOV_FIELDS if name.startswith("cwced-")])
def test_real_government_pages_fields_and_text(name: str) -> None:
    html = next((CWCED / "original").glob(f"{name.removeprefix('cwced-')}*.html"))
    gold_file = CWCED / "gold_checked" / f"{html.stem}.txt"
    gold = (gold_file if gold_file.exists() else CWCED / "cleaned" / f"{html.stem}.txt").read_text(encoding="utf-8")
    page = extract_page(html.read_bytes(), "http://example.com/")
    for field, want in GOV_FIELDS[name].items():
        if field != "site":
            assert getattr(page, field) == want, field
    assert char_f1(page.text, gold) >= 0.97
    assert not any(label in page.text for label in ("索  引 号", "发文机关：", "发文字号："))


def test_old_portal_date_beside_its_source_on_a_real_gb2312_page() -> None:
    html = next((CWCED / "original").glob("a0cb0242*.html"))
    page = extract_page(html.read_bytes(), "http://chinaneast.xinhuanet.com/jizhe/2005-08/16/content_4894059.htm")
    assert (page.encoding, page.published) == ("gb18030", "2005-08-16")


def test_disclaimer_block_at_the_end_goes_with_its_paragraphs() -> None:
    body = [f"（{n}）{SENTENCE}" for n in "一二三四五六"]
    text = "\n".join(body + [
        "雅虎中国著作权声明",
        "雅虎中国的所有内容均由其内容合作方根据协议提供，我们有权转载或摘编已在报刊上刊登的作品。",
        "雅虎中国在网上传输的所有内容均由内容合作方提供。",
    ])
    assert clean_text(text) == "\n".join(body)


def test_headline_with_a_word_more_than_the_title_is_a_copy() -> None:
    text = f"习近平主持召开座谈会强调\n{SENTENCE}"
    assert clean_text(text, title="习近平主持召开座谈会") == SENTENCE
    assert clean_text(f"关于印发工作要点的通知的解读\n{SENTENCE}", title="关于印发").startswith("关于印发")


def test_article_after_a_stray_closing_html_tag_is_kept() -> None:
    # www.gov.cn's header include closes </html>; libxml2 leaves the rest as the root's siblings.
    html = (f"<html><head><title>决议_中国政府网</title></head><body><div class='header'>首页 | EN</div></body></html>"
            f"<!--end header--><div class='content'><div class='pages_content' id='UCAP-CONTENT'>{BODY}</div></div>")
    tree = parse_html(html, "x")
    assert lxml.html.tostring(tree, encoding="unicode").count(SENTENCE) == 6
    page = extract_page(html.encode(), "https://www.gov.cn/gongbao/content/2007/content_711039.htm")
    assert page.method == "#UCAP-CONTENT"
    assert page.text.count(SENTENCE) == 6


@pytest.mark.parametrize(("name", "url"), [
    ("other", "https://www.gov.cn/gongbao/content/2007/content_711039.htm"),  # after a stray </html>
    ("gzggw", "http://fgw.zj.gov.cn/"),
    ("shanxi", "http://www.shanxi.gov.cn/yw/sxyw/201909/t20190918_693227.shtml"),
])
def test_real_government_pages_with_gold_written_here(name: str, url: str) -> None:
    html = CWCED.parent / "GeneralNewsExtractor" / "tests" / name / "1.html"
    page = extract_page(html.read_bytes(), url)
    for field, want in GOV_FIELDS[f"gne-{name}-1"].items():
        if field != "site":
            assert getattr(page, field) == want, field
    gold = (CWCED.parent / "gov_checked" / f"gne-{name}-1.txt").read_text(encoding="utf-8")
    assert page.text == gold.strip()
