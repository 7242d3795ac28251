"""The simulated sites: national, provincial, city and county commissions on six CMS families, and a tender aggregator.

Names and GB/T 2260 region codes are real; hosts, ids, filing numbers and codes are invented.
The first six are simweb v1's sites, unchanged, and stay first: the first TRS site and the
first Hanweb site in registry order are kept free of faults and hidden plans on days 0 and 1.
"""

from __future__ import annotations

import hashlib

from simweb.families import FAMILIES
from simweb.model import Column, Site

V1_SITES: tuple[Site, ...] = (
    Site(
        id="sim-hb-wjw",
        name="湖北省卫生健康委员会",
        former_name="湖北省卫生和计划生育委员会",
        short="湖北",
        scope="全省",
        level="province",
        province="湖北省",
        city=None,
        county=None,
        region_code="420000",
        cms="trs",
        columns=(
            Column("tzgg", "通知公告", "政务公开"),
            Column("xxgk/ghjh", "规划计划", "信息公开"),
        ),
        since=2015,
        page_size=15,
        doc_prefix="鄂卫通",
        former_doc_prefix="鄂卫生计生通",
        org_code="011043617",
        meta_charset='<meta charset="gbk">',
        header_charset="GBK",
        tech_support="拓尔思信息技术股份有限公司",
        icp="鄂ICP备05003301号",
        police_record="鄂公网安备 42010602000234号",
        site_code="4200000031",
        domain="wjw.hubei.gov.cn",
        date_style="cn_padded",
    ),
    Site(
        id="sim-jm-wjw",
        name="荆门市卫生健康委员会",
        former_name="荆门市卫生和计划生育委员会",
        short="荆门",
        scope="全市",
        level="city",
        province="湖北省",
        city="荆门市",
        county=None,
        region_code="420800",
        cms="trs",
        columns=(
            Column("tzgg", "通知公告", "政务公开"),
            Column("ghjh", "规划计划", "政务公开"),
            # An old policy-file column the site keeps linked but tells robots to stay out of.
            Column("zcwj", "政策文件", "政务公开", robots_disallowed=True),
        ),
        since=2015,
        page_size=12,
        doc_prefix="荆卫发",
        former_doc_prefix="荆卫计发",
        org_code="011126548",
        meta_charset='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
        header_charset=None,
        tech_support="湖北荆楚网络科技股份有限公司",
        icp="鄂ICP备11009872号",
        police_record="鄂公网安备 42080202000117号",
        site_code="4208000022",
        domain="wjw.jingmen.gov.cn",
        truncates_titles=True,
    ),
    Site(
        id="sim-sy-wjj",
        name="沙洋县卫生健康局",
        former_name="沙洋县卫生和计划生育局",
        short="沙洋",
        scope="全县",
        level="county",
        province="湖北省",
        city="荆门市",
        county="沙洋县",
        region_code="420822",
        cms="trs",
        columns=(
            Column("zwgk/tzgg", "通知公告", "政务公开"),
            Column("zwgk/ghjh", "规划计划", "政务公开"),
        ),
        since=2016,
        page_size=10,
        doc_prefix="沙卫健发",
        former_doc_prefix="沙卫计发",
        org_code="MB1723056",
        meta_charset='<meta http-equiv="Content-Type" content="text/html; charset=gb2312">',
        header_charset="GBK",
        tech_support="荆门市信息技术服务有限公司",
        icp="鄂ICP备16004211号-2",
        police_record="鄂公网安备 42082202000031号",
        site_code="4208220003",
        domain="www.shayang.gov.cn",
        date_style="cn",
    ),
    Site(
        id="sim-zj-wsjkw",
        name="浙江省卫生健康委员会",
        former_name="浙江省卫生和计划生育委员会",
        short="浙江",
        scope="全省",
        level="province",
        province="浙江省",
        city=None,
        county=None,
        region_code="330000",
        cms="hanweb",
        columns=(
            Column("1229560650", "通知公告", "政务公开", unit_id=5417236),
            Column("1229560658", "政策文件", "信息公开", unit_id=5417241),
        ),
        since=2015,
        page_size=15,
        doc_prefix="浙卫发",
        former_doc_prefix="浙卫计发",
        org_code="002482365",
        meta_charset='<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">',
        header_charset="UTF-8",
        tech_support="浙江省大数据发展中心",
        icp="浙ICP备05002373号",
        police_record="浙公网安备 33010602010458号",
        site_code="3300000044",
        domain="wsjkw.zj.gov.cn",
        web_id=3296,
    ),
    Site(
        id="sim-yz-wjw",
        name="扬州市卫生健康委员会",
        former_name="扬州市卫生和计划生育委员会",
        short="扬州",
        scope="全市",
        level="city",
        province="江苏省",
        city="扬州市",
        county=None,
        region_code="321000",
        cms="hanweb",
        columns=(
            Column("46301", "通知公告", "政务公开", unit_id=155703),
            Column("46305", "规划计划", "政府信息公开", unit_id=155711),
        ),
        since=2015,
        page_size=12,
        doc_prefix="扬卫发",
        former_doc_prefix="扬卫计发",
        org_code=None,
        meta_charset='<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">',
        header_charset="UTF-8",
        tech_support="南京大汉网络有限公司",
        icp="苏ICP备05075113号",
        police_record="苏公网安备 32100202010187号",
        site_code="3210000037",
        domain="wjw.yangzhou.gov.cn",
        date_style="cn",
        truncates_titles=True,
        web_id=28,
    ),
    Site(
        id="sim-hy-wjj",
        name="台州市黄岩区卫生健康局",
        former_name="台州市黄岩区卫生和计划生育局",
        short="黄岩",
        scope="全区",
        level="county",
        province="浙江省",
        city="台州市",
        county="黄岩区",
        region_code="331003",
        cms="hanweb",
        columns=(Column("1229391722", "规划计划", "政府信息公开", unit_id=7061854),),
        since=2018,
        page_size=10,
        doc_prefix="黄卫健",
        former_doc_prefix="黄卫计",
        org_code=None,
        meta_charset='<meta http-equiv="Content-Type" content="text/html; charset=UTF-8">',
        header_charset="UTF-8",
        tech_support="大汉软件股份有限公司",
        icp="浙ICP备05035418号",
        police_record="浙公网安备 33100302000265号",
        site_code="3310030012",
        domain="www.zjhy.gov.cn",
        web_id=4211,
    ),
)


