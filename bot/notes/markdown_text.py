"""Markdown article bodies turned into clean paragraphs a person can read in a chat.

Choices worth knowing:
- Images, their glued captions ("Image: X", "*Source: X*") and image-only paragraphs go.
- Links keep their text; paragraphs that are nothing but links (ZDNet "Related Coverage",
  "Related posts" lists, bare URL lists) go, as does JSON-LD.
- Layout tags (``<p>``, ``<span>``, ``<br>`` …) go; ``<script>`` is kept as text, since articles
  quote it as the payload they report on (renderers escape it).
- Code fences are dropped: YARA rules and shell logs joined into one line are unreadable in a
  chat and would drown prose in search.
- A table row becomes one paragraph, ``Header: cell; Header: cell``, so each row reads alone.
- List items of one paragraph are joined with ``; `` unless an item already ends a sentence.
- Site boilerplate (ZDNet's "SEE:" / "Also:" link lines, webinar and newsletter promotions) goes
  (``boilerplate.py``).
"""

from __future__ import annotations

import html
import re

from bot.notes.boilerplate import is_boilerplate
from bot.notes.characters import drop_invisible
from bot.notes.sentences import bounded_passages

_IMAGE_MARK = "\x00"
# Every pattern here runs on note text, which may be hostile and up to 5 MB: each must be linear
# in its input. Runs that could be split two ways (``\s*`` beside ``\s+``) are possessive
# (``*+``, ``++``), so a failed match never retries the splits; and a text in brackets stops at
# the next bracket, so the attempts at many openings never rescan the same text (``"![x " * 20000``
# took 4.8 s when an image's alt text could run on to the end of the note).
_URL = r"(?:[^()\s]++|\([^()\s]*+\))*+"
_TITLE = r"""(?:\s++(?:"[^"]*+"|'[^']*+'))?"""
_DEST = rf"\(\s*+<?{_URL}>?{_TITLE}\s*+\)"
_LABEL = r"(?:[^\[\]]++|\[[^\[\]]*+\])*+"
_LINKED_IMAGE = re.compile(rf"\[\s*+!\[[^\[\]]*+\]{_DEST}\s*+\]{_DEST}")
_IMAGE = re.compile(rf"!\[[^\[\]]*+\]{_DEST}")
_HTML_IMAGE = re.compile(r"<img\b[^<>]*+>", re.IGNORECASE)
_LINK = re.compile(rf"\[({_LABEL})\]{_DEST}")
_LOOSE_LINK = re.compile(r"\[([^\[\]]*+)\]\((?:[^()\n]++|\((?:[^()\n]++|\([^()\n]*+\))*+\))*+\)")
_BROKEN_LINK = re.compile(r"\[([^\[\]]*+)\]\((?:[a-z]+:|/|#)\S*+", re.IGNORECASE)
_AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^<>\s]+)>", re.IGNORECASE)
_HTML_TAG = re.compile(
    r"</?(?:a|abbr|article|aside|b|blockquote|br|center|cite|code|dd|div|dl|dt|em|figcaption|"
    r"figure|font|h[1-6]|hr|i|iframe|img|ins|kbd|li|mark|noscript|ol|p|pre|q|s|section|small|"
    r"span|strike|strong|sub|sup|table|tbody|td|tfoot|th|thead|tr|u|ul|video)\b[^<>]*>",
    re.IGNORECASE,
)
_STRONG = re.compile(r"(?<!\\)(?:\*\*+|__+)")
_EM_STAR = re.compile(r"(?<![\\\w*])\*(?=[^\s*])|(?<=[^\s\\*])\*(?![\w*])")
# ``_em_`` is found by its two ends, then paired in one pass (see _strip_underscore_emphasis).
_EM_OPEN = re.compile(r"(?<![\w\\])_(?=[^\s_])")
_EM_CLOSE = re.compile(r"(?<=[^\s_\\])_(?!\w)")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~\"'])")

