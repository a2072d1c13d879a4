"""Build procurement/data/labels/incumbents.csv from the public registry files.

Positives: registry enterprises that have an NEQ, written the way finance systems write
supplier names (UPPER CASE, no accents, abbreviations, cut at 30 characters, legal suffix
dropped or added, '&' for 'et', article dropped, punctuation lost, rare typo). The truth is
the NEQ, known by construction. Negatives: real English supplier names from the Bradford
file, hand-written Quebec companies, and registry-like names moved to a town outside the
region; every negative is checked to be absent from the registry files.

This script never calls the matcher. Usage:
    python scripts/build_labelled_sets.py [REALDATA_DIR] [OUT_CSV]

Capabilities (procurement/data/labels/capabilities.csv) are labelled by a person, not built:
    python scripts/build_labelled_sets.py capabilities-sample [OUT_CSV]
draws the organisations to label (deterministic: the lowest hashes of the NEQ, else the
name, per source: 175 directory rows whose NEQ is in the REQ extract, so their activity
text is known, 25 directory rows without one, 140 REQ rows not in the directory) and writes
them with the facts a labeller reads (name, activity text, legal form, type, sector); the
labeller adds `categories` and `notes` by reading each row, following the rubric in
docs/matching.md, without running the matcher. Then
    python scripts/build_labelled_sets.py calibrate
fits the confidence of each evidence bucket on the development labels (`DEVELOPMENT_LABELS`,
never a set held out for evaluation) and prints it with its reliability, for CALIBRATION in
procurement/matching/capabilities.py and the table in docs/matching.md.
    python scripts/build_labelled_sets.py capabilities-holdout-sample [OUT_CSV]
draws the fresh held-out set (capabilities-holdout.csv): same pool and mix, another hash
salt, none of the organisations of capabilities.csv; labelled blind the same way.
    python scripts/build_labelled_sets.py capabilities-blind-sample [OUT_CSV]
draws the blind set (capabilities-blind.csv): a third salt, none of the organisations of
either earlier file (both are development data once evaluated).
    python scripts/build_labelled_sets.py capabilities-fresh-sample [OUT_CSV]
draws the fresh set (capabilities-fresh.csv): a fourth salt, none of the organisations of
the three earlier files (the blind set's misses were read once it was evaluated).
    python scripts/build_labelled_sets.py capabilities-fifth-sample [OUT_CSV]
draws the fifth set (capabilities-fifth.csv): a fifth salt, none of the four earlier files
(the fresh set's misses were read once it was evaluated).
    python scripts/build_labelled_sets.py capabilities-sixth-sample [OUT_CSV]
draws the sixth set (capabilities-sixth.csv): a sixth salt, none of the five earlier files.
    python scripts/build_labelled_sets.py capabilities-seventh-sample [OUT_CSV]
draws the seventh set (capabilities-seventh.csv): a seventh salt, none of the six earlier
files (one drawn row was dropped after labelling: another directory row of an organisation
the fresh set holds, under the evaluation's name key).
"""

from __future__ import annotations

import csv
import hashlib
import random
import re
import sys
from pathlib import Path

import pandas as pd
from unidecode import unidecode

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_REALDATA = ROOT / "procurement" / "data" / "reference"
DEFAULT_OUT = ROOT / "procurement" / "data" / "labels" / "incumbents.csv"
SEED = 20250401
N_POSITIVES = 380
N_BRADFORD = 150

