"""Follow-ups: a conversation answers a message that leans on its last answer from that story."""

from __future__ import annotations

from small_corpus import KASEYA, PIPELINE, engine, note

from bot.search.conversation import Conversation, Conversations
from bot.search.results import Outcome

ENGINE = engine(KASEYA, PIPELINE)


def asked(*messages: str) -> list:
    conversation = Conversation()
    return [conversation.ask(ENGINE, m) for m in messages]


def test_who_was_behind_it_after_a_kaseya_answer_is_answered_from_the_kaseya_story():
    first, follow = asked("what happened with the Kaseya VSA servers?", "who was behind it?")
    assert first.hits[0].note.path == KASEYA.path and first.about is None
    assert follow.hits[0].note.path == KASEYA.path
    assert "REvil ransomware gang is behind" in follow.hits[0].passage


def test_an_answer_from_the_story_says_which_story_it_is_about():
    _, follow = asked("what happened with the Kaseya VSA servers?", "and the ransom?")
    assert follow.about == KASEYA.title
    assert "70 million" in follow.hits[0].passage


def test_the_same_follow_up_alone_is_not_tied_to_any_story():
    assert ENGINE.ask("who was behind it?").about is None


def test_a_message_naming_another_story_starts_a_new_context():
    _, other, follow = asked(
        "what happened with the Kaseya VSA servers?", "what about Colonial Pipeline?", "who was behind it?"
    )
    assert other.hits[0].note.path == PIPELINE.path and other.about is None
    assert follow.hits[0].note.path == PIPELINE.path and "DarkSide" in follow.hits[0].passage


def test_smalltalk_in_between_keeps_the_story():
    _, thanks, follow = asked("what happened with the Kaseya VSA servers?", "thanks!", "who was behind it?")
    assert thanks.outcome is Outcome.SMALLTALK and thanks.hits == ()
    assert follow.hits[0].note.path == KASEYA.path


def test_a_reply_to_an_older_answer_is_asked_of_that_answers_story():
    conversation = Conversation()
    kaseya = conversation.ask(ENGINE, "what happened with the Kaseya VSA servers?")
    conversation.remember(101, kaseya)
    pipeline = conversation.ask(ENGINE, "Colonial Pipeline shut down")
    conversation.remember(102, pipeline)
    reply = conversation.ask(ENGINE, "who was behind it?", replying_to=101)
    assert reply.hits[0].note.path == KASEYA.path and reply.about == KASEYA.title


def test_conversations_forget_a_chat_after_its_time_to_live():
    now = [0.0]
    chats = Conversations(limit=10, ttl=60, clock=lambda: now[0])
    first = chats.get("chat")
    assert chats.get("chat") is first
    now[0] = 61.0
    assert chats.get("chat") is not first


def test_conversations_keep_at_most_their_limit_of_chats_forgetting_the_least_recent():
    chats = Conversations(limit=2, ttl=600)
    a, b = chats.get("a"), chats.get("b")
    chats.get("a")
    chats.get("c")
    assert len(chats) == 2
    assert chats.get("a") is a and chats.get("b") is not b


def test_a_message_naming_nothing_leans_on_the_story_even_when_other_articles_hold_its_words_better():
    payroll = note("Payroll firm says employee data taken", ["Employee data was taken from a payroll firm."])
    conversation = Conversation()
    chain = engine(KASEYA, PIPELINE, payroll)
    conversation.ask(chain, "what happened with the Kaseya VSA servers?")
    follow = conversation.ask(chain, "how many businesses were affected downstream?")
    assert follow.hits[0].note.path == KASEYA.path and follow.about == KASEYA.title


GROCER = note(
    "Cyberattack shuts hundreds of Freshmart shops",
    [
        "Hundreds of Freshmart shops closed or took cash only after a cyberattack on their payment systems.",
        "The shops that closed are in North East England, the chain said.",
        "A distributor who supplies 600 of the shops was hit by the same attack.",
    ],
)


