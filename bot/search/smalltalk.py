"""Messages that hold no question: "hello", "thanks, that helped", "ok", "who are you?", "help".

Searching them finds an article anyway ("hello" is the Hello ransomware, "thanks" an earnings
report), so they are told apart before any search: the whole message must be made of the small
phrases below, at least one of them more than a filler word. A message with one real word more
("hi, who hacked Kaseya?") is a question. One pass over the message's words: linear in its size.
"""

from __future__ import annotations

import re
from enum import StrEnum


class Smalltalk(StrEnum):
    GREETING = "greeting"
    THANKS = "thanks"
    ACK = "ack"
    BYE = "bye"
    ABOUT = "about"  # who are you, what can you do
    HELP = "help"


# Phrases, as words without apostrophes; None marks a filler that may stand beside them.
_PHRASES: dict[Smalltalk | None, str] = {
    Smalltalk.GREETING: """hi | hello | hey | heya | hiya | hallo | yo | howdy | greetings | hola | sup | whats up |
        good morning | good afternoon | good evening | good day | morning | how are you | how are you doing |
        hows it going | how is it going | nice to meet you""",
    Smalltalk.THANKS: """thanks | thank you | thank u | thx | ty | tnx | cheers | much appreciated | appreciate it |
        appreciated | that helped | that helps | this helped | it helped | very helpful | helpful | that was helpful |
        great help | thanks a lot | many thanks""",
    Smalltalk.ACK: """ok | okay | k | kk | okey | cool | nice | great | perfect | got it | i see | alright | all right |
        sure | fine | awesome | good | understood | makes sense | right | yes | yep | yeah | no | nope | wow | lol |
        interesting | noted | good to know | sounds good | i understand | excellent | brilliant | neat""",
    Smalltalk.BYE: "bye | goodbye | bye bye | see you | see ya | later | good night | gn | cya",
    Smalltalk.ABOUT: """who are you | what are you | who is this | what is this | what is this bot | are you a bot |
        are you human | are you real | who made you | who built you | what can you do | what do you do |
        what do you know | what can i ask | what can i ask you | what should i ask | what are you for |
        how do you work | how does this work | how does it work | what is your name | whats your name |
        what do you know about | tell me about yourself | introduce yourself""",
    Smalltalk.HELP: """help | help me | help please | please help | how do i use this | how do i use you |
        how to use | how to use this | how do i ask | start | menu | commands""",
    None: """so | very | much | a lot | lot | really | the | bot | again | all | there | everyone | guys | please |
        pls | man | mate | and | oh | well | just | anyway | for | that | this | super | now | buddy | friend | dear |
        for that | for this | for the help | for your help | for helping | you | to you | me | it | is | was | a |
        incident bot | incidentbot | then | ah | hmm | um | uh""",
}
_UNITS: dict[tuple[str, ...], Smalltalk | None] = {
    tuple(phrase.split()): kind for kind, phrases in _PHRASES.items() for phrase in phrases.split("|")
}
_LONGEST = max(map(len, _UNITS))
# Which kind answers a message that mixes several ("hi, thanks!" is thanks; "hi, what can you do?" about).
_PRIORITY = (Smalltalk.ABOUT, Smalltalk.HELP, Smalltalk.THANKS, Smalltalk.BYE, Smalltalk.GREETING, Smalltalk.ACK)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_MAX_WORDS = 12  # longer messages are questions, whatever their words


def smalltalk(message: str) -> Smalltalk | None:
    """The kind of smalltalk ``message`` is, or None when it holds something to search for.

    Digits, and characters other than words, spaces, punctuation and emoji, make it a question:
    "ok 2021" or "hello cve-2021-44228" ask something."""
    if len(message) > 200 or any(c.isdigit() for c in message):
        return None
    words = [w.lower().replace("’", "").replace("'", "") for w in _WORD.findall(message)]
    if not words or len(words) > _MAX_WORDS:
        return None
    kinds: set[Smalltalk] = set()
    at = 0
    while at < len(words):
        for size in range(min(_LONGEST, len(words) - at), 0, -1):
            unit = tuple(words[at : at + size])
            if unit in _UNITS:
                kind = _UNITS[unit]
                if kind is not None:
                    kinds.add(kind)
                at += size
                break
        else:
            return None  # a word that is not smalltalk: the message asks something
    return next((kind for kind in _PRIORITY if kind in kinds), None)
