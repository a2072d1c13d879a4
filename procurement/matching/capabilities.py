"""Supplier capabilities: which categories an organisation can supply, and on what evidence.

Evidence, strongest first (``EVIDENCE_LEVELS``):
- ``confirmed``: a person's decision, stored with the capability (never produced here);
- ``activity``: the registry's activity text, an activity code (NAICS/SCIAN, NAF rév.2,
  UK SIC 2007) or a structure type that states an activity (an ETTI supplies staff);
- ``sector``: a member hub's sector slug (broad: one slug covers several categories);
- ``name``: words of the name alone, only where the name states an activity as a common
  noun ("Coopérative de déneigement", "… Traiteur"), never from proper-name words.

Organisations that sell nothing to a municipality (clubs, concertation tables, housing
co-ops, foundations, caisses, unions, fraternal orders, festivals, parishes...) get no
capability at all: ``non_supplier_reason`` says why. Confidence is calibrated on the
project's development labels (``CALIBRATION``, fitted by
``evaluate.fit_capability_calibration``): a pair at 0.9 was right about nine times in ten.
An activity pair below ``AWARD_MIN_CONFIDENCE`` is downgraded to ``sector`` (a prospect).
Award-level activity evidence needs a trade: a single generic word ("formation",
"patrimoine") or a community service ("travail de rue", "répit") gives only a prospect
(``prospect_only``), unless a trade governs the word ("service de formation").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd

from .activity_codes import match_activity_code
from .normalize import is_missing, normalize_text
from .taxonomy import Taxonomy

# Kinds of capability evidence, strongest first: a person confirmed it; the registry's
# activity text or code says it; a member hub's sector says it; words of the name alone.
EVIDENCE_LEVELS: tuple[str, ...] = ("confirmed", "activity", "sector", "name")
DEFAULT_MIN_EVIDENCE = "activity"  # the weakest evidence an award may rest on by default
AWARD_EVIDENCE = EVIDENCE_LEVELS[:EVIDENCE_LEVELS.index(DEFAULT_MIN_EVIDENCE) + 1]
OUTPUT_COLUMNS = ["key", "category_code", "confidence", "evidence", "evidence_detail", "reason"]

# Calibrated confidence per evidence bucket (evidence kind : rule strength; "+" when another
# kind of evidence agrees). Measured on the 1,249 development organisations
# (`DEVELOPMENT_LABELS` in procurement/services/evaluation.py; a set held out for evaluation
# is never used to fit) by `fit_capability_calibration` (scripts/build_labelled_sets.py
# calibrate prints it); the code buckets have no labelled codes behind them and keep their
# prior. `activity:generic` pairs are prospects whatever their confidence;
# `activity:generic_in_trade` must pass AWARD_MIN_CONFIDENCE. Ordered: a stronger bucket is
# never less confident.
CALIBRATION: dict[str, float] = {
    "name:word": 0.57,
    "name:phrase": 0.57,
    "sector": 0.38,
    "activity:word": 0.9,
    "activity:word+": 0.95,
    "activity:phrase": 0.94,
    "activity:phrase+": 0.95,
    "activity:org_type": 0.9,
    "activity:code_broad": 0.85,
    "activity:code": 0.9,
    "activity:generic": 0.2,
    "activity:structure": 0.95,
    "activity:generic_in_trade": 0.93,
}
MAX_INFERRED_CONFIDENCE = 0.95  # only a person's confirmation is certain
# An activity pair is award-eligible evidence only when its calibrated confidence reaches
# this cut-off; weaker activity pairs are downgraded to `sector` (a prospect to verify).
# 0.80 keeps the expected share of wrong awards under one in five for the weakest admitted
# bucket and, averaged over the admitted pairs, near the 0.95 precision target.
AWARD_MIN_CONFIDENCE = 0.80
# What was believed before measuring (and what unmeasured buckets keep): the calibration
# shrinks each bucket's measured share toward this prior by a few pseudo-pairs.
CALIBRATION_PRIOR: dict[str, float] = {
    "name:word": 0.5, "name:phrase": 0.5, "sector": 0.5,
    "activity:word": 0.85, "activity:word+": 0.85, "activity:phrase": 0.85,
    "activity:phrase+": 0.85, "activity:org_type": 0.9, "activity:code_broad": 0.85,
    "activity:code": 0.9, "activity:generic": 0.5, "activity:structure": 0.9,
    "activity:generic_in_trade": 0.85,
}
# The order buckets must respect (weakest first); calibration enforces it.
CALIBRATION_ORDER: tuple[tuple[str, ...], ...] = (
    ("sector", "name:word", "name:phrase", "activity:word", "activity:phrase",
     "activity:phrase+"),
    ("activity:word", "activity:word+", "activity:phrase+"),
    ("activity:code_broad", "activity:code"),
    ("activity:generic", "activity:generic_in_trade"),
    ("activity:generic", "activity:word"),
)

# --- organisations that do not sell to municipalities ------------------------------------

# Each rule: (reason code, pattern on the folded name, pattern on the folded activity text).
# Patterns describe kinds of organisation, in French and English, not particular names.
_W = r"(?:\w+ ){0,3}"  # up to three words in between
# A text that offers something to a public, not to members: "auprès de la population",
# "au (grand) public", "to the public", or an organising/offering verb governing a show, a
# course, a talk or an exhibition ("organiser concerts", "offrant des conférences",
# "proposant des formations"). Promoting a pastime with such a service is a school or a
# presenter, not a club ("promouvoir le taekwon-do auprès de la population"; "promouvoir
# la culture … organiser concerts"). Teaching it or touring with it is too ("promouvoir le
# théâtre et l'enseigner (cours privé) faire des tournées").
TO_THE_PUBLIC = (
    r"\baupres (?:de |d |du )?(?:la |notre |toute la |l )?(?:population|public)\b"
    r"|\benseigner\b|\bcours prives?\b|\btournees\b"
    r"|\bau (?:grand )?public\b|\bgrand public\b"
    r"|\b(?:to|for) the (?:general )?public\b"
    r"|\b(?:organi[sz]\w*|offr\w*|offer\w*|propos\w*|present\w*) "
    r"(?:(?:des|de|d|les|la|le|the) )?(?:\w+ )?"
    r"(?:concerts?|spectacles?|conferences?|cours|formations?|ateliers?|expositions?"
    r"|shows?|courses|classes|talks|workshops?|exhibitions?)\b")
NON_SUPPLIER_RULES: tuple[tuple[str, str | None, str | None], ...] = (
    ("financial",
     r"\bcaisses? (?:populaire|desjardins|d economie|de credit|d epargne)|^caisse\b"
     r"|\bdesjardins\b|\bcredit union\b|\bbuilding society\b|\bbanque (?:populaire|de)\b",
     r"\bepargne et (?:de )?credit\b|\bcaisses? locales?\b|\bservices financiers\b"
     r"|\bcredit union\b"),
    ("housing",
     r"\bcoop\w* (?:de solidarite )?(?:en |d )?habitation|\bhabitations? (?:populaire|"
     r"communautaire|sociale?|a loyer)|\bhlm\b|\boffice (?:municipal )?d habitation\b"
     r"|\bosbl d habitation\b|\bresidences? (?:pour|des|du|de)\b|^residences?\b"
     r"|\blogements?\b|\bhousing (?:association|co ?op\w*|trust|society)\b|^habitations?\b"
     r"|\balmshouses?\b|\btenants?\b",
     r"\b(?:location|administr\w*|exploit\w*|gestion) (?:de |d |des )?(?:immeubles? )?"
     r"(?:a )?(?:logements?|residences?|chambres aux etudiants)\b|\bfournir des logements\b"
     r"|\bresidences? (?:pour|privee|de personnes)\b|\bimmeubles? a logements?\b"
     r"|\blocation residentielle\b|\bunites? residentielles?\b|\blocation de loyers\b"
     r"|\bloyers? pour\b|\bilots? residentiels?\b|\blogements? (?:pour|sociaux|"
     r"abordables|communautaires)\b|\bcentre d hebergement (?:pour )?(?:personnes|aines)"
     r"|\bressource d hebergement\b|\bresidences? communautaires?\b|\bhabitations? "
     r"sociales?\b|\bcooperative d habitation\b|\bsocial housing\b|\bsheltered housing\b"),
    ("fraternal",
     r"\bchevaliers de colomb\b|\bfilles d isabelle\b|\blegion (?:canadienne|royale)\b"
     r"|\broyal (?:british |canadian )?legion\b|\bclub (?:optimiste|lions|richelieu|"
     r"rotary|kiwanis)\b|\b(?:optimist|lions|rotary|kiwanis) club\b|\bfreemason\w*|"
     r"\bmasonic\b|\bloge\b|\blodge\b|\boddfellows\b|\bcercle de fermieres\b"
     r"|\bsociete saint jean baptiste\b|\bknights of columbus\b|\bfraternite\b|\bregiment\b",
     r"\bclub social\b|\borganisation civique et amicale\b"),
    ("religious",
     r"\beglise\b|\bparoiss\w*|\bfabrique\b|\btemoins de jehovah\b|\bdioce\w*|\bpastoral\w*"
     r"|\bcongregation\b|\beveche\b|\bchurch\b|\bparish\b|\bchapel\b|\bmosque\w*"
     r"|\bsynagogue\b|\btemple\b|\bassemblee (?:chretienne|evangelique|des temoins)\b",
     r"\bculte\b|\breligi\w*|\bpastorale?\b|\bevangeli\w*|\bevangile\b|\beglise\b|\bworship\b"),
    ("union",
     r"\bsyndica\w*|\bsection locale\b|\btrade union\b|\b(?:afpc|csn|ftq|csq|scfp|cupe|"
     r"unison|unite the union)\b",
     r"\bconventions? collectives?\b|\bnegociation collective\b|\bcollective bargaining\b"),
    ("foundation",
     r"\bfondation\b|\bfoundation\b|\bfonds de charite\b",
     r"^fondation$|\blevees? de fonds\b|\bsoutenir financierement\b|\bcampagnes? de (?:levee"
     r"|financement)\b"
     r"|\bbourses? d etudes?\b|\bfundraising\b|\bgrant ?making\b"),
    ("charity",
     r"\bphilanthrop\w*|\btiers monde\b|\bhumanitaire\b",
     r"\bcharit\w*|\bbienfaisance\b|\bphilanthrop\w*|\baux demunis\b|\bdepannage alimentaire\b"
     r"|\bbanque alimentaire\b|\bredistribution\b|\bhumanitaire\b|\borphelins?\b"
     r"|\bgratuit\w*|\bfree of charge\b|\bdenrees\b"),
    ("concertation",
     r"\btables? (?:de concertation|des|du|regionale|locale|intersectorielle)\b"
     r"|\bconcertation\b|\bcorporation de developpement communautaire\b|\bcdc\b"
     r"|\bregroupement\b|\bfederation\b|\bcomite zip\b|\bbassins? versants?\b|\bconseil regional\b"
     r"|\bcouncil for voluntary service\b|\bforum\b",
     r"\bconcertation\b|\bregrouper (?:les |des )?(?:organismes|organisations|personnes|"
     r"associations|membres|\w+ )|\bregroupement (?:d |des |de )?(?:organismes|organisations|"
     r"personnes)\b"
     r"|\breseautage\b|\bgestion integree de l eau\b|\bcoordonner (?:les )?efforts\b"),
    ("advocacy",
     r"\bdefense des droits\b|\baqdr\b|\bligue des droits\b|\bcampaign\b|\badvocacy\b",
     r"\bdefen\w* (?:de |des |les |leurs )*(?:droits|interets)\b|\bplaint\w*"
     r"|\bpromouvoir (?:et defendre )?"
     r"(?:les )?interets\b|\brepresent\w* (?:et |les )|\bluttes? sociales?\b"
     r"|\bdefense collective\b|\bfaire des representations\b|\badvocacy\b|\bcampaigning\b"
     r"|\bsensibilis\w*\b.*\b(?:prevention|soutenir|soutien|informer)\b"
     r"|\b(?:prevention|soutenir|soutien)\b.*\bsensibilis\w*"
     r"|\bawareness\b.*\bprevention\b"),
    ("support",
     r"\bentraide\b|\bmaisons? (?:des|de la) (?:jeunes|familles?|femmes|aines)\b"
     r"|\bproches aidants\b|\bcentres? de femmes\b"
     r"|\bcentres? d action benevole\b|\bcarrefour d action benevole\b|\bcab\b"
     r"|\bgrands freres\b|\bcuisines? collectives?\b|\bbanque alimentaire\b|\bmoisson\b"
     r"|\bcomptoir alimentaire\b|\bsupport group\b|\bself help\b|\bfood bank\b",
     r"\bentraide\b|\bbriser l isolement\b|\becoute\b|\bsoutien (?:aux|a la|au|des) "
     r"(?:personnes|familles|parents|membres|proches|femmes|jeunes|regroupements|hommes|enfants?|"
     r"adultes|aines)\b"
     r"|\baide aux (?:familles|personnes|parents|aidants)\b|\bbenevol\w*|\bsupport group\b"
     r"|\bself help\b|\bperinatalite\b|\bprevention (?:pour|aupres|de la)\b"),
    ("residents",
     r"\bassociations? (?:des |de )?(?:residents|residants|proprietaires|locataires|"
     r"villegiateurs|riverains|citoyens|usagers)\b|\bassociations? (?:recreative )?(?:du "
     r"|des )lacs?\b"
     r"|\bcomite des citoyens\b|\bresidents? association\b|\bfriends of\b",
     r"\b(?:regroup\w*|association) (?:des )?(?:residents|residants|proprietaires|riverains)\b"
     r"|\bproprietaires (?:de chalets|riverains)\b|\bregroupant (?:des )?residents\b"
     # Keeping up one road, or the roads of a lake, for those who use it: "Entretien du
     # chemin", "Entretien annuel Chemin Côté", "déneigement Chemin Lac Veillette".
     r"|\bentretien (?:annuel )?(?:du|de) chemin\b|\bchemins? (?:du |de la |des |de l )?lacs?\b"),
    ("club",
     r"^club\b|\bclub (?:de|d|du|des|social|sportif|recreatif|nautique)\b|\bage d or\b"
     r"|\bfadoq\b|\bassociation des (?:\w+ )?retraite\w*|\bscouts?\b|\bguides?\b|\bguid ?amies\b"
     r"|\bcadets?\b|\b(?:association|club|cercle)\b.*\baine|\bchasse (?:et|&) peche\b"
     r"|\bzecs?\b|\bequipe (?:de |d )?(?:hockey|baseball|"
     r"soccer|bmx|football|basket\w*|volley\w*|ringuette|rugby|natation|ski|course)\b"
     r"|\bhockey mineur\b|\bassociations? (?:de chasse|de peche|sportive|recreative)\b"
     r"|\b(?:sports?|golf|football|cricket|rugby|tennis|bowls|bowling|social|swimming|cycling|"
     r"angling|fishing|hockey|netball|athletic|running|rowing|sailing|yacht) club\b",
     r"(?<!holiday )(?<!school )(?<!breakfast )\bclubs?\b|\bchasse\b(?! neige)|\bpeche\b"
     r"|\bage d or\b|\b3e age\b|\bequipe (?:de |professionnelle )"
     rf"|^(?!.*(?:{TO_THE_PUBLIC})).*\bpromouvoir (?:le |la |l )\w+"
     r"|\bjeux? de cartes\b|\bbingo\b|\bpetanque\b"
     r"|\bactivites sociales\b|\brencontres (?:de groupe|sociales|amicales)\b|^rencontres\b"),
    ("event",
     r"\bfestivals?\b|\bfetes?\b|\bfestivites\b|\bsymposium\b|\bcarnaval\b|\bcarnival\b"
     r"|\bbiennales?\b|\btriennales?\b"
     r"|\bexposition agricole\b|\bjeux (?:des|du)\b|\bgala\b|\bsnowcross\b|\bmarathon\b",
     r"\bfestival\b|\borganis\w* (?:d |des |de )?(?:evenements|competitions)\b"
     r"|\bcompetitions? d\b"),
    ("committee",
     r"^comite\b|\bcomite (?:des|de|d|du)\b|\bcommittee\b",
     # The activity text says what the organisation is: "Comité des loisirs d'un camping".
     r"^comite (?:des|de|d|du)\b|^committee\b"),
    ("student",
     r"\bassociations? (?:generale )?(?:des )?etudiant\w*|\bcomite de parents\b"
     r"|\bparents? committee\b|\bparent teacher\b|\bstudents? union\b"
     r"|\borganisme de participation des parents\b",
     r"\bassociation etudiante\b|\betudiant\w* (?:inscrits|membres)\b"
     r"|\bmembres sont (?:des |les )?etudiant\w*"),
    ("society",
     r"\bsocietes? (?:d |de l )?histo\w*|\bgenealog\w*|\bdescendants\b"
     r"|\bfamilles \w+ d amerique\b|\bassociation des \w+ d amerique\b|\bhistory society\b"
     r"|\bhistorical society\b|\bfamily history\b|\bamis de l\b",
     r"\bgenealog\w*|\barbre genealogique\b"),
    # A profession's own body: it trains, represents or insures its practitioners, who are
    # its members ("formations scientifiques aux dentistes et hygiénistes"), not clients.
    ("professional",
     r"\bordre (?:des|professionnel)\b|\bassociations? professionnelles?\b"
     r"|\bsocietes? (?:dentaire|medicale|veterinaire|pharmaceutique)s?\b"
     r"|\bprofessional (?:body|association)\b",
     # A clinic's doctors are its practitioners, not members it serves ("Clinique pour
     # problèmes respiratoires (partage des dépenses communes des médecins)").
     r"^(?!clinique\b)(?:.* )?(?:aux|pour les|des) (?:dentistes|medecins|pharmaciens"
     r"|infirmieres|infirmiers"
     r"|hygienistes|notaires|avocats|ingenieurs|architectes|comptables|chiropraticiens"
     r"|optometristes|physiotherapeutes|veterinaires|denturologistes)\b"
     r"|\bformation continue (?:des|de ses) membres\b"),
    ("business",
     r"\bchambre de commerce\b|\bsociete de developpement commercial\b|\bsdc\b"
     # A corporation of people of a trade ("des concessionnaires", "des propriétaires")
     # represents them; a corporation of things runs them ("des loisirs", "des événements").
     r"|\bassociation (?:des |d )?(?:gens|hommes|femmes) d affaires\b"
     r"|\bcorporation des \w+(?:aires|eurs|iers|ants|istes|iens)\b"
     r"|\bchamber of commerce\b|\bdeveloppement economique\b|\bcdec\b"
     r"|\bcorporation de developpement (?:economique|commercial|local|regional)\b"
     r"|\bassociation (?:\w+ ){0,2}(?:des |de )?(?:\w+ )?(?:medecins|infirmier\w*|ingenieurs"
     r"|avocats|notaires|"
     r"comptables|architectes|pharmaciens|dentistes|chiropraticiens|psychologues|enseignants|"
     r"educateurs|educatrices|policiers|pompiers|directeurs|gestionnaires|representants"
     # An association of businesses of a trade represents them; it does not trade.
     r"|agences|entreprises|entrepreneurs|marchands|commercants|concessionnaires"
     r"|manufacturiers|industriels|fabricants|pourvoiries|pourvoyeurs|hoteliers"
     r"|restaurateurs|transporteurs)\b",
     r"\bpromouvoir (?:le )?developpement economique\b|\binterets economiques\b"
     r"|\bdeveloppement (?:local|regional)\b|\bhommes d affaires\b"
     r"|\bassociation professionnelle\b"),
    ("public_body",
     r"^mrc\b|^ville de\b|^municipalite\b|\btables? des elus\b|\bcentre de services scolaire\b"
     r"|\bcommission scolaire\b|\bci?u?sss\b|\bsyndicat "
     r"intercommunal\b|\bcommunaute de communes\b|\bmairie\b|\bborough council\b"
     r"|\bcity council\b|\bcounty council\b|\bdistrict council\b",
     None),
)
_COMPILED = tuple(
    (code, re.compile(name) if name else None, re.compile(act) if act else None)
    for code, name, act in NON_SUPPLIER_RULES
)
# One pass to tell whether any rule can match (most texts match none); the rules are then
# tried in order, so that the first kind listed wins.
_ANY_NAME = re.compile("|".join(f"(?:{name})" for _, name, _ in NON_SUPPLIER_RULES if name))
_ANY_ACTIVITY = re.compile("|".join(f"(?:{act})" for _, _, act in NON_SUPPLIER_RULES if act))
# Structure types (a French SIAE list's "type de structure", a directory's type) that say
# what the organisation supplies or that it supplies nothing.
_TYPE_CAPABILITY = {
    "etti": "ressources_humaines",  # entreprise de travail temporaire d'insertion
    "ai": "ressources_humaines",  # association intermédiaire: puts staff at disposal
    "geiq": "ressources_humaines",
}
_TYPE_NOT_SUPPLIER = re.compile(
    r"\b(?:cooperative d habitation|osbl d habitation|habitation|fondation|syndicat"
    r"|caisse|mutuelle d epargne)\b")


# An association that serves its own members sells nothing (a co-operative's members are
# its customers, so the rule does not apply to co-operatives).
_MEMBERS_ONLY = re.compile(r"\b(?:a|pour|aupres de) (?:ses|leurs|nos) membres\b"
                           r"|\bfor (?:its|their) members\b")


def _fold(value: object) -> str:
    return "" if is_missing(value) else _fold_text(str(value))


@lru_cache(maxsize=200_000)
def _fold_text(text: str) -> str:
    return normalize_text(text)


# Offering services to the population (an offering verb governing "services", addressed to
# the population): a committee that does so runs a public service, not its own activities
# ("Offrir et promouvoir des services de loisirs à la population de Trois-Rivières").
_OFFERS_TO_POPULATION = re.compile(
    r"\b(?:offr\w*|fourni\w*|provid\w*) (?:\w+ ){0,3}services? (?:\w+ ){0,3}"
    r"(?:a|pour|aupres de|to|for) (?:la |toute la |the )?(?:population|public|community)\b")


def _serves_the_public(code: str, folded_name: str, folded_activity: str) -> bool:
    """Return whether a club or committee name is belied by a service the text sells.

    A club that teaches the discipline its name carries is a school ("Club de judo …":
    "enseignement … du judo"), and so is one that gives classes of any sport its name
    carries ("Club de gym …": "cours de gymnastique"); a committee that offers services to
    the population runs a public service. A seniors' club's dance lessons carry no
    discipline in its name.
    """
    if code == "committee":
        return bool(_OFFERS_TO_POPULATION.search(folded_activity))
    words = set(folded_activity.split())
    name_words = set(folded_name.split())
    # Classes given ("cours de gymnastique", "cours de judo") of any sport or discipline the
    # name carries ("Club de gym …" carries gymnastique): a school, whatever the discipline.
    # Teaching one's members a sport ("enseigner … le patinage de vitesse") stays a club.
    if any(_carries(name_words, sport) for sport in _classes_given(folded_activity)):
        return True
    taught = _disciplines(words) & _LESSON_DISCIPLINES
    if not taught or not (words & _TEACHING or _TO_THE_PUBLIC.search(folded_activity)):
        return False
    return bool(taught & _disciplines(name_words))


def _disciplines(words: set[str]) -> set[str]:
    """Return the words, with "taekwondo" for the "taekwon" of a folded "taekwon-do"."""
    return words | {"taekwondo"} if "taekwon" in words else words


# Classes given: "cours de/d'/du <sport>" (an adjective or two may follow the sport).
_CLASSES = re.compile(r"\b(?:cours|lecons?|classes|lessons) (?:de |d |du |des |en |of )?(\w+)")


def _classes_given(folded_activity: str) -> set[str]:
    """Return the sports or disciplines the text says classes are given in."""
    return {m.group(1) for m in _CLASSES.finditer(folded_activity)} & _SPORTS


def _carries(name_words: set[str], sport: str) -> bool:
    """Return whether a name carries a sport, whole or shortened ("gym" for gymnastique)."""
    return any(w == sport or (len(w) >= 3 and sport.startswith(w)) for w in name_words)


def _is_cooperative(folded_name: str, legal_form: object) -> bool:
    form = _fold(legal_form)
    return form in {"cop", "coop", "cooperative", "scop", "scic"} or bool(
        re.search(r"\bco ?op\w*", folded_name))


def non_supplier_reason(name: object, activity: object = None, legal_form: object = None,
                        org_type: object = None, *, activity_code: object = None,
                        country: object = None, taxonomy: Taxonomy | None = None) -> str | None:
    """Return why an organisation sells nothing to a municipality, or None.

    The reason is a stable code: financial, housing, fraternal, religious, union,
    foundation, charity, concertation, advocacy, support, residents, club, event, student,
    society, professional, business, public_body. The name decides first (what the organisation is),
    then the activity text (what it says it does), then an activity code.
    """
    folded_name = _fold(name)
    folded_activity = _fold(activity)
    folded_type = _fold(org_type)
    if folded_name and _ANY_NAME.search(folded_name):
        for code, name_re, _ in _COMPILED:
            if name_re is not None and name_re.search(folded_name):
                if code in ("club", "committee") and _serves_the_public(
                        code, folded_name, folded_activity):
                    continue
                return code
    if folded_type and _TYPE_NOT_SUPPLIER.search(folded_type):
        return "housing" if "habitation" in folded_type else "financial"
    if folded_activity and _ANY_ACTIVITY.search(folded_activity):
        for code, _, act_re in _COMPILED:
            if act_re is not None and act_re.search(folded_activity):
                if code == "foundation" and _classes_given(folded_activity):
                    # A school that raises funds is a school ("COURS DE JUDO ET CAMPAGNE DE
                    # FINANCEMENT").
                    continue
                return code
    if _MEMBERS_ONLY.search(folded_activity) and not _is_cooperative(folded_name, legal_form):
        return "members"
    if taxonomy is not None and not is_missing(activity_code):
        found = match_activity_code(taxonomy, activity_code, country)
        if found is not None and found.non_supplier:
            return found.non_supplier
    return None


# --- what activity text and names say ----------------------------------------------------


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_SPORTS = _words(
    "danse natation voile ski patinage taekwondo karate judo yoga escalade equitation "
    "tennis golf gymnastique escrime hockey soccer baseball canot kayak plongee boxe "
    "badminton musculation pilates swimming dance sailing skating climbing riding "
    # Martial arts: "arts martiaux", "jiu-jitsu" fold to the words "martiaux", "jitsu".
    "martiaux jitsu jujitsu aikido kickboxing")
_TEACHING = _words(
    "cours ecole enseignement academie lecon initiation camp lesson lessons school "
    "academy coaching")
_TEACHING_WORDS = frozenset({"formation", "formations", "enseignement", "cours", "coaching"})
# Disciplines learned in classes at a school rather than played in a club or a league.
_LESSON_DISCIPLINES = _words(
    "taekwondo karate judo boxe martiaux jitsu jujitsu aikido kickboxing yoga pilates danse "
    "dance")
_TO_THE_PUBLIC = re.compile(TO_THE_PUBLIC)
# Words after which the rest of a name is a proper name, never an activity.
_NAME_BLOCKERS = _words(
    "club table comite cercle ordre amis equipe ligue societe fondation foundation "
    "friends association regroupement federation conseil")
# Heads of a name that announce an activity in the following words ("Coopérative de ...").
_ORG_HEADS = _words(
    "cooperative coop entreprise entreprises services service atelier ateliers centre "
    "corporation compagnie groupe organisme maison")
_ARTICLES = frozenset({"le", "la", "les", "l", "the", "un", "une"})
# Trade nouns that state an activity wherever they stand in a name ("Les Délices Traiteur").
TRADE_NOUNS = _words(
    "traiteur traiteurs paysagiste paysagistes imprimerie imprimeur plomberie plombier "
    "menuiserie ebenisterie boulangerie patisserie friperie ressourcerie recyclerie "
    "garderie auberge gite motel brasserie microbrasserie fromagerie conciergerie "
    "buanderie blanchisserie serrurier serrurerie couvreur electricien deneigement "
    "nettoyage reprographie caterer caterers catering landscaping landscapers cleaning "
    "printing printers bakery brewery upholstery")
_LEGAL_TAIL = _words(
    "inc ltee ltd enr senc coop cooperative osbl obnl sas sarl scop scic eurl sa cic llp "
    "plc")


# Phrases that contain a capability word but state no capability: matched first, they use
# up their words ("biens mobiliers" is property, not furniture).
NEUTRAL_PHRASES = (
    "biens mobiliers", "biens immobiliers", "éducation populaire", "patinage artistique",
    "nage synchronisée", "restauration écologique", "restauration de milieux",
    "personal property", "café rencontre", "cafés rencontres", "refuge pour animaux",
    "secourisme animalier", "secourisme animaux", "formation et information",
    "information et formation",
    # Job search is not research: "centre de recherche d'emploi", "aide à la recherche
    # d'emploi".
    "centre de recherche d'emploi", "recherche d'emploi",
    # A place where training happens is a venue (rented or used), not training sold.
    "espace de formation", "espaces de formation", "salle de formation",
    "salles de formation", "locaux de formation", "lieu de formation",
    *(f"formation {who}" for who in (
    # Training of the organisation's own public is not training a municipality buys.
    "des jeunes", "des membres", "des bénévoles", "des parents", "des femmes", "des personnes",
    "des participants", "des enfants", "young people", "of members", "of volunteers")),
)


# Award-level activity evidence needs a trade: a service or product sold. Two kinds of hit
# state a field, a cause or the organisation's own public more often than a trade, and give
# only a prospect to verify (evidence `sector`, bucket `activity:generic`):
# - a single generic word: a field of practice or study ("formation", "patrimoine",
#   "musique", "informatique"), an ambiguous industry word ("impression", "construction",
#   "location") or an adjective ("forestier", "horticole"); trade nouns ("garderie",
#   "friperie", "musée", "traiteur", "déneigement") and multiword trade phrases ("formation
#   sur mesure", "service de garde") stay award evidence;
# - a community service a municipality does not buy as a market service: outreach, social
#   work, palliative accompaniment, respite, crisis and emergency shelter, usually free to
#   a public and funded by others.
GENERIC_WORDS = _words(
    "formation formations perfectionnement coaching patrimoine musique danse exposition "
    "expositions spectacle spectacles impression construction location informatique "
    "photographie couture forestier forestiers forestiere horticulture horticole architecture "
    "urbanisme psychologie aliments refuge laboratoire caracterisation chorale choral choir "
    "loisirs loisir leisure")
# Leisure named bare is a pastime unless a trade verb governs it ("organiser les loisirs",
# "organisation de loisirs pour la collectivité"); an arts practice stated beside such a
# bare pastime is an amateur group ("CHORALE CONCERTS LOISIRS", "ensemble vocal produisant
# des spectacles comme loisir"): its culture words give only a prospect.
# Phrases of several words that name a field of activities, not a trade, like a generic
# word: "activités culturelles" are organised for a public or for members ("Organisation
# et promotion d'activités culturelles" sells them; "des activités culturelles, sportives et
# sociales" may be a members' programme).
GENERIC_PHRASES = frozenset({"activites culturelles", "activites culturels"})
LEISURE_WORDS = _words("loisirs loisir leisure")
# Amateurs perform as a pastime: "orchestre … interprété par des musiciens amateurs" is an
# amateur band, whatever the culture words around it (a prospect, like a bare pastime).
AMATEUR = re.compile(r"\bamateurs?\b|\bamateur \w+")
COMMUNITY_SERVICE_PHRASES = frozenset({
    "travail de rue", "services sociaux", "soins palliatifs", "intervention psychosociale",
    "travail social", "prevention du suicide", "repit", "hebergement d urgence",
    "social work", "street work", "palliative care", "respite", "emergency shelter"})
# Phrases that usually describe the organisation's own participants (a work-integration
# enterprise trains its own workers), not a service sold.
OWN_PUBLIC_PHRASES = frozenset({"formation professionnelle", "vocational training"})


# A generic word is a line of trade when a trade verb or noun governs it ("service de
# formation", "offrir des ateliers … et des expositions", "vente de …").
# An organising verb or noun may take its object bare or with "les" ("organiser les
# loisirs", "organisation activités de loisirs"); "organisme" is no verb. Teaching, as
# the noun that heads a text, is a trade and governs the whole text ("ENSEIGNEMENT
# (FORMATION)", "Enseignement méthode … / formation, encadrement").
_TRADE_CONTEXT = re.compile(
    r"\b(?:services? (?:d |de |des )|offr\w*|fourni\w*|propos\w*|dispens\w*"
    r"|vente (?:d |de |des )|vendre|^enseignement\b.*"
    # Running, making or teaching something is a trade: "gestion d'un musée", "exploitation
    # d'un centre", "production de spectacles", "cours de musique", "réparation de …".
    r"|(?:gestion|exploitation|exploiter|operation|operer|production|produire|fabrication"
    r"|reparation|cours) (?:d |de |des |du )(?:un |une |l |la |le |les )?"
    r"|organis(?!me)\w* (?:des |de |d |les |l )?)(?:\w+ ){0,3}$")
# A generic noun of action that is a trade when it governs its object: renting something
# ("location de bâtiments et de matériel", "location des installations"); a bare
# "location" in a list says nothing.
_SERVICE_OF_INTERVENTION = re.compile(r"^services? d intervention\b")
_TRADE_WITH_OBJECT = re.compile(r"\blocations? (?:de |d |des |du )\w+")


def prospect_only(keyword: str, n_tokens: int) -> str | None:
    """Return why an activity phrase gives only a prospect (or None when it states a trade)."""
    folded = _fold(keyword)
    if folded in COMMUNITY_SERVICE_PHRASES:
        return "community_service"
    if folded in OWN_PUBLIC_PHRASES:
        return "own_public"
    if (n_tokens == 1 and folded in GENERIC_WORDS) or folded in GENERIC_PHRASES:
        return "generic_word"
    return None


# Names that carry a structure designation regulated by law or by the co-operative
# statutes, which states the trade whatever the proper name after it: a "CPE" (centre de
# la petite enfance, Quebec's Educational Childcare Act) runs childcare; a "coopérative
# de santé" / "coop de solidarité santé" runs a clinic.
_STRUCTURE_IN_NAME: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (re.compile(r"^(?:le |la )?(?:cpe|centre de la petite enfance)\b"),
     "services_garde_education", "centre de la petite enfance"),
    (re.compile(r"^(?:la )?(?:coop\w*|cooperative)(?: de solidarite)?(?: de| en)? sante\b"),
     "services_sociaux_sante", "coopérative de santé"),
    # An O.T.J. (oeuvre / organisation des terrains de jeux) runs a town's playgrounds and
    # day camps.
    (re.compile(r"^(?:l |le |la )?(?:o t j|otj|(?:oeuvre|organisation) des terrains de jeux)\b"),
     "loisirs_animation", "oeuvre des terrains de jeux"),
)


def _in_trade_context(folded_text: str, keyword: str) -> bool:
    """Return whether a trade verb or noun governs a word of the text (or it governs its object)."""
    word = _fold(keyword)
    if word == "location" and _TRADE_WITH_OBJECT.search(folded_text):
        return True
    # The lexicon matches plurals ("formations" finds the keyword "formation"): so does this.
    for match in re.finditer(rf"\b{re.escape(word)}[sx]?\b", folded_text):
        if _TRADE_CONTEXT.search(folded_text[:match.start()]):
            return True
    return False


def structure_in_name(name: object) -> tuple[str, str] | None:
    """Return (category, designation) when a name starts with a trade-stating structure."""
    folded = _fold(name)
    for pattern, code, designation in _STRUCTURE_IN_NAME:
        if pattern.search(folded):
            return code, designation
    return None


LOOSE_GAP = 1  # words a phrase of the lexicon may have between two of its words


@dataclass(frozen=True)
class Hit:
    """A lexicon phrase found in a text."""

    category_code: str
    keyword: str
    n_tokens: int

    @property
    def strength(self) -> str:
        """Return 'phrase' for a multi-word phrase, 'word' for one word."""
        return "phrase" if self.n_tokens > 1 else "word"


class CapabilityLexicon:
    """The taxonomy's capability phrases, matched longest first; a matched word is used once."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.phrases: dict[tuple[str, ...], list[tuple[str, str]]] = {}
        self.max_len = 1
        for cat in taxonomy.categories.values():
            for words in (cat.capability_keywords_fr, cat.capability_keywords_en):
                for text in words:
                    toks = taxonomy.tokens(text)
                    if not toks:
                        continue
                    bucket = self.phrases.setdefault(toks, [])
                    if all(code != cat.code for code, _ in bucket):
                        bucket.append((cat.code, text))
                    self.max_len = max(self.max_len, len(toks))
        for text in NEUTRAL_PHRASES:
            toks = taxonomy.tokens(text)
            if toks:
                self.phrases[toks] = []
                self.max_len = max(self.max_len, len(toks))
        # Phrases of several words by their first word, longest first, for the loose match.
        self._by_first: dict[str, list[tuple[str, ...]]] = {}
        for toks in sorted(self.phrases, key=len, reverse=True):
            if len(toks) > 1:
                self._by_first.setdefault(toks[0], []).append(toks)
        self._cache: dict[str, tuple[Hit, ...]] = {}

    def _loose_phrase(self, toks: tuple[str, ...], start: int) -> tuple[str, ...] | None:
        """Return the longest phrase found from `start` with one other word between its words.

        A declaration coordinates or qualifies the words of a trade ("collecte des encombrants
        et des déchets" is "collecte des déchets"); one word in between, never more, keeps
        the phrase's words about one thing.
        """
        for phrase in self._by_first.get(toks[start], ()):
            position = start
            for word in phrase[1:]:
                window = toks[position + 1:position + 1 + LOOSE_GAP + 1]
                if word not in window:
                    break
                position += 1 + window.index(word)
            else:
                return phrase
        return None

    def hits(self, text: object) -> tuple[Hit, ...]:
        """Return the phrases found in a text, longest first, each word used once."""
        norm = _fold(text)
        if not norm:
            return ()
        cached = self._cache.get(norm)
        if cached is not None:
            return cached
        toks = self.taxonomy.tokens(norm)
        found: list[Hit] = []
        i = 0
        while i < len(toks):
            for size in range(min(self.max_len, len(toks) - i), 0, -1):
                entries = self.phrases.get(toks[i:i + size])
                if entries is not None:
                    found.extend(Hit(code, kw, size) for code, kw in entries)
                    i += size
                    break
            else:
                loose = self._loose_phrase(toks, i)
                if loose is not None:
                    found.extend(Hit(code, kw, len(loose)) for code, kw in self.phrases[loose])
                i += 1
        result = tuple(found)
        self._cache[norm] = result
        return result


