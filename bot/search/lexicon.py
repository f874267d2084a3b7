"""Small word lists that carry knowledge BM25 lacks: how people name countries, and which words
of a question only say what kind of answer is wanted."""

from __future__ import annotations

# Demonym -> country, applied before stemming to index and questions alike, so "the Taiwanese
# politicians" and "the Taiwan hack" share a term.
DEMONYMS = {
    "afghan": "afghanistan", "african": "africa", "albanian": "albania", "algerian": "algeria",
    "american": "america", "argentinian": "argentina", "armenian": "armenia", "australian": "australia",
    "austrian": "austria", "azerbaijani": "azerbaijan", "bangladeshi": "bangladesh", "belarusian": "belarus",
    "belgian": "belgium", "brazilian": "brazil", "british": "britain", "bulgarian": "bulgaria",
    "cambodian": "cambodia", "canadian": "canada", "chilean": "chile", "chinese": "china",
    "colombian": "colombia", "croatian": "croatia", "cuban": "cuba", "cypriot": "cyprus", "czech": "czechia",
    "danish": "denmark", "dutch": "netherlands", "egyptian": "egypt", "emirati": "emirates",
    "estonian": "estonia", "ethiopian": "ethiopia", "european": "europe", "filipino": "philippines",
    "finnish": "finland", "french": "france", "georgian": "georgia", "german": "germany",
    "greek": "greece", "hungarian": "hungary", "indian": "india", "indonesian": "indonesia",
    "iranian": "iran", "iraqi": "iraq", "irish": "ireland", "israeli": "israel", "italian": "italy",
    "japanese": "japan", "jordanian": "jordan", "kazakh": "kazakhstan", "kenyan": "kenya",
    "korean": "korea", "kuwaiti": "kuwait", "latvian": "latvia", "lebanese": "lebanon",
    "libyan": "libya", "lithuanian": "lithuania", "malaysian": "malaysia", "mexican": "mexico",
    "moldovan": "moldova", "moroccan": "morocco", "nepalese": "nepal", "nigerian": "nigeria",
    "norwegian": "norway", "pakistani": "pakistan", "palestinian": "palestine", "peruvian": "peru",
    "polish": "poland", "portuguese": "portugal", "qatari": "qatar", "romanian": "romania",
    "russian": "russia", "saudi": "saudi", "serbian": "serbia", "singaporean": "singapore",
    "slovak": "slovakia", "slovenian": "slovenia", "spanish": "spain", "swedish": "sweden",
    "swiss": "switzerland", "syrian": "syria", "taiwanese": "taiwan", "thai": "thailand",
    "tunisian": "tunisia", "turkish": "turkey", "ukrainian": "ukraine", "venezuelan": "venezuela",
    "vietnamese": "vietnam", "yemeni": "yemen",
}

# Words that say what is asked, not what it is about: dropped from questions only.
QUESTION_WORDS = frozenset(
    """
    many much happen happened happens get gets got getting tell know knew anyone someone
    anybody somebody please exactly actually really thing things kind type sort ever
    """.split()
)