# Written by hand: Quebec companies and public bodies a municipality pays that are not
# social economy registry entries (some look like registry names on purpose).
HAND_NEGATIVES = [
    "Sani-Marc inc.",
    "Bell Canada",
    "Hydro-Québec",
    "HYDRO QUEBEC",
    "Entretien Ménager Trois-Rivières Inc.",
    "Entretien ménager Shawinigan inc.",
    "Pavage Maska inc.",
    "Énergir s.e.c.",
    "Vidéotron ltée",
    "Wolseley Canada inc.",
    "Bureau en Gros",
    "Toromont Cat (Québec)",
    "Pétroles Sonic",
    "Ultramar ltée",
    "Les Entreprises Bourget inc.",
    "Construction & Pavage Portneuf inc.",
    "Excavation Lafontaine inc.",
    "9123-4567 Québec inc.",
    "9876-5432 QUEBEC INC",
    "Groupe Deschênes inc.",
    "Services Matrec inc.",
    "Englobe Corp.",
    "WSP Canada inc.",
    "Stantec Experts-conseils ltée",
    "Cain Lamarre s.e.n.c.r.l.",
    "Therrien Couture Joli-Cœur s.e.n.c.r.l.",
    "Mutuelle des municipalités du Québec",
    "Fédération québécoise des municipalités",
    "Centre de services scolaire du Chemin-du-Roy",
    "CIUSSS de la Mauricie-et-du-Centre-du-Québec",
    "Librairie Poirier inc.",
    "Imprimerie Gagné ltée",
    "Paysagement Mauricie inc.",
    "Déneigement Trois-Rivières inc.",
    "DENEIGEMENT ST-TITE ENR",
    "Traiteur Buffet des Continents",
    "Marché Métro Trois-Rivières",
    "IGA Extra Famille Jacques",
    "Canadian Tire Shawinigan",
    "Home Dépôt Trois-Rivières",
    "Réno-Dépôt",
    "BMR Trois-Rivières",
    "Location Hewitt inc.",
    "Toyota Trois-Rivières",
    "Uniformes Town & Country",
    "Informatique Mauricie inc.",
    "Recyclage Mauricie inc.",
    "Friperie Chic Trois-Rivières inc.",
    "Coopérative funéraire de l'Outaouais",
    "Coopérative funéraire du Bas-Saint-Laurent",
    "Centre d'action bénévole de Laval",
    "Centre de la petite enfance Les Petits Lutins de Gatineau",
    "Club de golf de Sherbrooke",
    "Association des pompiers de Montréal",
    "Société de transport de Trois-Rivières",
    "Ville de Shawinigan",
    "Municipalité de Saint-Tite",
    "MRC de Mékinac",
    "Revenu Québec",
    "Receveur général du Canada",
    "Desjardins Assurances générales",
    "Postes Canada",
    "Purolator inc.",
    "Eurofins EnvironeX",
    "Laboratoire Environex",
    "Les Pétroles Therrien inc.",
    "Garage Réjean Roy inc.",
    "Excavations Tourigny inc.",
    "Groupe CLR",
    "Tech-Mix",
    "Rona inc.",
]

# Towns outside region 04 used to move registry-like names elsewhere (a club in Rimouski is
# not the club of Trois-Rivières).
OTHER_TOWNS = [
    "Rimouski",
    "Gatineau",
    "Sherbrooke",
    "Lévis",
    "Saguenay",
    "Granby",
    "Joliette",
    "Saint-Hyacinthe",
    "Victoriaville",
    "Drummondville",
    "Rouyn-Noranda",
    "Sept-Îles",
]
MAURICIE_TOWNS = [
    "Trois-Rivières",
    "TROIS-RIVIÈRES",
    "Shawinigan",
    "SHAWINIGAN",
    "La Tuque",
    "LA TUQUE",
    "Louiseville",
    "LOUISEVILLE",
    "Saint-Tite",
    "ST-TITE",
    "Maskinongé",
    "MASKINONGÉ",
    "Mékinac",
    "MÉKINAC",
    "Cap-de-la-Madeleine",
    "CAP-DE-LA-MADELEINE",
]

ABBREVIATIONS = [
    (r"\bSainte\b", "Ste"),
    (r"\bSaint\b", "St"),
    (r"\bCoopérative\b", "Coop"),
    (r"\bCOOPÉRATIVE\b", "COOP"),
    (r"\bAssociation\b", "Assoc."),
    (r"\bASSOCIATION\b", "ASSOC"),
    (r"\bServices\b", "Serv."),
    (r"\bSERVICES\b", "SERV"),
    (r"\bEntreprises\b", "Ent."),
    (r"\bENTREPRISES\b", "ENT"),
    (r"\bGroupe\b", "Gr."),
    (r"\bGROUPE\b", "GR"),
    (r"\bCorporation\b", "Corp."),
    (r"\bCORPORATION\b", "CORP"),
    (r"\bCompagnie\b", "Cie"),
    (r"\bSAINTE\b", "STE"),
    (r"\bSAINT\b", "ST"),
]
SUFFIX = re.compile(
    r"[\s,]+(inc\.?|ltée|ltee|limitée|enr\.?|s\.e\.n\.c\.?|coop)\s*$", flags=re.IGNORECASE
)


