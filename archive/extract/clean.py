"""Remove the page chrome that extraction leaves around a document's text.

A line is chrome when the chrome patterns cover (almost) all of it: a footer
line such as ``版权所有：某市卫生健康委员会 技术支持：某公司`` goes, while a body
sentence that merely mentions 版权所有 or 分享到 keeps its other words and stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A match must not continue a Chinese word: 资金来源： is body text, 来源： is a label.
_NOT_IN_WORD = r"(?<![\u4e00-\u9fff])"
_COLON = r"\s*[:：]\s*"
_DATE = r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
_NUMERIC_DATE = r"\d{4}[-/]\d{1,2}[-/]\d{1,2}(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?"
_TOKEN = r"[^\s|\t]{0,40}"

# Labels of the 政府信息公开 metadata table (GB/T 7156-style catalogue fields).
METADATA_LABELS = (
    "索引号", "文号", "发文字号", "文件编号", "发布机构", "发文机关", "发文单位", "成文日期",
    "发布日期", "生成日期", "公开日期", "主题分类", "组配分类", "体裁分类", "服务对象分类",
    "信息分类", "主题词", "有效性", "效力状态", "公开形式", "公开方式", "公开范围", "公开时限",
    "生效日期", "废止日期", "统一编号", "所属机构",
)


def spaced_label(label: str) -> str:
    """Regex for a label as templates print it, spaced out to align the table (索 引 号, 文　　号)."""
    return r"\s*".join(map(re.escape, label))


_METADATA_LABEL = "|".join(spaced_label(label) for label in sorted(METADATA_LABELS, key=len, reverse=True))

# Labels that appear in a disclosure table beside the catalogue fields; alone, in
# body text, they are ordinary words (名称, 分类), so they count only within such a table.
DISCLOSURE_TABLE_LABELS = METADATA_LABELS + (
    "标题", "名称", "信息名称", "文件名称", "分类", "关键词", "关键字", "内容概述", "摘要", "发布时间", "来源",
    "信息来源", "时效", "有效期", "主题", "文号", "发文机构", "机构", "题名", "附件",
)
# A cell that begins with one of them, alone or followed by its value.
DISCLOSURE_LABEL = re.compile(
    r"^(?:" + "|".join(spaced_label(label) for label in sorted(DISCLOSURE_TABLE_LABELS, key=len, reverse=True))
    + r")\s*(?:[:：]|$|\s)"
)


# Words no health commission's document uses, found in links injected into hacked pages.
SPAM_WORDS = re.compile(
    r"(?:足球外围|外围(?:网站|平台|投注)|博彩|赌场|赌博网|网赌|娱乐城|百家乐|真人(?:娱乐|视讯|荷官)|老虎机|时时彩|六合彩|"
    r"北京赛车|pk10|体育投注|投注(?:网|平台)|彩票(?:网|平台|注册|app)|棋牌(?:游戏|平台|app)|电子游艺|新葡京|葡京娱乐|威尼斯人|"
    r"金沙(?:娱乐|官网|平台)|澳门(?:赌|银河|金沙|新葡京|博彩)|亚博(?:体育|官网|app)|开云(?:体育|官网|app)|必赢(?:亚洲|官网)|bet365|"
    r"伟德|皇冠(?:体育|足球|平台)|博狗|九州体育|乐鱼体育|华体会|ag(?:真人|平台)|成人(?:视频|网站|电影)|黄色(?:网站|视频))",
    re.IGNORECASE,
)


def is_spam(text: str) -> bool:
    """True when a text carries words of injected gambling or porn links."""
    return bool(SPAM_WORDS.search(text))


@dataclass(frozen=True)
class ChromePattern:
    """One kind of page chrome: a name to test and report it by, and the regex that finds it."""

    name: str
    regex: re.Pattern[str]


def _pattern(name: str, regex: str) -> ChromePattern:
    return ChromePattern(name, re.compile(regex, re.IGNORECASE))


def _any(*words: str) -> str:
    """A regex alternation of ``words``, longest first so 加入收藏夹 wins over 加入收藏."""
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


_OPEN, _CLOSE = r"[【\[]", r"[】\]]"
# "免责声明", "版权与免责声明", "雅虎中国著作权声明": a portal's notice about its content, never a document's.
_DISCLAIMER_HEADING = r"[\u4e00-\u9fffA-Za-z]{0,8}?(?:版权与免责|版权及免责|免责|版权|著作权|法律|隐私|传输内容)声明"

CHROME_PATTERNS: tuple[ChromePattern, ...] = (
    _pattern("copyright", _NOT_IN_WORD + r"版权所有[\s:：©]*" + _TOKEN),
    _pattern("copyright_en", r"(?:copyright|©).*$|all\s+rights\s+reserved\.?"),
    _pattern("tech_support", _NOT_IN_WORD + r"技术支持" + _COLON + _TOKEN),
    _pattern("sponsor", _NOT_IN_WORD + _any("主办单位", "承办单位", "协办单位", "主办", "承办", "协办", "维护单位",
                                            "运维单位", "网站维护") + _COLON + _TOKEN),
    _pattern("back_to_top", _any("返回顶部", "回到顶部", "返回页首")),
    _pattern("print", _OPEN + r"?\s*" + _any("打印本页", "打印此页", "打印文章", "打印页面") + r"\s*" + _CLOSE + "?|"
             + _OPEN + r"\s*打\s*印\s*" + _CLOSE),
    _pattern("close_window", _OPEN + r"?\s*" + _any("关闭窗口", "关闭本页", "关闭此页") + r"\s*" + _CLOSE + "?|"
             + _OPEN + r"\s*关\s*闭\s*" + _CLOSE),
    _pattern("font_size", _OPEN + r"?\s*" + _NOT_IN_WORD + r"(?:字体|字号)\s*[:：]?\s*(?:" + _OPEN
             + r"?\s*[大中小默认超]+\s*" + _CLOSE + r"?\s*)*" + _CLOSE + "?"),
    _pattern("share", _NOT_IN_WORD + r"分享到\s*[:：]?.{0,30}"),
    _pattern("breadcrumb", r"^\s*" + _any("您的位置", "您现在的位置", "您当前的位置", "您现在所在的位置",
                                          "您所在的位置", "当前位置", "所在位置", "当前的位置", "位置")
             + r"\s*[:：].*$"
             + r"|^\s*首页\s*(?:>|＞|»|>>|→|/|\\).*$"),
    _pattern("view_count", _NOT_IN_WORD + _any("浏览次数", "浏览量", "访问量", "访问次数", "阅读次数", "阅读量",
                                               "点击数", "点击量", "点击率") + r"\s*[:：]?\s*\d*\s*次?"),
    _pattern("icp", r"[\u4e00-\u9fff]{0,2}ICP\s*备\s*[\d-]+\s*号?(?:\s*-\s*\d+)?|ICP\s*证\s*[:：]?\s*\S*"),
    _pattern("police_record", r"[\u4e00-\u9fff]{0,2}公网安备\s*[:：]?\s*\d*\s*号?"),
    _pattern("site_code", r"(?:网站标识码|网站识别码)\s*[:：]?\s*[0-9A-Za-z]*"),
    _pattern("scan_qr", _NOT_IN_WORD + _any("扫一扫", "用手机扫描", "扫描二维码", "手机扫码") + r".{0,20}"),
    _pattern("prev_next", r"^\s*" + _OPEN + "?" + _any("上一篇", "下一篇", "上一条", "下一条", "上一页", "下一页")
             + _CLOSE + r"?\s*(?:[:：].*)?$"),
    _pattern("site_nav", _NOT_IN_WORD + _any("网站地图", "联系我们", "设为首页", "加入收藏夹", "加入收藏", "添加收藏夹",
                                             "添加收藏", "收藏本站", "无障碍浏览", "无障碍", "网站声明", "隐私声明",
                                             "关于我们", "使用帮助", "繁体版", "简体版", "English", "智能问答")
             + r"(?![\u4e00-\u9fff])"),
    _pattern("page_date", _NOT_IN_WORD + _any("发布日期", "发布时间", "更新时间") + _COLON + _DATE),
    # Bare 日期/时间 also head meeting details in notices ("时间：2021年3月15日"), so
    # only the numeric form CMS templates print counts as chrome.
    _pattern("page_date_numeric", _NOT_IN_WORD + _any("日期", "时间") + _COLON + _NUMERIC_DATE),
    _pattern("page_source", r"[（(]?" + _NOT_IN_WORD + _any("信息来源", "文章来源", "稿件来源", "来源") + _COLON
             + _TOKEN + r"[）)]?"),
    _pattern("page_author", _NOT_IN_WORD + _any("责任编辑", "作者", "编辑", "审核", "校对", "供稿") + _COLON
             + r"[^\s|\t]{0,12}"),
    # Labels left on a line of their own once their value moved to the next line.
    _pattern("bare_label", r"^\s*" + _any("发布时间", "发布日期", "更新时间", "来源", "信息来源", "文章来源",
                                          "浏览次数", "阅读次数", "作者", "责任编辑") + r"\s*[:：]?\s*$"),
    # A page's own date printed alone ("2022/07/07", "[ 2021-03-15 ]"); a document's
    # signing date is written 2019年7月9日 and is not matched.
    _pattern("bare_page_date", r"^\s*[\[【(（]?\s*" + _NUMERIC_DATE + r"\s*[\]】)）]?\s*$"),
    # Listing fields of tender aggregators that republish plans (招标网 pages).
    _pattern("tender_listing", r"^\s*" + _any("招标", "中标", "金额", "项目地址", "公告摘要", "项目编号", "预算金额",
                                              "招标公司", "招标联系人", "标书截止时间", "投标截止时间", "公告正文",
                                              "招标编号") + r"\s*[:：]?\s*-?\s*$"),
    # Injected gambling and porn links ("365足球外围网站", "澳门新葡京娱乐城"): defaced or hijacked pages carry them.
    _pattern("spam", SPAM_WORDS.pattern + r"[^\s|\t，。；]{0,20}"),
    _pattern("metadata_field", _NOT_IN_WORD + r"(?:" + _METADATA_LABEL + r")" + _COLON + r"[^\t|]{0,40}"),
    # Download buttons of 信息公开 pages: "pdf下载 word下载", "【下载文件】".
    _pattern("download", r"(?<![A-Za-z])(?:pdf|word|wps|ofd|docx?|xlsx?|excel|txt)\s*(?:版|格式|文件)?\s*下载"
             + r"|" + _OPEN + r"\s*下载\s*(?:本文|全文|文件|附件)?\s*" + _CLOSE),
    # Toolbar buttons printed as bare words ("打印 关闭 收藏 纠错"); never inside a longer word (打印机).
    _pattern("toolbar", r"(?<![\u4e00-\u9fff])" + _any("打印", "关闭", "收藏", "纠错", "我要纠错", "保存", "朗读",
                                                          "听全文", "分享", "返回", "返回列表", "返回首页", "下载",
                                                          "复制链接", "小程序", "手机版", "微信", "微博", "QQ空间")
             + r"(?![\u4e00-\u9fff])"),
    # "在手机打开当前页", "手机阅读本文": the QR-code box beside an article.
    _pattern("open_on_phone", r"(?:用|在)?手机(?:上)?(?:打开|阅读|浏览|查看)(?:当前页面?|本页|本文|此页)?"),
    # Headings of lists of other articles; the list itself goes with its link-dense block.
    _pattern("related", r"^\s*" + _OPEN + "?" + _any("相关文章", "相关链接", "相关新闻", "相关阅读",
                                                     "相关稿件", "延伸阅读", "推荐阅读", "热点新闻", "热门文章",
                                                     "猜你喜欢", "最新文章", "相关推荐", "相关报道", "相关专题",
                                                     "相关评论", "图片新闻", "幻灯欣赏", "精彩图片")
             + _CLOSE + r"?\s*(?:[:：].*|(?<=[】\]])\s*\S.*)?$"),
    # Disclaimers of portals: the heading, and the sentences every such notice is made of.
    _pattern("disclaimer", r"^\s*" + _OPEN + "?" + _DISCLAIMER_HEADING + _CLOSE + r"?\s*(?:[:：].*)?$"
             + r"|[^。；]*(?:凡本网注明|凡注明[“\"]?来源|本网站?所载|转载请注明|如需转载|请注明出处|不代表本(?:网|站)(?:的)?观点|"
             + r"(?:请|须)与本(?:网|站)联系|如涉及(?:作品内容|版权)|版权归原作者|本(?:网|站)(?:部分)?(?:信息|内容)来源于网络|"
             + r"未经(?:本网|本站)?(?:书面)?(?:授权|许可)[^。；]*(?:转载|复制|使用))[^。；]*[。；]?"),
    # Pagers of articles split over pages: "第1页/共1页 << 上一页 | 下一页 >>", "首页 上一页 下一页 尾页".
    _pattern("pager", r"第\s*\d+\s*页\s*[/／,，]?\s*共\s*\d+\s*页|[<«]{1,2}\s*上一页|下一页\s*[>»]{1,2}"
             + r"|(?<![\u4e00-\u9fff])(?:首页|上一页|下一页|尾页|末页)(?:\s*[|｜]?\s*(?:首页|上一页|下一页|尾页|末页))+"),
    # A page's own time stamp with a verb: "2005-04-05 06:40更新", "2021年3月15日 10:20 发布".
    _pattern("stamp", _DATE + r"\s*(?:更新|发布|发表)(?![\u4e00-\u9fff])"),
    # A portal's header: "欢迎访问某市卫生健康委员会网站 今天是2005年8月16日 星期二".
    _pattern("site_header", _any("欢迎访问", "欢迎光临", "欢迎您", "欢迎来到") + r"[^\s，。]{0,30}"
             + r"|今天是\s*[^\s]{0,20}|星期[一二三四五六日天]"),
)

# Contact details (电话/传真/地址) are body text in a notice, chrome in a footer:
# they count as chrome only beside other chrome, on the same line or the next.
_CONTACT_FIELD = re.compile(r"(?:电话|传真|地址|邮编|邮政编码|e-?mail|邮箱)\s*[:：]\s*[^\s|\t]{0,40}", re.IGNORECASE)
_CELL_SPLIT = re.compile(r"\s*(?:\t|\|)\s*|\s{2,}")
_LABEL_CELL = re.compile(r"^(?:" + _METADATA_LABEL + r")\s*[:：]?")
_WORD_CHARS = re.compile(r"[\w\u4e00-\u9fff]")
_SPACES = re.compile(r"[ \u00a0\u3000\u2000-\u200a\u202f\u205f]+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff]")
_TITLE_NOISE = re.compile(r"[\s\W_]+")

# A line keeps at most this many word characters outside chrome matches and
# still counts as chrome ("发布时间：… 浏览次数：12 【字体：大 中 小】").
_MAX_LEFTOVER = 4
_MAX_LEFTOVER_SHARE = 0.2
_TITLE_SEARCH_LINES = 3
# Labels a metadata table puts before the document's title.
_TITLE_LABEL = re.compile(r"^\s*(?:名\s*称|标\s*题|文件名称|信息名称|题\s*名)\s*[:：]?")

# Numbered items (一、 （二） 3. （4）) are the document's own structure, never
# chrome, even when they read "二、主办单位：省卫生健康委".
_NUMBERED_ITEM = re.compile(
    r"^(?:[（(]?[一二三四五六七八九十]{1,3}[、）).．]|[（(]\d{1,2}[）)]|\d{1,2}[、.．)）](?!\d))"
)


def clean_text(text: str, title: str | None = None) -> str:
    """Drop chrome lines and a leading copy of the title; normalize whitespace line by line."""
    lines = [normalize_line(line) for line in text.splitlines()]
    # Lines of bare separators ("|", "-") are table or layout debris.
    lines = [line for line in lines if _WORD_CHARS.search(line)]
    chrome = [is_chrome(line) for line in lines]
    chrome = _with_adjacent_contacts(lines, chrome)
    chrome = _with_link_lists(lines, chrome)
    chrome = _with_disclaimer_blocks(lines, chrome)
    kept = [line for line, drop in zip(lines, chrome, strict=True) if not drop]
    kept = _without_leading_title(kept, title)
    return "\n".join(kept)


# A list of other pages' titles as text: bullets, no sentence end, often a date at the end.
_BULLET = re.compile(r"^\s*[·•●◆◇■□▪▫►▶〉>※☆★]\s*")
_LISTED_DATE = re.compile(r"[\[【(（]?\s*(?:\d{4}[-/.年])?\d{1,2}[-/.月]\d{1,2}日?\s*[\]】)）]?\s*$")
_SENTENCE_END = re.compile(r"[。；！？]")
_MAX_LISTED_TITLE = 60
# Related-article lists sit after the body: a bulleted run counts only in the text's last part.
_TAIL_SHARE = 0.6
# The heading of such a list ("工作动态") is a short line with no punctuation.
_LIST_HEADING = re.compile(r"^[\u4e00-\u9fff]{2,8}$")


def _with_link_lists(lines: list[str], chrome: list[bool]) -> list[bool]:
    """Also mark runs of listed article titles, with the heading before them, and what follows a 相关文章 heading."""
    marked = list(chrome)
    index = 0
    while index < len(lines):
        end = index
        while end < len(lines) and _is_listed_title(lines[end], index >= _TAIL_SHARE * len(lines)):
            end += 1
        if end - index >= 2:
            marked[index:end] = [True] * (end - index)
            if index and _LIST_HEADING.match(lines[index - 1]):
                marked[index - 1] = True
        index = max(end, index + 1)
    for index, line in enumerate(lines):
        if "related" in matching_patterns(line):
            for following in range(index + 1, len(lines)):
                if not _is_short_title(lines[following]):
                    break
                marked[following] = True
    return marked


# What the paragraphs of a portal's disclaimer talk about.
_DISCLAIMER_WORDS = re.compile(r"本网|本站|网站|转载|著作权|版权|侵权|内容合作方|稿酬|免责|摘编|声明")
_DISCLAIMER_START = re.compile(r"^\s*" + _OPEN + "?" + _DISCLAIMER_HEADING + _CLOSE + r"?\s*(?:[:：]|$)")


def _with_disclaimer_blocks(lines: list[str], chrome: list[bool]) -> list[bool]:
    """Also mark the paragraphs under a disclaimer heading near the end (雅虎中国著作权声明, 免责声明 …)."""
    marked = list(chrome)
    for index, line in enumerate(lines):
        heading = bool(_DISCLAIMER_START.match(line))
        if not heading or index < _TAIL_SHARE * len(lines) / 2:
            continue
        for following in range(index + 1, len(lines)):
            # The notice often ends with whom to call about it (※ 联系电话：…).
            about_it = _DISCLAIMER_WORDS.search(lines[following]) or _CONTACT_FIELD.search(lines[following])
            if not about_it or _NUMBERED_ITEM.match(lines[following]):
                break
            marked[following] = True
    return marked


def _is_listed_title(line: str, in_tail: bool) -> bool:
    """A bulleted line that names another article: short, no sentence, dated or near the end."""
    if not _BULLET.match(line) or not _is_short_title(_BULLET.sub("", line)):
        return False
    return in_tail or bool(_LISTED_DATE.search(line))


def _is_short_title(line: str) -> bool:
    return len(line) <= _MAX_LISTED_TITLE and not _SENTENCE_END.search(line) and not _NUMBERED_ITEM.match(line)


def normalize_line(line: str) -> str:
    """Collapse whitespace runs (nbsp and ideographic spaces included) and strip indentation."""
    line = _ZERO_WIDTH.sub("", line)
    cells = line.split("\t")
    return "\t".join(_SPACES.sub(" ", cell).strip() for cell in cells).strip()


def is_chrome(line: str) -> bool:
    """True when chrome patterns or metadata-table labels account for (almost) the whole line."""
    if _NUMBERED_ITEM.match(line):
        return False
    if _is_metadata_row(line):
        return True
    covered = chrome_spans(line)
    if not covered:
        return False
    for match in _CONTACT_FIELD.finditer(line):
        covered[match.start():match.end()] = [True] * (match.end() - match.start())
    leftover = "".join(char for index, char in enumerate(line) if not covered[index])
    leftover_words = len(_WORD_CHARS.findall(leftover))
    total_words = len(_WORD_CHARS.findall(line))
    return leftover_words <= max(_MAX_LEFTOVER, _MAX_LEFTOVER_SHARE * total_words)


def chrome_spans(line: str) -> list[bool] | None:
    """Per character of ``line``, whether some chrome pattern covers it; None if none matches."""
    covered = [False] * len(line)
    found = False
    for pattern in CHROME_PATTERNS:
        for match in pattern.regex.finditer(line):
            if match.end() > match.start():
                found = True
                covered[match.start():match.end()] = [True] * (match.end() - match.start())
    return covered if found else None


def matching_patterns(line: str) -> list[str]:
    """Names of the chrome patterns that match somewhere in ``line``."""
    return [pattern.name for pattern in CHROME_PATTERNS if pattern.regex.search(line)]


def _is_metadata_row(line: str) -> bool:
    """A row of the 信息公开 table pasted into the text: several cells that are catalogue labels."""
    cells = [cell for cell in _CELL_SPLIT.split(line) if cell]
    if len(cells) < 3:
        return False
    labels = sum(1 for cell in cells if _LABEL_CELL.match(cell))
    return labels >= 2 and labels * 3 >= len(cells)


def _with_adjacent_contacts(lines: list[str], chrome: list[bool]) -> list[bool]:
    """Also mark footer contact lines (two or more 电话/传真/地址 fields) that touch chrome."""
    marked = list(chrome)
    changed = True
    while changed:
        changed = False
        for index, line in enumerate(lines):
            if marked[index] or len(_CONTACT_FIELD.findall(line)) < 2:
                continue
            neighbours = marked[max(index - 1, 0):index] + marked[index + 1:index + 2]
            if any(neighbours):
                marked[index] = changed = True
    return marked


def _without_leading_title(lines: list[str], title: str | None) -> list[str]:
    """Drop copies of the page title among the first lines: the <h1>, and the 名称 row of a metadata table."""
    wanted = _TITLE_NOISE.sub("", title or "")
    if not wanted:
        return lines
    head = lines[:_TITLE_SEARCH_LINES]
    # Titled rows may come first ("名称：…" of the table), then the heading itself; drop every copy.
    kept_head = [line for line in head if not _is_title_copy(_TITLE_NOISE.sub("", _TITLE_LABEL.sub("", line)), wanted)]
    return kept_head + lines[_TITLE_SEARCH_LINES:]


# A headline may carry a word the <title> drops ("…座谈会强调" over "…座谈会").
_MAX_HEADLINE_EXTRA = 3


def _is_title_copy(line: str, title: str) -> bool:
    return line == title or (line.startswith(title) and len(line) - len(title) <= _MAX_HEADLINE_EXTRA)
