"""Dates as Chinese government pages print them, read as ISO dates.

Forms in use: 2024-03-05, 2024/3/5, 2024.03.05, 20240305, 2024年3月5日 and
2024年03月05日 (with or without spaces inside), full-width digits
(２０２４年３月５日), and the numeral form of signatures: 二〇二四年三月五日
(〇, ○, 零 or O for zero; 十 and 二十 in months and days).
"""

from __future__ import annotations

import datetime
import re
import unicodedata

DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})(?!\d)\s*日?")
_COMPACT_DATE = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})$")
_ZEROS = "〇○零OΟ"
CHINESE_DIGITS = {char: index for index, char in enumerate("〇一二三四五六七八九")} | {zero: 0 for zero in _ZEROS}
CHINESE_DATE = re.compile(
    rf"([{_ZEROS}一二三四五六七八九]{{4}})\s*年\s*([一二三四五六七八九十]{{1,2}})\s*月\s*([一二三四五六七八九十]{{1,3}})\s*日"
)
# A signing date on a line of its own: 2019年7月9日, 2019年07月09日, 二〇一九年七月九日.
SIGNING_DATE = re.compile(r"(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|" + CHINESE_DATE.pattern)


def parse_date(value: str | None) -> str | None:
    """The first date in ``value`` as ISO (2021-03-15), in any of the forms above; None if none."""
    if not value:
        return None
    # NFKC turns full-width digits and punctuation (２０２１／０３／１５) into ASCII.
    value = unicodedata.normalize("NFKC", value).strip()
    match = DATE.search(value) or _COMPACT_DATE.search(value)
    if match:
        return iso_date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = CHINESE_DATE.search(value)
    if match:
        year = int("".join(str(CHINESE_DIGITS[char]) for char in match.group(1)))
        return iso_date(year, chinese_number(match.group(2)), chinese_number(match.group(3)))
    return None


def is_signing_date(line: str) -> bool:
    """True when a line is nothing but a date in words or with 年月日 (how letters are signed)."""
    return bool(SIGNING_DATE.fullmatch(unicodedata.normalize("NFKC", line).strip()))


def iso_date(year: int, month: int, day: int) -> str | None:
    """YYYY-MM-DD, or None for an impossible date (2021-02-30)."""
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def chinese_number(numeral: str) -> int:
    """Value of a Chinese numeral up to 三十一 (month and day numbers); -1 if malformed."""
    tens, has_ten, units = numeral.partition("十")
    if not has_ten:
        return CHINESE_DIGITS.get(numeral, -1) if len(numeral) == 1 else -1
    tens_value = CHINESE_DIGITS.get(tens, -1) if tens else 1
    units_value = CHINESE_DIGITS.get(units, -1) if units else 0
    return -1 if min(tens_value, units_value) < 0 else tens_value * 10 + units_value
