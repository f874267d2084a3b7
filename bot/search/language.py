"""Whether a message is written in another language than the notes' English.

Two cheap signals, one pass over the message: the script of its letters (Cyrillic, Arabic, CJK...
are not English), and, for Latin script, the small function words every sentence of a language
uses ("wer hat", "qui a", "quién", "chi ha"), counted against English ones. Names and technical
words are the same in every language and decide nothing, so a message with only those reads as
English.
"""

from __future__ import annotations

import re
import unicodedata

from bot.search.tokenize import STOPWORDS

# Frequent words of each language that are not English words too ("die", "come", "son" are left out).
_FUNCTION_WORDS = {
    "German": """der das und ist nicht ein eine einen dem den wer wie warum wann welche welcher welches was ich du
        wir ihr sie es hat haben wurde wurden werden mit von auf für bei nach aus über oder aber auch noch nur
        sich wird sind gibt kann können mich mir dich dir uns euch zum zur im vom beim gehackt angegriffen""",
    "French": """le la les un une des du est sont qui que quoi quel quelle quels quelles pourquoi comment quand où
        et ou mais avec dans sur par pas ne ce cette ces il elle ils elles nous vous je tu été était a-t-il
        qu'est-ce y au aux leur leurs se sa ses mon ma mes piraté attaque attaqué""",
    "Spanish": """el la los las un una unos unas es fue qué quién quiénes cuál cuáles cómo cuándo dónde por
        para con sin del al y o pero también muy más este esta estos estas ese esa lo le les se su sus
        hay fueron ataque atacó hackeado cuántos cuántas""",
    "Italian": """il lo la gli le un una uno è sono chi che cosa quale quali come quando dove perché e o ma con
        per del della dei delle al alla nel nella non questo questa quello quella ha hanno stato stata attacco""",
    "Portuguese": """o os as um uma é são foi quem que qual quais como quando onde porque por para com sem do da
        dos das no na nos nas e ou mas não este esta isso isto ele ela eles elas houve ataque atacou quantos""",
    "Dutch": """de het een en is zijn wie wat welke hoe waarom wanneer waar niet met van voor op aan bij uit
        ook maar dat deze dit die er heeft hebben werd worden wordt gehackt aanval""",
}
_WORDS = {lang: frozenset(words.split()) - STOPWORDS for lang, words in _FUNCTION_WORDS.items()}
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_ENGLISH = STOPWORDS | frozenset("how many much who what which when where why does did was were".split())


def other_language(message: str, weak: bool = False) -> str | None:
    """The name of the language (or script) ``message`` is written in when it is not English;
    None for English, and for a message of names and numbers only.

    ``weak`` reads hints too (one word in another script, an inverted "¿", one function word of
    another language as many as the English ones): enough to try the message's names when its
    English reading finds nothing, not to call it another language."""
    script = _script(message, weak)
    if script is not None:
        return script
    if weak and ("¿" in message or "¡" in message):
        return "Spanish"
    words = [w.lower() for w in _WORD.findall(message)]
    english = sum(w in _ENGLISH for w in words)
    best, hits = None, 0
    for language, vocabulary in _WORDS.items():
        count = sum(w in vocabulary for w in words)
        if count > hits:
            best, hits = language, count
    if weak:
        return best if hits >= 1 and hits >= english else None
    return best if hits >= 2 and hits > english else None


def _script(message: str, weak: bool = False) -> str | None:
    """The script most of the letters are in, when it is not Latin ("Cyrillic", "CJK", "Arabic");
    with ``weak``, the commonest other script of any letter not in Latin."""
    latin = other = 0
    scripts: dict[str, int] = {}
    for char in message:
        if not char.isalpha():
            continue
        if char.isascii():
            latin += 1
            continue
        name = unicodedata.name(char, "")
        first = name.split(" ", 1)[0]
        if first == "LATIN":
            latin += 1
        else:
            other += 1
            scripts[first] = scripts.get(first, 0) + 1
    if not other or (other <= latin and not weak):
        return None
    script = max(scripts, key=scripts.__getitem__)
    return {"CJK": "Chinese", "HIRAGANA": "Japanese", "KATAKANA": "Japanese", "HANGUL": "Korean"}.get(
        script, script.title()
    )


def without_function_words(message: str, language: str) -> str:
    """``message`` without ``language``'s function words, which name nothing ("hat", "le")."""
    vocabulary = _WORDS.get(language, frozenset())
    return " ".join(w for w in _WORD.findall(message) if w.lower() not in vocabulary)