_LEXICONS: dict[int, CapabilityLexicon] = {}


def lexicon_for(taxonomy: Taxonomy) -> CapabilityLexicon:
    """Return the (cached) capability lexicon of a taxonomy."""
    lex = _LEXICONS.get(id(taxonomy))
    if lex is None or lex.taxonomy is not taxonomy:
        lex = _LEXICONS[id(taxonomy)] = CapabilityLexicon(taxonomy)
    return lex


def _headed_by_school(name: str) -> bool:
    """Return whether a folded name is headed by a school word ("École de danse …").

    A school word further on names the school an association belongs to ("Association de
    sport Académie …" is a school's sports association, not a school).
    """
    words = [w for w in name.split() if w not in _ARTICLES]
    return bool(words) and words[0] in {"ecole", "academie", "academy", "school"}


def _sport_teaching(activity: str, name: str) -> str | None:
    """Return the sport when the text says it is taught or run for the public."""
    words = set(activity.split())
    sports = words & _SPORTS
    if not sports and "taekwon" in words:
        sports = {"taekwondo"}
    if not sports:
        return None
    if words & _TEACHING or _headed_by_school(name):
        return sorted(sports)[0]
    if sports & _LESSON_DISCIPLINES and _TO_THE_PUBLIC.search(activity):
        # A martial art, dance or yoga is practised by taking classes: promoting it to the
        # population is offering those classes (a hunting or golf club promotes its pastime
        # to members and stays a club).
        return sorted(sports & _LESSON_DISCIPLINES)[0]
    return None