def test_a_follow_up_of_only_question_words_is_answered_from_the_story_by_its_cue():
    conversation = Conversation()
    grocer = engine(GROCER, KASEYA)
    first = conversation.ask(grocer, "what happened to the Freshmart shops?")
    where = conversation.ask(grocer, "where were they?")
    assert first.hits[0].note.path == GROCER.path
    assert where.about == GROCER.title and "North East England" in where.hits[0].passage


def test_a_message_of_only_punctuation_after_an_answer_finds_nothing():
    conversation = Conversation()
    conversation.ask(ENGINE, "what happened with the Kaseya VSA servers?")
    assert conversation.ask(ENGINE, "???").hits == ()


HOSTING = note(
    "Ransomware takes down Cloudhost servers",
    [
        "A ransomware attack took down the servers of Cloudhost, a hosting firm for law offices.",
        "The company did not name the gang behind the attack.",
        "Hosting firms are often hit because their customers pay quickly, and ransomware gangs know it.",
    ],
)


def test_a_which_gang_follow_up_shows_the_paragraph_about_the_gang_not_one_whose_only_capital_opens_a_sentence():
    conversation = Conversation()
    hosting = engine(HOSTING, KASEYA)
    conversation.ask(hosting, "what happened to the Cloudhost servers?")
    gang = conversation.ask(hosting, "did they say which gang did it?")
    assert gang.about == HOSTING.title
    assert gang.hits[0].passage == "The company did not name the gang behind the attack."


OAKDALE = note(
    "Oakdale billing systems locked by ransomware",
    [
        "The city of Oakdale was hit by ransomware that locked its billing systems.",
        "The gang demanded a ransom and threatened to leak resident records.",
        "Officials said the ransom was set at 400,000 dollars in bitcoin.",
    ],
)


def test_and_the_ransom_after_an_answer_shows_the_paragraph_with_the_amount():
    conversation = Conversation()
    city = engine(OAKDALE, KASEYA)
    conversation.ask(city, "what happened to the Oakdale billing systems?")
    ransom = conversation.ask(city, "and the ransom?")
    assert ransom.about == OAKDALE.title and ransom.question == "and the ransom?"
    assert "400,000 dollars" in ransom.hits[0].passage


MILLTOWN = note(
    "Milltown water billing hit by ransomware",
    [
        "Milltown's water billing was hit by ransomware, and the gang left a ransom note on every server.",
        "Residents could not pay their bills online for a week.",
        "The attackers asked for 250,000 dollars in bitcoin to unlock the servers.",
    ],
)


def test_and_the_ransom_shows_the_amount_under_the_answer_though_its_sentence_never_says_ransom():
    conversation = Conversation()
    town = engine(MILLTOWN, KASEYA)
    conversation.ask(town, "what happened to Milltown's water billing?")
    ransom = conversation.ask(town, "and the ransom?")
    shown = [ransom.hits[0].passage, *(s.text for s in ransom.hits[0].supporting)]
    assert ransom.about == MILLTOWN.title
    assert any("250,000 dollars" in text for text in shown)


NCSC = note(
    "Agency tells firms to brace for destructive cyberattacks",
    [
        "The national cyber agency urged firms to brace for destructive cyberattacks this winter.",
        "To prepare, the agency recommends that firms take the following steps:",
        "Patch systems; improve access controls and enable multi-factor authentication; keep offline backups.",
        "The agency said no specific threat to firms had been identified.",
    ],
)


def test_a_follow_up_answered_by_a_paragraph_announcing_a_list_shows_the_list():
    conversation = Conversation()
    agency = engine(NCSC, KASEYA)
    conversation.ask(agency, "why should firms brace for destructive cyberattacks?")
    steps = conversation.ask(agency, "what steps does it recommend?")
    assert steps.about == NCSC.title
    assert steps.hits[0].passage.startswith("To prepare, the agency recommends")
    assert "Patch systems" in steps.hits[0].passage
