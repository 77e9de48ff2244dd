"""Invented German post texts: offers, requests, ideas and news from Essen businesses.

Every link points at a reserved example domain and every name is made up.
"""

from __future__ import annotations

import random

DISTRICTS = ("Rüttenscheid", "Altenessen", "Steele", "Kettwig", "Werden", "Borbeck", "Frohnhausen",
             "Holsterhausen", "Kray", "Überruhr", "Katernberg", "Huttrop", "Bredeney", "Stoppenberg",
             "Frillendorf", "Heisingen", "Südviertel", "Nordviertel", "Karnap", "Schonnebeck")
TRADES = ("Bäckerei", "Café", "Druckerei", "Schreinerei", "IT-Service", "Kanzlei", "Blumenladen",
          "Physiotherapie", "Metzgerei", "Autohaus", "Reisebüro", "Buchhandlung", "Fahrradwerkstatt",
          "Eventagentur", "Brauhaus", "Hotel", "Nähstube", "Malerbetrieb", "Elektro", "Steuerbüro",
          "Kurierdienst", "Gärtnerei", "Optiker", "Friseursalon", "Coworking", "Werbeagentur",
          "Catering", "Hofladen", "Tanzschule", "Bauunternehmen")
SURNAMES = ("Krause", "Schmitz", "Kowalski", "Yılmaz", "Becker", "Hoffmann", "Wagner", "Schulte",
            "Brinkmann", "Nowak", "Özdemir", "Küpper", "Lehmann", "Kaczmarek", "Hülsmann", "Petersen",
            "Demir", "Schäfer", "Wolters", "Bröckerhoff", "Zimmermann", "Rossi", "Papadopoulos",
            "Große-Wächter", "Tenhagen")
LEGAL_FORMS = ("", "", "", " GmbH", " GmbH & Co. KG", " e.K.", " UG (haftungsbeschränkt)", " eG")

OFFERS = (
    "kostenlose Lieferung von Lebensmitteln an Menschen in Quarantäne",
    "freie Lagerfläche (ca. {n} m²) für die nächsten Monate",
    "Beratung zu Kurzarbeit, Soforthilfen und Stundungen",
    "waschbare Stoffmasken aus Baumwolle, 60 °C-fest",
    "unsere Transporter samt Fahrerinnen und Fahrern",
    "Räume für Workshops mit genug Abstand",
    "Hilfe beim Umstieg ins Homeoffice: VPN, Videokonferenzen, sichere Passwörter",
    "Spuckschutz aus Acrylglas nach Maß",
    "Gutscheine, die ihr jetzt kauft und später einlöst",
    "Mittagessen zum Abholen für Pflegekräfte",
    "Druck von Plakaten und Aushängen zum Selbstkostenpreis",
    "Kinderbetreuung für Eltern in systemrelevanten Berufen",
    "einen Onlineshop-Baukasten für Einzelhändler, drei Monate gratis",
    "Desinfektionsmittel aus eigener Herstellung",
    "Leihfahrräder für Botengänge",
)
NEEDS = (
    "Fahrerinnen und Fahrer mit Führerschein Klasse B",
    "Nähmaschinen als Leihgabe",
    "einen Partner für Auslieferungen im Essener Süden",
    "Kühlfläche für {n} Paletten",
    "Helferinnen und Helfer für die Tafel",
    "ein Lager in {district}",
    "Laptops für Schülerinnen und Schüler",
    "eine Druckerei, die kurzfristig {n} Flyer druckt",
    "Ideen, wie wir unser Café über den Winter bringen",
    "Aushilfen für die Erntezeit",
    "eine Grafikerin für unser neues Logo",
)
IDEAS = (
    "ein gemeinsamer Lieferdienst für alle Läden in {district}",
    "eine Tauschbörse für Büromöbel, die gerade keiner braucht",
    "ein digitaler Stadtplan mit allen Abholangeboten",
    "Patenschaften zwischen großen und kleinen Betrieben",
    "eine Sammelbestellung für Schutzausrüstung",
    "ein offener Stammtisch per Video, jeden Donnerstag",
    "ein Gutscheinportal für Essener Gastronomie",
)
NEWS = (
    "Wir haben ab {weekday} wieder geöffnet",
    "Unsere Öffnungszeiten ändern sich ab dem {day}. {month}",
    "Die Förderrichtlinie des Landes ist jetzt online",
    "Der Wochenmarkt in {district} findet wieder statt",
    "Wir ziehen um – ab {month} findet ihr uns in {district}",
    "Heute vor einem Jahr haben wir hier unseren ersten Beitrag geteilt",
)
FILLERS = (
    "Meldet euch gern per Direktnachricht.",
    "Gemeinsam kommen wir da durch.",
    "Öffnungszeiten: Mo–Fr {hour}–{hour2} Uhr.",
    "Danke an alle, die schon mitgemacht haben!",
    "Bitte teilt den Beitrag, damit er die Richtigen erreicht.",
    "Wir freuen uns über jede Rückmeldung.",
    "Abholung in {district} ist auch möglich.",
    "Fragen? Einfach anrufen oder vorbeikommen (mit Abstand!).",
    "Das Angebot gilt, solange der Vorrat reicht.",
    "Mehr als {n} Betriebe sind schon dabei.",
    "Wir sind ein Team aus {small} Leuten und packen an, wo es geht.",
    "Alle Infos zu Hygieneregeln hängen an der Tür aus.",
)
OPENERS = {
    "angebot": ("Wir bieten {item} für {audience} in {district}.", "Ich biete {item} an.",
                "Angebot: {item}."),
    "gesuch": ("Wir suchen {item} – wer kann helfen?", "Gesucht: {item}.", "Ich suche {item}."),
    "idee": ("Idee: {item}.", "Vorschlag an alle in Essen: {item}.", "Was haltet ihr davon: {item}?"),
    "info": ("{item}.", "Kurze Info: {item}.", "Neuigkeiten aus {district}: {item}."),
}
ITEMS = {"angebot": OFFERS, "gesuch": NEEDS, "idee": IDEAS, "info": NEWS}
AUDIENCES = ("Vereine", "Praxen", "kleine Betriebe", "Soloselbstständige", "Nachbarinnen und Nachbarn",
             "Seniorinnen und Senioren", "Familien", "Gastronomiebetriebe")