def fold_key(name: str) -> str:
    """Compare names crudely (accents, case, punctuation): used only to check negatives."""
    text = unidecode(name).lower()
    text = re.sub(r"\b(inc|ltee|ltd|limited|enr|senc|senc?rl|sec|corp|the)\b", " ", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def upper_no_accents(s: str, rng: random.Random) -> str:
    return unidecode(s).upper()


def abbreviate(s: str, rng: random.Random) -> str:
    out = s
    for pattern, repl in ABBREVIATIONS:
        out = re.sub(pattern, repl, out)
    return out


def truncate(s: str, rng: random.Random) -> str:
    return s[:30]


def drop_suffix(s: str, rng: random.Random) -> str:
    return SUFFIX.sub("", s)


def add_suffix(s: str, rng: random.Random) -> str:
    return s if SUFFIX.search(s) else s + rng.choice([" inc.", " INC", " Inc", " enr."])


def amp_swap(s: str, rng: random.Random) -> str:
    if re.search(r"\s(et|ET)\s", s):
        return re.sub(r"\s(et|ET)\s", " & ", s, count=1)
    return s.replace(" & ", " et ")


def drop_article(s: str, rng: random.Random) -> str:
    return re.sub(r"^(Les|La|Le|LES|LA|LE)\s+|^(L'|L’)", "", s)


def reorder_coop(s: str, rng: random.Random) -> str:
    m = re.match(r"^(Coopérative|COOPÉRATIVE|Coop|COOP)( de solidarité| DE SOLIDARITÉ)?\s+(.*)$", s)
    if not m:
        return s
    return f"{m.group(3)}, {m.group(1).lower()}{(m.group(2) or '').lower()}"


def strip_punctuation(s: str, rng: random.Random) -> str:
    return s.replace("-", " ").replace("'", "").replace("’", "").replace(",", "").replace(".", "")


def typo(s: str, rng: random.Random) -> str:
    words = [i for i, w in enumerate(s.split()) if len(w) >= 7]
    if not words:
        return s
    parts = s.split()
    i = rng.choice(words)
    j = rng.randrange(2, len(parts[i]) - 1)
    parts[i] = parts[i][:j] + parts[i][j + 1 :]
    return " ".join(parts)


MANGLINGS = {
    "upper": upper_no_accents,
    "abbrev": abbreviate,
    "drop_suffix": drop_suffix,
    "add_suffix": add_suffix,
    "amp": amp_swap,
    "drop_article": drop_article,
    "reorder": reorder_coop,
    "punct": strip_punctuation,
    "typo": typo,
}


def mangle(name: str, rng: random.Random) -> tuple[str, list[str]]:
    """Apply one to three finance-system manglings, upper-casing and truncation last."""
    picks = rng.sample(sorted(MANGLINGS), k=rng.choice([1, 1, 2, 2, 3]))
    if "typo" in picks and rng.random() < 0.6:  # typos are rarer than the rest
        picks.remove("typo")
    steps: list[str] = []
    out = name
    for p in picks:
        new = MANGLINGS[p](out, rng)
        if new != out:
            steps.append(p)
            out = new
    if rng.random() < 0.6:
        out, steps = unidecode(out).upper(), [*steps, "upper"]
    if rng.random() < 0.25 and len(out) > 30:
        out, steps = out[:30], [*steps, "truncate30"]
    return out.strip(), steps


def main(realdata: Path, out_csv: Path) -> None:
    rng = random.Random(SEED)
    d = pd.read_csv(realdata / "mauricie-se-directory.csv", dtype=str, na_values=["NA"])
    h = pd.read_csv(realdata / "mauricie-se-hub-members.csv", dtype=str, na_values=["NA"])
    r = pd.read_csv(realdata / "mauricie-req-nonprofits-coops.csv", dtype=str, na_values=["NA"])
    reg = pd.concat(
        [
            d[["NomEntreprise", "NEQ"]].assign(src="directory"),
            r[["NomEntreprise", "NEQ"]].assign(src="req"),
        ]
    ).dropna(subset=["NomEntreprise"])
    reg["NEQ"] = reg["NEQ"].str.replace(r"\.0$", "", regex=True)
    all_names = pd.concat([d["NomEntreprise"], h["NomEntreprise"], r["NomEntreprise"]]).dropna()
    registry_keys = {fold_key(n) for n in all_names}

    # A labeller cannot tell apart two registered enterprises with the same name: skip those.
    with_neq = reg.dropna(subset=["NEQ"]).copy()
    with_neq["fk"] = with_neq["NomEntreprise"].map(fold_key)
    clash = with_neq.groupby("fk")["NEQ"].nunique()
    with_neq = with_neq[with_neq["fk"].map(clash) == 1].drop_duplicates("NEQ")
    directory_part = with_neq[with_neq["src"] == "directory"]
    req_part = with_neq[with_neq["src"] == "req"]
    n_dir = min(len(directory_part), N_POSITIVES // 4)
    picks = pd.concat(
        [
            directory_part.sample(n_dir, random_state=SEED),
            req_part.sample(N_POSITIVES - n_dir, random_state=SEED),
        ]
    )

    rows: list[dict[str, str]] = []
    for name, neq, src in picks[["NomEntreprise", "NEQ", "src"]].itertuples(index=False):
        variant, steps = mangle(name, rng)
        rows.append(
            {
                "name": variant,
                "neq": neq,
                "kind": "positive",
                "how": f"{src}: " + ("+".join(steps) or "as registered"),
                "original": name,
            }
        )

    bradford_file = ROOT / "tests" / "data" / "bradford-spend-2019-08.csv"
    b = pd.read_csv(bradford_file, encoding="cp1252", dtype=str)
    bradford = b["Supplier Name"].dropna().str.strip().drop_duplicates()
    for name in bradford.sample(N_BRADFORD, random_state=SEED):
        rows.append(
            {
                "name": name,
                "neq": "",
                "kind": "negative",
                "how": "bradford supplier",
                "original": "",
            }
        )

    for name in HAND_NEGATIVES:
        rows.append(
            {"name": name, "neq": "", "kind": "negative", "how": "hand-written", "original": ""}
        )

    town_re = re.compile("|".join(re.escape(t) for t in MAURICIE_TOWNS))
    movable = reg[reg["NomEntreprise"].str.contains(town_re)].drop_duplicates("NomEntreprise")
    for name in movable["NomEntreprise"].sample(min(100, len(movable)), random_state=SEED):
        town = rng.choice(OTHER_TOWNS)
        moved = town_re.sub(town.upper() if name.isupper() else town, name, count=1)
        rows.append(
            {
                "name": moved,
                "neq": "",
                "kind": "negative",
                "how": "registry-like name moved outside the region",
                "original": name,
            }
        )

    bad = [
        row["name"]
        for row in rows
        if row["kind"] == "negative" and fold_key(row["name"]) in registry_keys
    ]
    if bad:
        raise SystemExit(f"negatives found in the registry, fix the list: {bad}")
    seen: set[str] = set()
    unique_rows = []
    for row in rows:
        if row["name"] not in seen:
            seen.add(row["name"])
            unique_rows.append(row)
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    with out_csv.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=["name", "neq", "kind", "how", "original"])
        writer.writeheader()
        writer.writerows(unique_rows)
    n_pos = sum(r["kind"] == "positive" for r in unique_rows)
    print(f"wrote {out_csv}: {len(unique_rows)} rows, {n_pos} positives")


CAPABILITY_QUOTAS = {"directory+req": 175, "directory": 25, "req": 140}


def _hash(value: str) -> int:
    return int(hashlib.sha1(f"sample:{value}".encode()).hexdigest()[:12], 16)


def capabilities_sample(realdata: Path, out_csv: Path) -> None:
    """Write the organisations to label for capabilities (no labels, no matcher)."""
    d = pd.read_csv(realdata / "mauricie-se-directory.csv", dtype=str)
    r = pd.read_csv(realdata / "mauricie-req-nonprofits-coops.csv", dtype=str)
    req = r.set_index("NEQ")

    def text(value: object) -> str:
        return value if isinstance(value, str) else ""

    # A directory row without an NEQ in the extract is joined by name when the evaluation
    # scores it (procurement.matching.evaluate.capability_registry): the labeller is shown
    # the activity text that join finds, so both read the same facts.
    sys.path.insert(0, str(ROOT))
    from procurement.matching.normalize import company_key

    by_name: dict[str, str] = {}
    for neq_of, name_of in zip(r["NEQ"], r["NomEntreprise"], strict=True):
        by_name.setdefault(company_key(name_of), neq_of)
    rows = []
    for x in d.itertuples(index=False):
        neq = text(x.NEQ)
        known = neq in req.index
        joined = neq if known else by_name.get(company_key(x.NomEntreprise), "")
        rows.append({
            "name": x.NomEntreprise.strip(), "neq": neq,
            "source": "directory+req" if known else "directory",
            "activity": text(req.SecteurActivite.get(joined)) if joined else "",
            "legal_form": text(req.FormeJuridique.get(joined)) if joined else "",
            "org_type": text(x.Type), "sector": text(x.SecteurActivite)})
    in_directory = set(d.NEQ.dropna())
    for x in r.itertuples(index=False):
        if x.NEQ in in_directory:
            continue
        rows.append({"name": x.NomEntreprise.strip(), "neq": x.NEQ, "source": "req",
                     "activity": text(x.SecteurActivite), "legal_form": text(x.FormeJuridique),
                     "org_type": "", "sector": ""})
    frame = pd.DataFrame(rows)
    frame["ident"] = [n or m for n, m in zip(frame["neq"], frame["name"], strict=True)]
    frame["h"] = frame["ident"].map(_hash)
    frame = frame.drop_duplicates("ident")
    chosen = pd.concat([group.nsmallest(CAPABILITY_QUOTAS[source], "h")
                        for source, group in frame.groupby("source")]).sort_values("h")
    columns = ["name", "neq", "source", "activity", "legal_form", "org_type", "sector"]
    chosen[columns].to_csv(out_csv, index=False)
    print(f"wrote {out_csv}: {len(chosen)} organisations to label")


HOLDOUT_QUOTAS = {"directory+req": 88, "directory": 12, "req": 80}


def _fresh_sample(realdata: Path, out_csv: Path, *, exclude: tuple[str, ...], salt: str,
                  quotas: dict[str, int]) -> None:
    """Write a sample to label blind: the same pool, none of the organisations of `exclude`.

    Organisations of the labels files `exclude` (by NEQ or folded name) are left out; the hash
    uses its own `salt`, so the draw is independent of the earlier ones.
    """
    labels_dir = ROOT / "procurement" / "data" / "labels"
    labelled = pd.concat([pd.read_csv(labels_dir / name, dtype=str) for name in exclude])
    seen_neq = set(labelled["neq"].dropna())
    seen_names = {fold_key(n) for n in labelled["name"].dropna()}
    tmp = out_csv.with_suffix(".all.csv")
    saved = dict(CAPABILITY_QUOTAS)
    CAPABILITY_QUOTAS.update({k: 10**6 for k in CAPABILITY_QUOTAS})
    try:
        capabilities_sample(realdata, tmp)
    finally:
        CAPABILITY_QUOTAS.update(saved)
    frame = pd.read_csv(tmp, dtype=str, keep_default_na=False)
    tmp.unlink()
    frame = frame[~frame["neq"].isin(seen_neq) & ~frame["name"].map(fold_key).isin(seen_names)]
    frame = frame.drop_duplicates(subset="name")
    frame["h"] = [int(hashlib.sha1(f"{salt}:{n or m}".encode()).hexdigest()[:12], 16)
                  for n, m in zip(frame["neq"], frame["name"], strict=True)]
    chosen = pd.concat([group.nsmallest(quotas[source], "h")
                        for source, group in frame.groupby("source")]).sort_values("h")
    chosen.drop(columns="h").to_csv(out_csv, index=False)
    print(f"wrote {out_csv}: {len(chosen)} organisations to label")


# The blind draws, in the order they were made: (file, hash salt, quotas per source). Each
# leaves out every organisation of the files before it (each was evaluated once, then read,
# so it is development data for the next draw).
BLIND_DRAWS: tuple[tuple[str, str, dict[str, int]], ...] = (
    ("capabilities-holdout.csv", "holdout", HOLDOUT_QUOTAS),
    # The directory rows whose NEQ is in the REQ extract are all used by the first two sets
    # (242 in the pool), so the later draws come from the other two sources.
    ("capabilities-blind.csv", "blind", {"directory+req": 75, "directory": 20, "req": 130}),
    ("capabilities-fresh.csv", "fresh", {"directory+req": 0, "directory": 30, "req": 170}),
    ("capabilities-fifth.csv", "fifth", {"directory+req": 0, "directory": 30, "req": 170}),
    ("capabilities-sixth.csv", "sixth", {"directory+req": 0, "directory": 30, "req": 170}),
    ("capabilities-seventh.csv", "seventh", {"directory+req": 0, "directory": 30, "req": 170}),
)


def blind_draw_sample(salt: str, realdata: Path, out_csv: Path) -> None:
    """Write the organisations of the blind draw `salt` (none of the earlier label files)."""
    files = ["capabilities.csv", *(name for name, _, _ in BLIND_DRAWS)]
    for position, (_, draw_salt, quotas) in enumerate(BLIND_DRAWS, start=1):
        if draw_salt == salt:
            _fresh_sample(realdata, out_csv, exclude=tuple(files[:position]), salt=salt,
                          quotas=quotas)
            return
    raise SystemExit(f"unknown draw {salt!r}: one of "
                     f"{', '.join(s for _, s, _ in BLIND_DRAWS)}")


def calibrate() -> None:
    """Print the fitted calibration (development set) and its reliability.

    Fitted on the development labels (`DEVELOPMENT_LABELS` in
    procurement/services/evaluation.py); a set held out for evaluation is never used to fit
    anything.
    """
    sys.path.insert(0, str(ROOT))
    from procurement import matching
    from procurement.data import REFERENCE_DIR
    from procurement.matching import evaluate as ev
    from procurement.services.evaluation import DEVELOPMENT_LABELS

    taxonomy = matching.load_taxonomy()
    registry = matching.load_registry_frames(REFERENCE_DIR)
    labels = ev.capability_label_columns(pd.concat(
        [matching.load_labels(matching.default_labels_dir() / f) for f in DEVELOPMENT_LABELS]))
    predictions = ev.capability_predictions(labels, registry, taxonomy)
    for bucket, stats in ev.fit_capability_calibration(predictions).items():
        print(f"{bucket:22} n={stats['n']:3} right={stats['right']:3} "
              f"confidence={stats['confidence']}")
    print("reliability (development set):")
    for row in ev.reliability_table(predictions):
        print(f"  {row['confidence']:.2f}: {row['right']}/{row['pairs']} right "
              f"({row['observed']:.2f})")


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] == "capabilities-sample":
        capabilities_sample(DEFAULT_REALDATA,
                            Path(args[1]) if len(args) > 1 else Path("capabilities-sample.csv"))
    elif args and args[0].startswith("capabilities-") and args[0].endswith("-sample"):
        salt = args[0].removeprefix("capabilities-").removesuffix("-sample")
        blind_draw_sample(salt, DEFAULT_REALDATA,
                          Path(args[1]) if len(args) > 1 else Path(f"{args[0]}.csv"))
    elif args and args[0] == "calibrate":
        calibrate()
    else:
        main(
            Path(args[0]) if args else DEFAULT_REALDATA,
            Path(args[1]) if len(args) > 1 else DEFAULT_OUT,
        )