# A domain word that, for a co-operative (an enterprise selling to its members and the
# public), states its trade: a "coopérative de santé" runs a clinic.
# Likewise "loisirs": a co-operative whose activity is leisure sells leisure activities
# ("Activités de loisirs, services de proximité"), where an association would run them
# for its members.
_COOP_DOMAIN_WORDS = {"sante": "services_sociaux_sante", "health": "services_sociaux_sante",
                      "loisirs": "loisirs_animation", "leisure": "loisirs_animation"}


# Publishing a review, periodical or books: the words that follow say what it is about
# ("revue scientifique en psychologie", "périodique en création littéraire et art
# visuel"), not a service the publisher sells.
_PUBLISHING = re.compile(
    r"\b(?:edition|publication|publier|editer)\b(?: et \w+)? (?:(?:d|de|des|du|une|un|la|le|"
    r"les) ){0,2}(?:revues?|periodiques?|magazines?|livres?|ouvrages?|bulletins?)\b")
_PUBLISHING_CATEGORIES = frozenset({"communication_marketing", "impression_graphisme"})


# Recreation named with its object: "ateliers récréatifs de musique", "activités guidées en
# eau vive".
_RECREATION_OBJECT = re.compile(
    r"\b(?:ateliers? recreatifs?|activites? (?:recreatives?|guidees?)) (?:de |d |en )(\w+)")