_MARKUP_STARTS = frozenset("#=-*_|`~>")
_FENCE = re.compile(r"^\s*(```|~~~)")
_ATX_HEADING = re.compile(r"^\s*#{1,6}(?:\s|$)")
_SETEXT_UNDERLINE = re.compile(r"^\s*(?:=+|-+)\s*$")
_THEMATIC_BREAK = re.compile(r"^\s*([-*_])(?:\s*\1){2,}\s*$")
_QUOTE = re.compile(r"^\s*(?:>\s?)+")
_TABLE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_TABLE_SEPARATOR = re.compile(r"^\s*+\|?\s*+:?-{2,}+:?\s*+(?:\|\s*+:?-{2,}+:?\s*+)*+\|?\s*+$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_LEADING_UNKNOWN = re.compile(r"\A\s*Unknown[ \t]*(?:\n|\Z)")

_CAPTION = re.compile(
    r"^[\s*_]*(?:image|images|source|credit|credits|photo|picture|screenshot|figure|fig\.)"
    r"\s*(?::|by\b|courtesy\b)",
    re.IGNORECASE,
)
_EMPHASIS_ONLY = re.compile(r"^\s*([*_]{1,3})[^*_].*?\1\s*$")
_CAPTION_ONLY_PARAGRAPH = re.compile(
    r"^(?:image|images|source|credit|credits|photo|picture|screenshot)s?\s*:.{0,100}$", re.IGNORECASE
)
_BOILERPLATE = re.compile(
    r"^(?:previous and )?related (?:coverage|stories|posts|articles|reading)\s*:?$", re.IGNORECASE
)
_LINK_ONLY_LINE = re.compile(
    rf"^[\s*_]*+(?:\[{_LABEL}\]{_DEST}|<[a-z]+:[^<>\s]++>|https?://\S++)[\s*_.,;:|–—-]*+$",
    re.IGNORECASE,
)
_AD_MARK = re.compile(r"^ADVERTISEMENT\s*")
_JSON_BLOB = re.compile(r'^\s*\{\s*"')
_SENTENCE_END = frozenset(".!?:;,")
_CAPTION_MAX = 150
_LABEL_MAX = 40


def normalise_space(text: str) -> str:
    """One line of plain text: invisible characters gone, any whitespace run a single space."""
    return " ".join(drop_invisible(text).split())


def clean_inline(text: str) -> str:
    """Inline markdown and HTML reduced to the words a reader sees."""
    if "](" in text:
        text = _LINKED_IMAGE.sub(" ", text)
        text = _IMAGE.sub(" ", text)
        text = _LINK.sub(r"\1", text)
        if "](" in text:
            text = _BROKEN_LINK.sub(r"\1", _LOOSE_LINK.sub(r"\1", text))
    if "*" in text:
        text = _EM_STAR.sub("", _STRONG.sub("", text))
    if "_" in text:
        text = _strip_underscore_emphasis(_STRONG.sub("", text))
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    text = text.replace("`", "")
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _AUTOLINK.sub(r"\1", text)
        text = _HTML_TAG.sub(" ", text)
    return normalise_space(text)


def _strip_underscore_emphasis(text: str) -> str:
    """``_word_`` -> ``word``: each opening ``_`` pairs with the first closing one after it on its
    line, as the lazy ``_(.+?)_`` did, but in one pass over both ends' positions instead of a
    rescan of the rest of the line from every opening (``"_a " * 30000`` took 72 s)."""
    if "\n" in text:
        return "\n".join(map(_strip_underscore_emphasis, text.split("\n")))
    closes = [m.start() for m in _EM_CLOSE.finditer(text)]
    if not closes:
        return text
    out: list[str] = []
    done = 0  # text[:done] is written out
    k = 0  # closes[:k] lie at or before the last opening looked at
    for opening in _EM_OPEN.finditer(text):
        start = opening.start()
        if start < done:
            continue
        while k < len(closes) and closes[k] <= start:
            k += 1
        if k == len(closes):
            break
        out += (text[done:start], text[start + 1 : closes[k]])
        done = closes[k] + 1
    out.append(text[done:])
    return "".join(out)


def drop_leading_unknown(body: str) -> str:
    """ZDNet's scraper wrote a literal ``Unknown`` line where the byline image should be."""
    return _LEADING_UNKNOWN.sub("", body, count=1)


def paragraphs(body: str) -> tuple[str, ...]:
    """The readable paragraphs of a markdown body, in order, with markup and boilerplate gone; a
    very long one is cut at sentence ends into several (``sentences.MAX_PASSAGE`` characters at
    most), so that no passage is too long to show or to search sentence by sentence."""
    out: list[str] = []
    for kind, lines in _blocks(_prepare(body)):
        if kind == "table":
            out.extend(_table_rows(lines))
        elif (text := _paragraph(lines)) and not is_boilerplate(text):
            out.append(text)
    return tuple(piece for text in out for piece in bounded_passages(text))


def _prepare(body: str) -> str:
    """Whole-body passes that must see across lines: newlines, images with long titles."""
    body = body.replace("\r\n", "\n").replace("\r", "\n")
    body = drop_invisible(body).replace("\xa0", " ")
    body = _LINKED_IMAGE.sub(_IMAGE_MARK, body)
    body = _IMAGE.sub(_IMAGE_MARK, body)
    return _HTML_IMAGE.sub(_IMAGE_MARK, body)


def _blocks(body: str) -> list[tuple[str, list[str]]]:
    """Split a body into ("text" | "table", lines) blocks; headings, rules and code vanish here."""
    blocks: list[tuple[str, list[str]]] = []
    current: list[str] = []
    table: list[str] = []
    fence = ""

    def flush() -> None:
        if current:
            blocks.append(("text", current.copy()))
            current.clear()
        if table:
            blocks.append(("table", table.copy()))
            table.clear()

    for raw in body.split("\n"):
        first = raw.lstrip()[:1]
        if fence:
            if raw.strip().startswith(fence):
                fence = ""
            continue
        if not first:
            flush()
            continue
        if first not in _MARKUP_STARTS and not table:
            current.append(raw)
            continue
        if m := _FENCE.match(raw):
            flush()
            fence = m[1]
            continue
        line = _QUOTE.sub("", raw)
        if not line.strip():
            flush()
        elif _TABLE_ROW.match(line):
            if current:
                flush()
            table.append(line)
        elif table:
            flush()
            current.append(line)
        elif _ATX_HEADING.match(line):
            flush()
        elif _SETEXT_UNDERLINE.match(line) and current:
            current.pop()
            flush()
        elif _THEMATIC_BREAK.match(line) or _SETEXT_UNDERLINE.match(line):
            flush()
        else:
            current.append(line)
    flush()
    return blocks


def _paragraph(lines: list[str]) -> str:
    """One text block cleaned to a single line, or "" when nothing worth reading is left."""
    lines = _without_captions(lines)
    if not lines or _JSON_BLOB.match(lines[0]):
        return ""
    if all(_LINK_ONLY_LINE.match(_LIST_ITEM.sub("", line)) for line in lines):
        return ""
    parts: list[str] = []  # joined once at the end: adding line by line copies quadratically
    for line in lines:
        item = _LIST_ITEM.match(line)
        words = clean_inline(_LIST_ITEM.sub("", line, count=1))
        if not words:
            continue
        if parts:
            parts.append("; " if item and parts[-1][-1] not in _SENTENCE_END else " ")
        parts.append(words)
    text = _AD_MARK.sub("", "".join(parts))
    if _CAPTION_ONLY_PARAGRAPH.match(text) or _BOILERPLATE.match(text):
        return ""
    return text


def _without_captions(lines: list[str]) -> list[str]:
    """Lines with image marks removed, and the captions glued to or just below images dropped."""
    kept: list[str] = []
    after_image = False
    for line in lines:
        if _IMAGE_MARK in line:
            before, _, after = line.rpartition(_IMAGE_MARK)
            rest = "" if _is_caption(after) or _is_label(after) else after
            line = f"{before.replace(_IMAGE_MARK, ' ')} {rest}"
            after_image = True
        elif after_image and _is_caption(line):
            continue
        else:
            after_image = False
        if line.strip():
            kept.append(line)
    return kept


def _is_caption(text: str) -> bool:
    """Short text that only labels an image: emphasised, or "Image:/Source:/Credit: ..."."""
    text = text.strip()
    if not text:
        return True
    if len(text) > _CAPTION_MAX:
        return False
    return bool(_CAPTION.match(text) or _EMPHASIS_ONLY.match(text))


def _is_label(text: str) -> bool:
    """A few words glued right after an image with no sentence end: a credit like ``zLabs``."""
    text = text.strip()
    return len(text) <= _LABEL_MAX and text[-1:] not in _SENTENCE_END and "." not in text[-2:]


def _table_rows(lines: list[str]) -> list[str]:
    """Each data row as ``Header: cell; Header: cell``; separator rows dropped."""
    rows = [_cells(line) for line in lines if not _TABLE_SEPARATOR.match(line)]
    has_header = len(lines) > 1 and bool(_TABLE_SEPARATOR.match(lines[1]))
    header = rows.pop(0) if has_header and rows else []
    out = []
    for row in rows:
        parts = []
        for i, cell in enumerate(row):
            if not cell:
                continue
            name = header[i] if i < len(header) else ""
            parts.append(f"{name}: {cell}" if name and name != cell else cell)
        if parts:
            out.append("; ".join(parts))
    return out


def _cells(line: str) -> list[str]:
    cells = _CELL_SPLIT.split(line.strip().strip("|"))
    return [clean_inline(cell.replace(_IMAGE_MARK, " ")) for cell in cells]
