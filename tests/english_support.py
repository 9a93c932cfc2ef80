"""What the English-mode tests share: the catalogue as {Chinese: English}, the placeholders of a
template, and the pattern of a Chinese character."""

import re
import string
from pathlib import Path

from babel.messages.pofile import read_po

HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
CATALOGUE = Path(__file__).resolve().parent.parent / "admin/translations/en/LC_MESSAGES/messages.po"


def english():
    with open(CATALOGUE, "rb") as source:
        return {m.id: m.string for m in read_po(source) if m.id}


def placeholders(template):
    return sorted({name for _text, name, _spec, _conv in string.Formatter().parse(template)
                   if name is not None})