def activity_hits(lexicon: CapabilityLexicon, activity: object, name: object = None,
                  *, cooperative: bool = False) -> list[Hit]:
    """Return what an activity text says the organisation supplies."""
    folded = _fold(activity)
    if not folded:
        return []
    hits = list(lexicon.hits(folded))
    if _PUBLISHING.search(folded):
        hits = [h for h in hits if h.category_code in _PUBLISHING_CATEGORIES]
    if any(h.category_code == "aide_domicile" for h in hits):
        # "Aide domestique en entretien ménager": cleaning of clients' homes is home help.
        hits = [h for h in hits if h.category_code != "entretien_menager"]
    taught = {m.group(1) for m in _RECREATION_OBJECT.finditer(folded)}
    if taught:
        # What a recreational workshop is about is the recreation, not a second trade
        # ("ateliers récréatifs de musique" is recreation, not a music presenter).
        hits = [h for h in hits if not (h.n_tokens == 1 and _fold(h.keyword) in taught)]
    if cooperative:
        words = set(folded.split())
        hits.extend(Hit(code, word, 1) for word, code in _COOP_DOMAIN_WORDS.items()
                    if word in words and all(h.category_code != code for h in hits))
    if any(h.category_code in ("culture_evenements", "loisirs_animation") for h in hits):
        # "Orchestre, formation", "formation de choristes": arts teaching, not staff training.
        hits = [h for h in hits if h.keyword not in _TEACHING_WORDS]
    sport = _sport_teaching(folded, _fold(name))
    if sport:
        # "Cours de danse", "enseignement taekwon-do": recreation, not staff training nor a show.
        hits = [h for h in hits
                if h.keyword not in _TEACHING_WORDS and _fold(h.keyword) not in _SPORTS]
        hits.append(Hit("loisirs_animation", sport, 2))
    return hits