# id, name, short, level, province, city, county, GB/T 2260 code, cms, host, 文号 prefix, options
_ROWS: tuple[tuple, ...] = (
    ("sim-nhc", "国家卫生健康委员会", "全国", "national", None, None, None, "100000", "trs", "www.nhc.gov.cn", "国卫办",
     {"page_style": "index1", "page_ext": "shtml", "encoding": "utf-8", "header": "UTF-8", "meta": "utf-8", "scope": "全国"}),
    ("sim-ln-wsjk", "辽宁省卫生健康委员会", "辽宁", "province", "辽宁省", None, None, "210000", "trs", "wsjk.ln.gov.cn", "辽卫发", {}),
    ("sim-cq-wsjkw", "重庆市卫生健康委员会", "重庆", "province", "重庆市", None, None, "500000", "trs", "wsjkw.cq.gov.cn", "渝卫发",
     {"page_style": "index1", "page_ext": "shtml", "scope": "全市"}),
    ("sim-gz-wjw", "贵州省卫生健康委员会", "贵州", "province", "贵州省", None, None, "520000", "trs", "wjw.guizhou.gov.cn", "黔卫健发", {"tables": True}),
    ("sim-xz-wjw", "西藏自治区卫生健康委员会", "西藏", "province", "西藏自治区", None, None, "540000", "trs", "wjw.xizang.gov.cn", "藏卫发",
     {"scope": "全区", "since": 2017}),
    ("sim-ha-wsjkw", "河南省卫生健康委员会", "河南", "province", "河南省", None, None, "410000", "trs", "wsjkw.henan.gov.cn", "豫卫发",
     {"page_style": "index1", "page_ext": "shtml", "encoding": "gb18030", "meta": "gb18030"}),
    ("sim-sh-wsjkw", "上海市卫生健康委员会", "上海", "province", "上海市", None, None, "310000", "trs", "wsjkw.sh.gov.cn", "沪卫计",
     {"page_ext": "shtml", "encoding": "utf-8", "header": "UTF-8", "meta": "utf-8", "scope": "全市"}),
    ("sim-js-wjw", "江苏省卫生健康委员会", "江苏", "province", "江苏省", None, None, "320000", "hanweb", "wjw.jiangsu.gov.cn", "苏卫规划", {"tables": True}),
    ("sim-tj-wsjk", "天津市卫生健康委员会", "天津", "province", "天津市", None, None, "120000", "hanweb", "wsjk.tj.gov.cn", "津卫规", {"scope": "全市"}),
    ("sim-sn-sxwjw", "陕西省卫生健康委员会", "陕西", "province", "陕西省", None, None, "610000", "hanweb", "sxwjw.shaanxi.gov.cn", "陕卫发", {}),
    ("sim-jx-hc", "江西省卫生健康委员会", "江西", "province", "江西省", None, None, "360000", "hanweb", "hc.jiangxi.gov.cn", "赣卫发", {}),
    ("sim-hz-wjw", "杭州市卫生健康委员会", "杭州", "city", "浙江省", "杭州市", None, "330100", "jpaas", "wjw.hangzhou.gov.cn", "杭卫发", {}),
    ("sim-nb-wjw", "宁波市卫生健康委员会", "宁波", "city", "浙江省", "宁波市", None, "330200", "jpaas", "wjw.ningbo.gov.cn", "甬卫发", {"tables": True}),
    ("sim-wz-wjw", "温州市卫生健康委员会", "温州", "city", "浙江省", "温州市", None, "330300", "jpaas", "wjw.wenzhou.gov.cn", "温卫发", {}),
    ("sim-tl-wjj", "桐庐县卫生健康局", "桐庐", "county", "浙江省", "杭州市", "桐庐县", "330122", "jpaas", "www.tonglu.gov.cn", "桐卫健", {"since": 2018}),
    ("sim-gd-wsjkw", "广东省卫生健康委员会", "广东", "province", "广东省", None, None, "440000", "gkmlpt", "wsjkw.gd.gov.cn", "粤卫规划", {"tables": True}),
    ("sim-gzh-wjw", "广州市卫生健康委员会", "广州", "city", "广东省", "广州市", None, "440100", "gkmlpt", "wjw.gz.gov.cn", "穗卫规字", {}),
    ("sim-sz-wjw", "深圳市卫生健康委员会", "深圳", "city", "广东省", "深圳市", None, "440300", "gkmlpt", "wjw.sz.gov.cn", "深卫健", {}),
    ("sim-zh-wjj", "珠海市卫生健康局", "珠海", "city", "广东省", "珠海市", None, "440400", "gkmlpt", "wsjkj.zhuhai.gov.cn", "珠卫", {}),
    ("sim-ns-wjj", "深圳市南山区卫生健康局", "南山", "county", "广东省", "深圳市", "南山区", "440305", "gkmlpt", "www.szns.gov.cn", "南卫健", {"since": 2018}),
    ("sim-nx-wsjkw", "宁夏回族自治区卫生健康委员会", "宁夏", "province", "宁夏回族自治区", None, None, "640000", "vsb", "wsjkw.nx.gov.cn", "宁卫发",
     {"scope": "全区", "encoding": "gbk", "meta": "gbk", "header": "GBK"}),
    ("sim-xj-wjw", "新疆维吾尔自治区卫生健康委员会", "新疆", "province", "新疆维吾尔自治区", None, None, "650000", "vsb", "wjw.xinjiang.gov.cn", "新卫发",
     {"scope": "全区", "since": 2016}),
    ("sim-hlj-wsjkw", "黑龙江省卫生健康委员会", "黑龙江", "province", "黑龙江省", None, None, "230000", "vsb", "wsjkw.hlj.gov.cn", "黑卫发",
     {"encoding": "gbk", "meta": "gb2312", "header": "UTF-8"}),
    ("sim-pc-wjj", "平昌县卫生健康局", "平昌", "county", "四川省", "巴中市", "平昌县", "511923", "vsb", "www.scpc.gov.cn", "平卫健", {"since": 2017}),
    ("sim-jz-wjw", "晋中市卫生健康委员会", "晋中", "city", "山西省", "晋中市", None, "140700", "generic", "wjw.sxjz.gov.cn", "市卫健发",
     {"shape": "portal"}),
    ("sim-czh-zb", "采招汇招标采购信息网", "全国", "national", None, None, None, "100000", "generic", "www.caizhaohui.com", "",
     {"shape": "aggregator", "since": 2016}),
    ("sim-wh-wjw", "武汉市卫生健康委员会", "武汉", "city", "湖北省", "武汉市", None, "420100", "trs", "wjw.wuhan.gov.cn", "武卫生计生",
     {"page_ext": "shtml"}),
    ("sim-yc-wjw", "宜昌市卫生健康委员会", "宜昌", "city", "湖北省", "宜昌市", None, "420500", "trs", "wjw.yichang.gov.cn", "宜卫发",
     {"encoding": "gbk", "header": "UTF-8", "meta": "gb2312"}),
    ("sim-sy-wsjk", "沈阳市卫生健康委员会", "沈阳", "city", "辽宁省", "沈阳市", None, "210100", "trs", "wsjk.shenyang.gov.cn", "沈卫发", {}),
    ("sim-gy-wjw", "贵阳市卫生健康局", "贵阳", "city", "贵州省", "贵阳市", None, "520100", "trs", "wjw.guiyang.gov.cn", "筑卫健发", {}),
    ("sim-zy-wjw", "遵义市卫生健康局", "遵义", "city", "贵州省", "遵义市", None, "520300", "trs", "wjw.zunyi.gov.cn", "遵卫健发", {"page_style": "index1"}),
    ("sim-zz-wjw", "郑州市卫生健康委员会", "郑州", "city", "河南省", "郑州市", None, "410100", "trs", "wjw.zhengzhou.gov.cn", "郑卫",
     {"page_style": "index1", "page_ext": "shtml"}),
    ("sim-cd-wjw", "成都市卫生健康委员会", "成都", "city", "四川省", "成都市", None, "510100", "trs", "cdwjw.chengdu.gov.cn", "成卫健", {}),
    ("sim-nj-wjw", "南京市卫生健康委员会", "南京", "city", "江苏省", "南京市", None, "320100", "hanweb", "wjw.nanjing.gov.cn", "宁卫", {}),
    ("sim-su-wjw", "苏州市卫生健康委员会", "苏州", "city", "江苏省", "苏州市", None, "320500", "hanweb", "wsjkw.suzhou.gov.cn", "苏卫", {}),
    ("sim-jn-wjw", "济南市卫生健康委员会", "济南", "city", "山东省", "济南市", None, "370100", "hanweb", "jnmhc.jinan.gov.cn", "济卫发", {}),
    ("sim-hf-wjw", "合肥市卫生健康委员会", "合肥", "city", "安徽省", "合肥市", None, "340100", "hanweb", "wjw.hefei.gov.cn", "合卫", {}),
    ("sim-zx-wjj", "钟祥市卫生健康局", "钟祥", "county", "湖北省", "荆门市", "钟祥市", "420881", "trs", "www.zhongxiang.gov.cn", "钟卫健", {"since": 2017}),
    ("sim-jnq-wjj", "南京市江宁区卫生健康委员会", "江宁", "county", "江苏省", "南京市", "江宁区", "320115", "hanweb", "www.jiangning.gov.cn", "江宁卫健",
     {"since": 2017}),
)

