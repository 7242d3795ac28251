"""Word-pasted pages: a paragraph's text left outside its <p> is still body text."""

from archive.extract.clean import clean_text
from archive.extract.html import extract_page

# The shape of an old portal's interview (振兴东北网, 2005): Word closed a <span> before the
# <p>, so the rest of the paragraph sits in a <font> beside the paragraphs.
WORD_PAGE = """<html><head><title>农机专家：为农机行业搭建信息平台</title></head><body>
<div id="Content"><font color="#008080">
<p><b>个人简介：</b></p><span><p><br><font>李金泽同志现任公司党委书记、董事长兼总经理。</font></span>
<font><span><font>1956</font></span><span>年生人，1978年参加工作，历任技术科长、技术厂长、总工程师等职务，
先后荣获9项国家专利，开发设计23项新产品。</span></font>
<p><strong>记者：</strong>首先欢迎你来接受我们的采访，请问你怎样看待农业税补贴问题？</p>
<p><strong>李金泽：</strong>政府通过实行“一增一减”的农业政策来提高农民种粮的积极性，增加农民收入。</p>
<p>比如说在交通行业的投入，政府投入一元钱，由此产生的回报是两元钱，粮食生产的回报更高。</p>
</font></div>
<div><font>热点专题</font> <font>图片新闻</font></div>
</body></html>"""


def test_a_paragraph_left_outside_its_p_by_word_is_kept():
    page = extract_page(WORD_PAGE.encode(), "http://www.chinaneast.gov.cn/a.htm")
    assert "1956年生人，1978年参加工作" in page.text
    assert "开发设计23项新产品" in page.text
    assert "政府通过实行" in page.text


def test_a_disclaimer_ends_with_the_line_saying_whom_to_call():
    text = """正文第一段，讲述了农机行业的发展情况。
正文第二段，讲述了信息平台的建设。
正文第三段。
正文第四段。
振兴东北网版权与免责声明：
① 凡本网注明“来源：振兴东北网”的所有作品，版权均属于本网，未经本网授权不得转载。
※ 联系电话：010--63070957 010--63070958"""
    cleaned = clean_text(text, None)
    assert "联系电话" not in cleaned
    assert "正文第四段。" in cleaned