TAGS = ("Essen", "Ruhrgebiet", "Nachbarschaftshilfe", "Handwerk", "Gastro", "Einzelhandel", "Homeoffice",
        "Solidarität", "RuhrpottHilft", "lokalkaufen", "Mittelstand", "Gemeinsamstark")
WEEKDAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag")
MONTHS = ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
          "Oktober", "November", "Dezember")
ENGLISH = (
    "We offer free delivery for neighbours in {district}. Get in touch!",
    "Looking for a partner company for deliveries in the south of Essen.",
    "Our team speaks English, Turkish and Polish – happy to help newcomers in Essen.",
)


def fill(template: str, rng: random.Random, **given: str) -> str:
    """A template with its placeholders filled from rng (and from given)."""
    hour = rng.randrange(7, 12)
    values = dict(n=rng.choice((20, 50, 120, 300, 1500)), district=rng.choice(DISTRICTS),
                  weekday=rng.choice(WEEKDAYS), day=rng.randrange(1, 29), month=rng.choice(MONTHS),
                  hour=hour, hour2=hour + rng.randrange(6, 10), small=rng.randrange(2, 15),
                  audience=rng.choice(AUDIENCES))
    return template.format(**{**values, **given})


def opener(category: str, rng: random.Random) -> str:
    """The first sentence, which says what kind of post it is."""
    item = fill(rng.choice(ITEMS[category]), rng)
    return fill(rng.choice(OPENERS[category]), rng, item=item)


def link_sentence(website: str, rng: random.Random) -> str:
    """A sentence with a link to the author's site or a shared example page."""
    target = rng.choice((f"{website}{rng.choice(('angebot', 'hilfe', 'kontakt', 'aktuelles'))}",
                         f"https://www.example.com/essen/{rng.randrange(1000, 9999)}",
                         f"https://example.org/aktion?id={rng.randrange(100, 999)}&ref=wall"))
    return rng.choice(("Alle Details: {url}", "Mehr unter {url}", "Anmeldung über {url} (kostenlos).")
                      ).format(url=target)


def mention_sentence(mention: str, rng: random.Random) -> str:
    """A sentence that thanks or asks another account."""
    return rng.choice(("Danke an {m} für die schnelle Hilfe!", "{m} – habt ihr noch Kapazität?",
                       "Zusammen mit {m} organisiert.")).format(m=mention)


def hashtag_line(rng: random.Random) -> str:
    """The campaign tag, sometimes with a few more."""
    extra = rng.sample(TAGS, rng.choice((0, 0, 1, 2, 3)))
    return " ".join(["#EssenArbeitetZusammen"] + [f"#{tag}" for tag in extra])


def english_text(rng: random.Random) -> str:
    """A short English post, as some international teams write."""
    return f"{fill(rng.choice(ENGLISH), rng)}\n\n#EssenArbeitetZusammen #Essen"


def german_text(category: str, website: str, mention: str, rng: random.Random,
                limit: int | None) -> str:
    """A post of varied length: opener, some sentences in paragraphs, maybe a link, the tags."""
    sentences = [opener(category, rng)]
    length = _length(rng)
    sentences += [fill(filler, rng) for filler in rng.sample(FILLERS, min(length, len(FILLERS)))]
    sentences += [opener(rng.choice(list(ITEMS)), rng) for _ in range(length - len(FILLERS))]
    if rng.random() < 0.45:
        sentences.insert(rng.randrange(1, len(sentences) + 1), link_sentence(website, rng))
    if mention and rng.random() < 0.25:
        sentences.insert(rng.randrange(1, len(sentences) + 1), mention_sentence(mention, rng))
    tags, style = hashtag_line(rng), rng.random()
    while limit and len(sentences) > 1 and len(_join(sentences, style, tags)) > limit:
        sentences.pop()
    return _join(sentences, style, tags)


def _length(rng: random.Random) -> int:
    # Most posts are short; a few (LinkedIn, blogs) run to many paragraphs.
    return min(int(rng.expovariate(1 / 3.5)), 24)


def _join(sentences: list[str], style: float, tags: str) -> str:
    if style < 0.5 or len(sentences) < 3:
        body = " ".join(sentences)
    else:
        body = "\n\n".join(" ".join(sentences[i:i + 3]) for i in range(0, len(sentences), 3))
    return f"{body}\n\n{tags}" if style < 0.8 else f"{body} {tags}"