_ICP_PREFIX = {"湖北": "鄂", "辽宁": "辽", "重庆": "渝", "贵州": "黔", "西藏": "藏", "河南": "豫", "上海": "沪", "江苏": "苏", "天津": "津",
               "陕西": "陕", "江西": "赣", "浙江": "浙", "广东": "粤", "宁夏": "宁", "新疆": "新", "黑龙江": "黑", "四川": "蜀", "山西": "晋",
               "山东": "鲁", "安徽": "皖", "湖南": "湘"}


def _digits(site_id: str, salt: str, width: int) -> int:
    """A stable number for a site, so that invented codes never change between runs."""
    value = int(hashlib.sha256(f"{site_id}:{salt}".encode()).hexdigest(), 16)
    return value % 10 ** width


def _former(name: str) -> str:
    return name.replace("卫生健康委员会", "卫生和计划生育委员会").replace("卫生健康局", "卫生和计划生育局")


def _make(row: tuple) -> Site:
    site_id, name, short, level, province, city, county, code, cms, host, prefix, options = row
    n = _digits(site_id, "n", 8)
    province_short = (province or "北京市").replace("回族自治区", "").replace("维吾尔自治区", "").replace("自治区", "").rstrip("省市")
    icp = _ICP_PREFIX.get(province_short, "京")
    encoding = options.get("encoding", "gbk" if cms == "trs" and n % 3 else "utf-8" if cms != "trs" else "gb2312")
    meta = options.get("meta", encoding)
    meta_tag = (f'<meta http-equiv="Content-Type" content="text/html; charset={meta}">' if n % 2 else f'<meta charset="{meta}">')
    header = options.get("header", {"gbk": "GBK", "gb2312": None, "gb18030": None}.get(encoding, "UTF-8"))
    keys = {"a": str(1229000000 + _digits(site_id, "a", 6)), "b": str(1229000000 + _digits(site_id, "b", 6))}
    if cms in ("jpaas",):
        keys = {"a": str(1228960000 + _digits(site_id, "a", 5)), "b": str(1228960000 + _digits(site_id, "b", 5))}
    if cms == "gkmlpt":
        keys = {"a": str(2000 + _digits(site_id, "a", 3)), "b": str(3000 + _digits(site_id, "b", 3))}
    if "columns" in options:
        columns = options["columns"]
    elif cms == "generic" and options.get("shape") == "aggregator":
        columns = (Column("zbgg", "招标公告", "招标采购"), Column("hyzx", "行业资讯", "资讯中心"))
    else:
        columns = tuple(
            Column(key.format(**keys), col_name, section, unit_id=(1000 + _digits(site_id, key, 3)) if unit else
                   (5000000 + _digits(site_id, key, 6) if cms == "hanweb" else 0))
            for key, col_name, section, unit in FAMILIES[cms].COLUMNS
        )
    if site_id == "sim-pc-wjj":
        # A county that keeps a linked 政策文件 column out of robots' reach.
        columns += (Column("zwgk/zcwj", "政策文件", "政务公开", unit_id=1099, robots_disallowed=True),)
    region = county or city or province or "国家"
    techs = FAMILIES[cms].TECH
    tech = techs[n % len(techs)].format(short=short, region=region) if not options.get("shape") == "aggregator" else "北京采招汇科技有限公司"
    return Site(
        id=site_id, name=name, former_name=_former(name), short=short,
        scope=options.get("scope", {"national": "全国", "province": "全省", "city": "全市", "county": "全县"}[level]
                          if not (county or "").endswith("区") else "全区"),
        level=level, province=province, city=city, county=county, region_code=code, cms=cms, columns=columns,
        since=options.get("since", 2015), page_size=(6, 8, 10, 12)[n % 4],
        doc_prefix=prefix, former_doc_prefix=prefix.replace("卫健", "卫计").replace("卫生计生", "卫计") if prefix else "",
        org_code=None if cms in ("generic",) or (cms == "hanweb" and n % 2) else f"{_digits(site_id, 'org', 9):09d}",
        meta_charset=meta_tag, header_charset=header,
        tech_support=tech, icp=f"{icp}ICP备{_digits(site_id, 'icp', 8):08d}号", police_record=f"{icp}公网安备 {code}02{_digits(site_id, 'ga', 6):06d}号",
        site_code=f"{code[:4]}{_digits(site_id, 'code', 6):06d}", domain=host,
        date_style=("iso", "cn", "cn_padded")[n % 3], truncates_titles=bool(n % 5 == 0),
        web_id=(1000 + _digits(site_id, "web", 4)) if cms in ("hanweb", "jpaas", "gkmlpt") else 0,
        encoding=encoding, page_style=options.get("page_style", "index"), page_ext=options.get("page_ext", "html"),
        tpl_set_id=f"{_digits(site_id, 'tpl', 20):020x}"[:22] if cms == "jpaas" else "",
        shape=options.get("shape", ""), tables=options.get("tables", False),
    )


