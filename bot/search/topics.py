"""Questions with no security angle: weather, sports, cooking, films, geography, health, markets.

Such a question can share every word with some article ("who won the super bowl?" finds a Super
Bowl phishing warning), which no relevance measure tells apart. So its topic is read from two
small word lists: a word of an everyday topic, and no word of security, makes the best match
unsure. "phishing around the world cup" has a security word and is a question like any other.
One pass over the question's words (and adjacent pairs): linear in its length.
"""

from __future__ import annotations

from itertools import pairwise

from bot.search.tokenize import Tokenizer

_EVERYDAY = """
    weather forecast rain raining rainy snow snowing sunny cloudy humidity temperature tornado celsius fahrenheit
    football soccer basketball baseball nba nfl nhl mlb tennis golf cricket rugby hockey league goals scored
    touchdown offside referee playoffs championship tournament quarterback striker goalkeeper
    recipe recipes cook cooking bake baking boil boiled fry frying roast oven dough pasta lasagna carbonara pizza
    vegetarian vegan ingredient ingredients flour dessert soup salad omelette
    movie movies film films song songs album singer actor actress sitcom
    chickenpox measles flu influenza symptoms disease diseases diet calories vitamin vitamins
    succulents gardening houseplants
    mortgage horoscope
"""
# Everyday questions that only a pair of words gives away.
_EVERYDAY_PAIRS = """
    capital_of population_of how_tall how_far how_old tallest_mountain longest_river mount_everest
    super_bowl world_cup exchange_rate stock_price interest_rate what_time time_zone
    science_fiction
"""
_SECURITY = """
    hack hacker hacked hacking hacks breach breached breaches attack attacker attackers attacks attacked
    ransomware ransom malware vulnerability vulnerabilities vulnerable exploit exploited exploits flaw flaws
    bug bugs patch patched patches leak leaked leaks stolen steal stole stealing theft phishing phish scam
    scams scammers fraud fraudsters cyber cybersecurity cyberattack cyberattacks cybercriminals cybercrime
    security secure password passwords credentials credential botnet trojan backdoor spyware zero-day
    zeroday cve cvss apt threat threats actors actor gang gangs compromised compromise infected infection
    encrypt encrypted encryption decrypt decryptor ddos account accounts privacy surveillance espionage
    spy spying stealer loader wiper worm virus rootkit rce injection xss authentication bypass firewall
    vpn antivirus endpoint incident intrusion forensic operator operators affiliate affiliates extortion
    crypto cryptocurrency wallet heist identity fbi cisa nsa police arrest arrested charged sanctions
    fined lawsuit disclosure advisory researchers researcher bounty mitigation workaround outage skimmer
    carding darknet dump exposed exposure misconfigured malicious spam bot bots domain domains certificate
    token tokens mfa 2fa hijack hijacked takedown seized doxxed deepfake scraping scraped data hackers
    victims victim targeted campaign payload shell webshell privilege escalation sandbox detection
    defender update updates fix fixed cryptominer miner impersonate impersonating fake spoofed spoofing
    lure dropper implant beacon exfiltrated exfiltration insider bitcoin monero ethereum nft blockchain
    laundering sextortion counterfeit piracy pirated cheat stalkerware adware keylogger infostealer banking
    app apps software server servers network networks cloud browser email android iphone windows linux
"""


class Topics:
    """Tells an everyday question from a security one, comparing index terms (so "recipes" and
    "recipe", "hacked" and "hacking" count alike)."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self._tokenize = tokenizer
        self._everyday = frozenset(tokenizer(_EVERYDAY))
        self._pairs = frozenset(tuple(pair.split("_")) for pair in _EVERYDAY_PAIRS.split())
        self._security = frozenset(tokenizer(_SECURITY))

    def everyday(self, question: str) -> bool:
        """True for a question with a word of an everyday topic and none of security."""
        terms = self._tokenize(question)
        if any(t in self._security for t in terms):
            return False
        words = [w.strip("?!.,;:'\"()") for w in question.lower().split()]
        return any(t in self._everyday for t in terms) or any(p in self._pairs for p in pairwise(words))