def name_activity_text(name: object) -> str:
    """Return the part of a name that can state an activity as a common noun.

    Capitalised words after the first are a proper name ("Sourire Mobile", "Club de
    patinage Perce-Neige"); nothing after a head such as club, table or association counts.
    For names written all in capitals the case says nothing: the leading words up to the
    first proper-looking break are kept.
    """
    if is_missing(name):
        return ""
    raw = str(name).replace("\u2019", "'")
    words = re.findall(r"[\w'-]+", raw)
    if not words or _fold(words[0]) in _NAME_BLOCKERS:
        return ""
    mixed_case = raw != raw.upper()
    kept: list[str] = []
    for i, word in enumerate(words):
        folded = _fold(word)
        first = folded.split()[0] if folded else ""
        if first in _NAME_BLOCKERS:
            return ""
        if i == 0 or (first in _ARTICLES and not kept):
            kept.append(word)
            continue
        if mixed_case and word[:1].isupper():
            break
        kept.append(word)
    text = " ".join(kept)
    folded_words = _fold(text).split()
    while folded_words and folded_words[0] in _ARTICLES:
        folded_words.pop(0)
    if len(folded_words) == 1 and folded_words[0] in _ORG_HEADS:
        folded_words = []
    tail = [w for w in _fold(raw).split() if w not in _LEGAL_TAIL]
    if tail and tail[-1] in TRADE_NOUNS and tail[-1] not in folded_words:
        folded_words.append(tail[-1])
    return " ".join(folded_words)