def _mechanic_columns(keys: tuple[str, str], first_unit: int) -> tuple[Column, ...]:
    return (Column(keys[0], "通知公告", "政务公开", unit_id=first_unit), Column(keys[1], "规划计划", "政务公开", unit_id=first_unit + 1))


# Cities whose lists use the real web's other mechanics (simweb/mechanics.py), registered as `generic` as a
# careful new user would; they come last so that every other site keeps its host.
_MECHANIC_ROWS = (
    ("sim-xy-wjw", "襄阳市卫生健康委员会", "襄阳", "city", "湖北省", "襄阳市", None, "420600", "generic", "wjw.xiangyang.gov.cn", "襄卫发",
     {"shape": "form", "columns": _mechanic_columns(("tzgg", "ghjh"), 1021)}),
    ("sim-zhz-wjw", "株洲市卫生健康委员会", "株洲", "city", "湖南省", "株洲市", None, "430200", "generic", "wjw.zhuzhou.gov.cn", "株卫发",
     {"shape": "script", "columns": _mechanic_columns(("tzgg", "ghjh"), 2031)}),
    ("sim-my-wjw", "绵阳市卫生健康委员会", "绵阳", "city", "四川省", "绵阳市", None, "510700", "generic", "wjw.my.gov.cn", "绵卫发",
     {"shape": "frame", "columns": _mechanic_columns(("tzgg", "ghjh"), 3041)}),
    ("sim-ly-wjw", "洛阳市卫生健康委员会", "洛阳", "city", "河南省", "洛阳市", None, "410300", "generic", "wsjkw.ly.gov.cn", "洛卫",
     {"shape": "gbkquery", "encoding": "gbk", "meta": "gbk", "header": "GBK",
      "columns": _mechanic_columns(("通知公告", "规划计划"), 4051)}),
)

SITES: tuple[Site, ...] = V1_SITES + tuple(_make(row) for row in _ROWS + _MECHANIC_ROWS)
