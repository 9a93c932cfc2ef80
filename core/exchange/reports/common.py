"""What the notification and the award documents share: the issuer's name and the publication words."""

import re

OFFICIAL = "正式发布"
UNOFFICIAL = "未发布"

# Words a scheme's title may end with; the notification's title keeps what comes before them.
_TITLE_ENDINGS = ("政务信息考核计分办法", "政务信息考核办法", "政务信息考核方案", "政务信息考核与奖励办法",
                  "政务信息工作考核办法", "信息考核办法", "考核计分办法", "考核办法", "考核方案",
                  "政务信息考核计分", "政务信息考核", "政务信息工作", "政务信息")


def issuer_of(scheme):
    """The name a report is issued under: the scheme's title without its year and 「考核办法」.

    「清江市2025年度市政府系统政务信息考核」 → 「清江市政府系统」.
    """
    base = re.sub(r"\d{4}\s*年度?", "", (scheme.title or scheme.name).strip()) or scheme.name
    for ending in _TITLE_ENDINGS:
        if base.endswith(ending) and len(base) > len(ending):
            base = base[: -len(ending)]
            break
    return base.replace("市市", "市")