def _bucket(evidence: str, strength: str, corroborated: bool) -> str:
    if evidence == "sector":
        return "activity:generic" if strength == "generic" else "sector"
    base = f"{evidence}:{strength}"
    if evidence == "activity" and corroborated and f"{base}+" in CALIBRATION:
        return f"{base}+"
    return base


def confidence_for(bucket: str) -> float:
    """Return the calibrated confidence of an evidence bucket."""
    return CALIBRATION.get(bucket, CALIBRATION["name:word"])


@dataclass
class _Found:
    evidence: str
    strength: str
    detail: dict[str, str]
    others: set[str]


_FR = {"activity": "activité", "activity_code": "code d'activité", "org_type": "type",
       "sector": "secteur", "name": "nom"}


_EN = {"activity": "activity", "activity_code": "activity code", "org_type": "type",
       "sector": "sector", "name": "name"}


def _reason(detail: dict[str, str], bucket: str) -> str:
    """Say what the evidence is in both languages (the calibration bucket stays data)."""
    field = detail.get("field", "")
    value = detail.get("keyword") or detail.get("code") or detail.get("sector") or ""
    return f"{_FR.get(field, field)} « {value} » / {_EN.get(field, field)} “{value}”"


def _column(frame: pd.DataFrame, name: str) -> list[object]:
    return frame[name].tolist() if name in frame else [None] * len(frame)


def supplier_capabilities(taxonomy: Taxonomy, *, name: object = None, activity: object = None,
                          activity_code: object = None, org_type: object = None,
                          legal_form: object = None, sector: object = None,
                          country: object = None) -> list[dict[str, Any]]:
    """Return the capabilities of one organisation (category, evidence, detail, bucket)."""
    if non_supplier_reason(name, activity, legal_form, org_type, activity_code=activity_code,
                           country=country, taxonomy=taxonomy):
        return []
    lexicon = lexicon_for(taxonomy)
    found: dict[str, _Found] = {}

    def add(code: str, evidence: str, strength: str, detail: dict[str, str]) -> None:
        if code not in taxonomy.categories:
            return
        current = found.get(code)
        rank = EVIDENCE_LEVELS.index(evidence)
        if current is None:
            found[code] = _Found(evidence, strength, detail, set())
            return
        if rank < EVIDENCE_LEVELS.index(current.evidence):
            current.others.add(current.evidence)
            current.evidence, current.strength, current.detail = evidence, strength, detail
        elif evidence != current.evidence:
            current.others.add(evidence)
        elif strength == "phrase" and current.strength == "word":
            current.strength, current.detail = strength, detail

    if not is_missing(activity_code):
        match = match_activity_code(taxonomy, activity_code, country)
        if match is not None and match.category_code:
            add(match.category_code, "activity", match.strength,
                {"field": "activity_code", "code": match.code, "scheme": match.scheme})
    type_key = _fold(org_type).replace(" ", "")
    if type_key in _TYPE_CAPABILITY:
        add(_TYPE_CAPABILITY[type_key], "activity", "org_type",
            {"field": "org_type", "keyword": str(org_type).strip()})
    cooperative = _is_cooperative(_fold(name), legal_form)
    generic: dict[str, dict[str, str]] = {}
    hits = activity_hits(lexicon, activity, name, cooperative=cooperative)
    trade = [h for h in hits if prospect_only(h.keyword, h.n_tokens) is None]
    folded_activity = _fold(activity)
    leisure = [h for h in hits if h.n_tokens == 1 and _fold(h.keyword) in LEISURE_WORDS]
    pastime = not cooperative and (any(
        not _in_trade_context(folded_activity, h.keyword) for h in leisure)
        or bool(AMATEUR.search(folded_activity)))
    for hit in hits:
        why = prospect_only(hit.keyword, hit.n_tokens)
        if hit in leisure:
            if cooperative:
                # A co-operative sells what its domain word names (see _COOP_DOMAIN_WORDS).
                add(hit.category_code, "activity", "word",
                    {"field": "activity", "keyword": hit.keyword})
            elif not pastime:
                add(hit.category_code, "activity", "generic_in_trade",
                    {"field": "activity", "keyword": hit.keyword})
            else:
                generic.setdefault(hit.category_code, {"field": "activity",
                                                       "keyword": hit.keyword,
                                                       "prospect_only": "generic_word"})
            continue
        if leisure and _fold(hit.keyword) in GENERIC_PHRASES:
            # A leisure programme's cultural activities are part of the leisure it runs
            # ("ORGANISATION DES LOISIRS ACTIVITÉS CULTURELLES"), not a presenter's trade.
            generic.setdefault(hit.category_code, {"field": "activity", "keyword": hit.keyword,
                                                   "prospect_only": "generic_word"})
            continue
        if pastime and hit.category_code == "culture_evenements":
            generic.setdefault(hit.category_code, {"field": "activity", "keyword": hit.keyword,
                                                   "prospect_only": "pastime"})
            continue
        if why == "generic_word" and (trade or _in_trade_context(folded_activity, hit.keyword)):
            # One line among the trades the text states ("traitement psychologique /
            # formation"), or governed by a trade verb ("service de formation").
            add(hit.category_code, "activity", "generic_in_trade",
                {"field": "activity", "keyword": hit.keyword})
            continue
        if why == "community_service" and _SERVICE_OF_INTERVENTION.search(folded_activity):
            # Sold as a service of intervention ("Services d'intervention en prévention du
            # suicide"): a health service, not outreach offered free.
            add(hit.category_code, "activity", "generic_in_trade",
                {"field": "activity", "keyword": hit.keyword})
            continue
        if why is not None:
            generic.setdefault(hit.category_code, {"field": "activity", "keyword": hit.keyword,
                                                   "prospect_only": why})
            continue
        add(hit.category_code, "activity", hit.strength,
            {"field": "activity", "keyword": hit.keyword})
    structure = structure_in_name(name)
    if structure is not None:
        add(structure[0], "activity", "structure",
            {"field": "name", "keyword": structure[1], "structure": "true"})
    for code, detail in generic.items():
        if code not in found:
            add(code, "sector", "generic", detail)
    if not is_missing(sector):
        for code in taxonomy.sector_slugs.get(str(sector).strip(), ()):
            add(code, "sector", "sector", {"field": "sector", "sector": str(sector).strip()})
    for hit in lexicon.hits(name_activity_text(name)):
        add(hit.category_code, "name", hit.strength, {"field": "name", "keyword": hit.keyword})
    home = found.get("aide_domicile")
    cleaning = found.get("entretien_menager")
    if home is not None and cleaning is not None and cleaning.evidence == "activity":
        # A home-services enterprise whose activity is cleaning cleans homes: home help.
        del found["entretien_menager"]
        if home.evidence != "activity":
            home.others.add(home.evidence)
            home.evidence, home.strength = "activity", cleaning.strength
            home.detail = cleaning.detail
    out = []
    for code, f in found.items():
        bucket = _bucket(f.evidence, f.strength, bool(f.others))
        confidence = confidence_for(bucket)
        evidence, detail = f.evidence, f.detail
        if evidence == "activity" and confidence < AWARD_MIN_CONFIDENCE:
            # Calibrated too weak to award on: a prospect, like a hub sector.
            evidence = "sector"
            detail = {**detail, "below_award_confidence": f"{AWARD_MIN_CONFIDENCE:.2f}"}
        out.append({"category_code": code, "evidence": evidence, "evidence_detail": detail,
                    "bucket": bucket, "confidence": confidence,
                    "reason": _reason(detail, bucket)})
    return out


def _registry_capabilities(registry: pd.DataFrame, taxonomy: Taxonomy
                           ) -> Iterator[tuple[Any, dict[str, Any]]]:
    """Yield (key, capability) for every capability of every registry row."""
    columns = ("key", "name", "activity", "activity_code", "org_type", "legal_form", "sector",
               "country")
    for key, name, activity, code, org_type, legal_form, sector, country in zip(
            *(_column(registry, c) for c in columns), strict=True):
        for cap in supplier_capabilities(taxonomy, name=name, activity=activity,
                                         activity_code=code, org_type=org_type,
                                         legal_form=legal_form, sector=sector,
                                         country=country):
            yield key, cap


def infer_supplier_categories(registry: pd.DataFrame, taxonomy: Taxonomy, *,
                              min_confidence: float = 0.0) -> pd.DataFrame:
    """Infer the categories each registry organisation can supply, with their evidence.

    `registry` has key and name and, when known, activity, activity_code, org_type,
    legal_form, sector, country (any may be absent or None). Returns one row per
    (key, category_code) with columns key, category_code, confidence, evidence,
    evidence_detail, reason; strongest evidence first within a key. An organisation with no
    capability (or one that sells nothing to municipalities) has no row.
    """
    rows = [{"key": key, "category_code": cap["category_code"],
             "confidence": cap["confidence"], "evidence": cap["evidence"],
             "evidence_detail": cap["evidence_detail"], "reason": cap["reason"],
             "_rank": EVIDENCE_LEVELS.index(cap["evidence"])}
            for key, cap in _registry_capabilities(registry, taxonomy)
            if cap["confidence"] >= min_confidence]
    out = pd.DataFrame(rows, columns=[*OUTPUT_COLUMNS, "_rank"])
    if len(out):
        out = out.sort_values(["key", "_rank", "confidence"], ascending=[True, True, False],
                              kind="stable")
    return out.drop(columns="_rank").reset_index(drop=True)


def capability_buckets(registry: pd.DataFrame, taxonomy: Taxonomy) -> pd.DataFrame:
    """Return key, category_code, evidence and calibration bucket of every inferred pair."""
    rows = [{"key": key, "category_code": cap["category_code"], "evidence": cap["evidence"],
             "bucket": cap["bucket"], "confidence": cap["confidence"]}
            for key, cap in _registry_capabilities(registry, taxonomy)]
    return pd.DataFrame(rows, columns=["key", "category_code", "evidence", "bucket",
                                       "confidence"])


def award_eligible(inferred: pd.DataFrame, evidence: Iterable[str] = AWARD_EVIDENCE
                   ) -> pd.DataFrame:
    """Return the inferred pairs whose evidence is strong enough for an award."""
    return inferred[inferred["evidence"].isin(tuple(evidence))]


def categories_by_supplier(inferred: pd.DataFrame) -> dict[object, dict[str, float]]:
    """Collapse inferred rows into {key: {category_code: confidence}} for eligibility."""
    out: dict[object, dict[str, float]] = {}
    for key, code, conf in inferred[["key", "category_code", "confidence"]].itertuples(index=False):
        out.setdefault(key, {})[code] = float(conf)
    return out
