"""Council documents and data downloads composed from diagnostics and scenarios.

This module decides *what* goes into a print map, a council pack, an interactive
map, a GeoPackage or CSV files; :mod:`geo.print_maps`, :mod:`geo.report`,
:mod:`geo.maps` and :mod:`geo.exports` decide *how* it is drawn or written.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import folium
import geopandas as gpd
import pandas as pd

from equity.diagnostics import Diagnosis, demand_points
from equity.mobile import MobileResult
from equity.scenarios import (
    Comparison,
    Scenario,
    ScenarioParameters,
    SiteChanges,
    compare,
    evaluate,
)
from equity.underserved import UNDERSERVED_COLORS, underserved_category
from geo import exports
from geo.catchments import catchments
from geo.defaults import EXPORT_STEM_MAX_CHARS, THRESHOLD_MIN
from geo.formatting import format_date_fr, format_number_fr, format_percent_fr
from geo.jsonio import dumps_strict
from geo.maps import commune_map
from geo.print_maps import PrintMapSpec, format_source_line, render_print_map
from geo.report import Cover, KeyFigures, MapPage, TablePage, TextSection, build_pack
from geo.sites import SITE_TYPES
from geo.socio import INDICATORS
from geo.territory import Territory
from geo.travel_time import TravelModel

__all__ = [
    "CSV_HEADERS_FR",
    "CURRENT_SITUATION",
    "MAP_KINDS",
    "ORGANISATION",
    "WHAT",
    "MapKind",
    "ScenarioView",
    "comparison_table",
    "council_pack",
    "current_situation",
    "data_layers",
    "epci_table",
    "export",
    "export_stem",
    "interactive_map",
    "map_spec",
    "view_scenario",
    "zones_table",
]

MapKind = Literal["situation", "need", "zones", "scenario", "mobile"]
MAP_KINDS: tuple[str, ...] = ("situation", "need", "zones", "scenario", "mobile")
WHAT: tuple[str, ...] = ("map", "pack", "html", "gpkg", "csv")
#: Name of the existing offer without changes, shown as a scenario.
CURRENT_SITUATION = "Situation actuelle"
ORGANISATION = "Conseil départemental de la Sarthe — commission Développement numérique"
_SOURCE_LAYERS = ("communes", "population", "ifn", "filosofi", "census", "cnfs_permanence")


@dataclass(frozen=True)
class ScenarioView:
    """A scenario (or the current situation) with everything needed to show it."""

    scenario: Scenario
    diagnosis: Diagnosis
    added_sites: gpd.GeoDataFrame
    catchments: gpd.GeoDataFrame

    @property
    def label(self) -> str:
        return self.scenario.name


def current_situation(parameters: ScenarioParameters | Mapping | None = None) -> Scenario:
    """The existing offer without changes, as a scenario."""
    if not isinstance(parameters, ScenarioParameters):
        parameters = dict(parameters or {"threshold_min": THRESHOLD_MIN})
    return Scenario(CURRENT_SITUATION, parameters, SiteChanges())


def view_scenario(
    territory: Territory, scenario: Scenario, model: TravelModel | None = None
) -> ScenarioView:
    """Evaluate ``scenario`` and gather its layers (added sites, catchments)."""
    evaluated, diagnosis = evaluate(territory, scenario, model)
    added_ids = [a["site_id"] for a in scenario.changes.added]
    sites = diagnosis.offer.sites
    added = sites[sites["site_id"].isin(added_ids)]
    threshold = diagnosis.settings.threshold_min
    reach = catchments(
        sites.geometry,
        territory.communes,
        demand_points=demand_points(territory.communes),
        thresholds_min=(threshold,),
        model=diagnosis.travel_model,
    )
    union = reach[["threshold_min", "geometry"]].dissolve("threshold_min").reset_index()
    return ScenarioView(evaluated, diagnosis, added, union)


def _sources(territory: Territory) -> list[str]:
    return [
        format_source_line(territory.sources[k]) for k in _SOURCE_LAYERS if k in territory.sources
    ]


def _subtitle(view: ScenarioView, date: dt.date) -> str:
    threshold = view.diagnosis.settings.threshold_min
    return f"{view.label} — seuil {threshold:g} min — {format_date_fr(date)}"


def map_spec(
    territory: Territory,
    view: ScenarioView,
    kind: MapKind,
    date: dt.date | None = None,
    mobile: MobileResult | None = None,
) -> PrintMapSpec:
    """Print-map specification of one view of a scenario.

    ``situation``: travel time to the nearest open site; ``need``: need index;
    ``zones``: under-served zones ranked; ``scenario``: travel time with the
    added sites and the catchment of the open sites; ``mobile``: the mobile
    circuits and stops over the under-served communes (needs ``mobile``).
    """
    if kind not in MAP_KINDS:
        raise ValueError(f"Type de carte inconnu : {kind!r} ({', '.join(MAP_KINDS)}).")
    if kind == "mobile" and mobile is None:
        raise ValueError("La carte des tournées demande un programme de tournées mobiles.")
    date = date or dt.date.today()
    diagnosis = view.diagnosis
    threshold = diagnosis.settings.threshold_min
    communes = territory.communes.join(
        diagnosis.communes[["travel_time_min", "need_index", "underserved_reason"]]
    )
    communes["underserved_reason"] = underserved_category(communes["underserved_reason"])
    common = {
        "communes": communes,
        "subtitle": _subtitle(view, date),
        "epci": territory.epci,
        "sources": _sources(territory),
        "travel_model": diagnosis.travel_model,
    }
    offer_sites = diagnosis.offer.sites
    existing = offer_sites[~offer_sites["site_id"].isin(view.added_sites["site_id"])]
    if kind == "need":
        return PrintMapSpec(
            column="need_index",
            title="Besoin d'accompagnement numérique",
            legend_title="Indice de besoin (0–1)",
            sites=existing,
            **common,
        )
    if kind == "zones":
        return PrintMapSpec(
            column="underserved_reason",
            scheme="categorical",
            category_colors=UNDERSERVED_COLORS,
            title=f"Communes et zones mal desservies ({threshold:g} min)",
            legend_title="Motif",
            sites=existing,
            zones=diagnosis.zones,
            **common,
        )
    if kind == "mobile":
        stops = mobile.stops.assign(site_type="mobile_stop")
        return PrintMapSpec(
            column="underserved_reason",
            scheme="categorical",
            category_colors=UNDERSERVED_COLORS,
            title="Tournées mobiles des conseillers numériques",
            legend_title="Desserte par les lieux fixes",
            sites=existing,
            highlight_sites=stops,
            highlight_label="Arrêt de tournée mobile",
            circuits=mobile.circuits.rename(columns={"advisor_name": "advisor"}),
            **common,
        )
    if kind == "scenario":
        return PrintMapSpec(
            column="travel_time_min",
            title="Placement recommandé et temps d'accès",
            legend_title="Minutes jusqu'au lieu le plus proche",
            sites=existing,
            highlight_sites=view.added_sites if len(view.added_sites) else None,
            catchments=view.catchments,
            **common,
        )
    return PrintMapSpec(
        column="travel_time_min",
        title="Temps d'accès à un lieu d'aide au numérique",
        legend_title="Minutes jusqu'au lieu le plus proche",
        sites=existing,
        **common,
    )


def epci_table(diagnosis: Diagnosis) -> pd.DataFrame:
    """Per-EPCI table with French headers, for documents."""
    threshold = diagnosis.settings.threshold_min
    table = diagnosis.by_epci.sort_values("balance")[
        [
            "population",
            "advisors",
            "inhabitants_per_advisor",
            "share_within_threshold",
            "mean_travel_time_min",
            "balance",
        ]
    ].copy()
    table.index.name = "EPCI"
    table.columns = [
        "Habitants",
        "Conseillers",
        "Habitants par conseiller",
        f"Part à moins de {threshold:g} min",
        "Temps moyen (min)",
        "Équilibre conseillers / besoin",
    ]
    return table


def zones_table(diagnosis: Diagnosis) -> pd.DataFrame:
    table = pd.DataFrame(diagnosis.zones.drop(columns=["geometry", "code_insee"]))
    table = table[
        ["rank", "n_communes", "population", "persons_in_need", "dominant_density", "communes"]
    ]
    table.columns = ["Rang", "Communes", "Habitants", "Personnes en besoin", "Densité", "Liste"]
    table["Liste"] = table["Liste"].str.slice(0, 80)
    return table.set_index("Rang")


def comparison_table(comparison: Comparison) -> pd.DataFrame:
    """Key figures of a comparison as French text (shares as percentages, Δ in points)."""
    table = comparison.key_figures
    shares = [i for i in table.index if i.startswith("Part ")]
    out = pd.DataFrame(index=table.index, columns=table.columns, dtype=object)
    for row in table.index:
        for col in table.columns:
            value = table.at[row, col]
            if row in shares:
                text = (
                    f"{format_number_fr(100 * value, 1)} pt"
                    if col.startswith("Δ")
                    else format_percent_fr(value)
                )
            else:
                decimals = 2 if "Gini" in row else 0
                text = format_number_fr(value, decimals)
            out.at[row, col] = text
    out.index.name = "Indicateur"
    return out


def _key_figures(view: ScenarioView, reference: ScenarioView | None) -> KeyFigures:
    diagnosis = view.diagnosis
    head = diagnosis.headline()
    items = [
        ("Habitants", format_number_fr(head["population_total"]), "populations légales 2022"),
        ("Conseillers", format_number_fr(head["advisors"]), diagnosis.offer.describe_fr()),
        ("Habitants par conseiller", format_number_fr(head["inhabitants_per_advisor"]), None),
    ]
    for threshold, row in diagnosis.coverage.iterrows():
        note = None
        if reference is not None and threshold in reference.diagnosis.coverage.index:
            before = reference.diagnosis.coverage.loc[threshold, "share_within"]
            note = f"situation actuelle : {format_percent_fr(before)}"
        items.append(
            (
                f"Population à moins de {threshold:g} min",
                format_percent_fr(row["share_within"]),
                note,
            )
        )
    items += [
        ("Gini des temps de trajet", format_number_fr(head["gini_travel_time"], 2), None),
        ("Communes mal desservies", format_number_fr(head["n_underserved_communes"]), None),
    ]
    return KeyFigures(f"Chiffres clés — {view.label}", items)


def _method_note(territory: Territory, diagnosis: Diagnosis) -> TextSection:
    used = diagnosis.need_weights.weights
    total = sum(w for w in used.values() if w > 0)
    weights = [
        f"{INDICATORS.get(k, (k,))[0]} ({format_percent_fr(w / total)})"
        for k, w in used.items()
        if w > 0
    ]
    paragraphs = [
        "Données : " + " ; ".join(_sources(territory)) + ".",
        f"Temps de trajet : {diagnosis.travel_model.label}. La population de chaque commune "
        "est placée à sa mairie.",
        "Indice de besoin : indicateurs ramenés à des rangs (0 à 1), moyenne pondérée — "
        + ", ".join(weights)
        + ". Les valeurs non publiées (secret statistique) sont imputées à partir des "
        "communes comparables et signalées.",
        "Accessibilité : lieu le plus proche, nombre de lieux sous le seuil, et ratio à deux "
        "étapes (2SFCA) : conseillers accessibles pour 10 000 habitants.",
        "Zones mal desservies : communes au-delà du seuil ou dont le ratio 2SFCA est sous la "
        "moitié de la moyenne départementale, regroupées en zones contiguës.",
        "Placement (objectif par défaut) : optimisation exacte (programme linéaire en nombres "
        "entiers, HiGHS). La capacité des conseillers existants est répartie sur le besoin "
        "à moins du seuil ; le besoin qu'ils ne peuvent pas absorber est rapproché au mieux "
        "des nouveaux lieux (p-médian), les sites existants restant fixes. La page "
        "Recommandation et la commande « maillage recommend » proposent d'autres objectifs.",
    ]
    paragraphs += [f"- {w}" for w in territory.warnings if "obsolète" in w or "imputée" in w]
    return TextSection("Note de méthode", paragraphs)


def council_pack(
    territory: Territory,
    view: ScenarioView,
    path: Path,
    *,
    reference: ScenarioView | None = None,
    others: Sequence[ScenarioView] = (),
    mobile: MobileResult | None = None,
    paper: str = "A4",
    date: dt.date | None = None,
) -> Path:
    """The council pack PDF of one scenario, compared with the current situation."""
    date = date or dt.date.today()
    diagnosis = view.diagnosis
    sections: list = [
        Cover(
            "Conseillers numériques en Sarthe : diagnostic et scénario de déploiement",
            _subtitle(view, date),
            date,
            ORGANISATION,
        ),
        _key_figures(view, reference),
        _method_note(territory, diagnosis),
        MapPage(map_spec(territory, reference or view, "situation", date)),
        MapPage(map_spec(territory, reference or view, "zones", date)),
    ]
    if len(view.added_sites):
        sections.append(MapPage(map_spec(territory, view, "scenario", date)))
    if mobile is not None and len(mobile.circuits):
        sections.append(MapPage(map_spec(territory, view, "mobile", date, mobile)))
    threshold = diagnosis.settings.threshold_min
    sections.append(
        TablePage(
            "Équilibre par EPCI",
            epci_table(diagnosis),
            percent_columns=(f"Part à moins de {threshold:g} min",),
        )
    )
    if not diagnosis.zones.empty:
        sections.append(TablePage("Zones mal desservies, par priorité", zones_table(diagnosis)))
    compared = [v for v in (reference, view, *others) if v is not None]
    if len(compared) >= 2:
        comparison = compare(
            [v.scenario for v in compared[:4]], territory.communes["name"].to_dict()
        )
        sections.append(
            TablePage(
                "Comparaison des scénarios",
                comparison_table(comparison),
                note="Δ : écart avec le premier scénario.",
            )
        )
    return build_pack(sections, path, paper=paper, date=date)


def interactive_map(territory: Territory, view: ScenarioView) -> folium.Map:
    """Folium map of a scenario (travel time, open sites, catchment)."""
    communes = territory.communes.join(view.diagnosis.communes[["travel_time_min", "need_index"]])
    return commune_map(
        communes,
        "travel_time_min",
        title=f"{view.label} — temps d'accès (min)",
        legend_title="Minutes",
        epci=territory.epci,
        sites=view.diagnosis.offer.sites,
        catchments=view.catchments,
        popup_columns={"population": "Population (2022)", "need_index": "Indice de besoin"},
    )


def data_layers(
    territory: Territory, view: ScenarioView, mobile: MobileResult | None = None
) -> dict[str, gpd.GeoDataFrame]:
    """GeoPackage layers: communes with results, sites, added sites, catchments, zones, tours."""
    communes = territory.communes.drop(columns=["demand_x", "demand_y"]).join(
        view.diagnosis.communes[
            [
                "need_index",
                "persons_in_need",
                "nearest_site_id",
                "travel_time_min",
                "n_sites_within",
                "fca_ratio",
                "underserved",
                "underserved_reason",
                "zone_id",
            ]
        ]
    )
    layers = {
        "communes": communes,
        "sites": territory.sites,
        "sites_ouverts": view.diagnosis.offer.sites,
        "sites_recommandes": view.added_sites,
        "zones_desserte": view.catchments,
        "zones_mal_desservies": view.diagnosis.zones,
    }
    if mobile is not None:
        layers["arrets_mobiles"] = mobile.stops
        layers["tournees_mobiles"] = mobile.circuits
    return layers


def export(
    what: str,
    territory: Territory,
    view: ScenarioView,
    out_dir: Path,
    *,
    reference: ScenarioView | None = None,
    map_kind: str = "scenario",
    paper: str = "A4",
    orientation: str = "landscape",
    fmt: str = "pdf",
    mobile: MobileResult | None = None,
) -> list[Path]:
    """Write one kind of export for a scenario into ``out_dir``; return the files written.

    Raises
    ------
    ValueError
        Unknown ``what``, map kind, paper, orientation or format (French message).
    """
    if what not in WHAT:
        raise ValueError(f"Export inconnu : {what!r} ; choix : {', '.join(WHAT)}.")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = export_stem(view.label)
    if what == "map":
        spec = map_spec(territory, view, map_kind, mobile=mobile)
        path = out_dir / f"{stem}-{map_kind}-{paper}-{orientation}.{fmt}"
        return [render_print_map(spec, path, paper, orientation, fmt)]
    if what == "pack":
        return [
            council_pack(
                territory, view, out_dir / f"{stem}-dossier.pdf", reference=reference, paper=paper
            )
        ]
    if what == "html":
        return [
            exports.export_html(interactive_map(territory, view), out_dir / f"{stem}-carte.html")
        ]
    if what == "gpkg":
        return [
            exports.export_geopackage(
                data_layers(territory, view, mobile), out_dir / f"{stem}.gpkg"
            )
        ]
    layers = data_layers(territory, view)
    if mobile is not None:
        mobile.schedule_csv(out_dir / f"{stem}-tournees.csv")
    site_drop = ("lon", "lat", "opening_hours_json")
    written = [
        exports.export_csv_fr(_csv_table(layers["communes"]), out_dir / f"{stem}-communes.csv"),
        exports.export_csv_fr(
            _csv_table(layers["sites_ouverts"], site_drop), out_dir / f"{stem}-sites.csv"
        ),
        exports.export_csv_fr(_csv_table(view.diagnosis.by_epci), out_dir / f"{stem}-epci.csv"),
        exports.export_csv_fr(
            _csv_table(view.diagnosis.zones, ("geometry", "code_insee")),
            out_dir / f"{stem}-zones.csv",
        ),
    ]
    scenario_json = out_dir / f"{stem}-scenario.json"
    scenario_json.write_text(dumps_strict(view.scenario.to_dict()), encoding="utf-8")
    if mobile is not None:
        written.append(out_dir / f"{stem}-tournees.csv")
    return [*written, scenario_json]


#: French headers of the CSV exports (staff open them in Excel); GeoPackage layers keep
#: the code names, which GIS users script against.
CSV_HEADERS_FR: dict[str, str] = {
    "code_insee": "code_insee",
    "name": "nom",
    "epci_siren": "siren_epci",
    "epci_name": "epci",
    "epci_type": "type_epci",
    "arrondissement": "arrondissement",
    "canton": "canton",
    "area_km2": "superficie_km2",
    "population": "population_2022",
    "population_2021": "population_2021",
    "median_income_eur": "revenu_median_uc_2021_eur",
    "poverty_rate_pct": "taux_pauvrete_2021_pct",
    "unemployment_rate_pct": "taux_chomage_15_64_2021_pct",
    "outside_working_age_pct": "part_moins_15_et_65_plus_2021_pct",
    "ifn_global": "ifn_2020_score_global",
    "ifn_access_information": "ifn_2020_acces_information",
    "ifn_access_interfaces": "ifn_2020_acces_interfaces",
    "ifn_skills_administrative": "ifn_2020_competences_administratives",
    "ifn_skills_digital": "ifn_2020_competences_numeriques",
    "ifn_global_access": "ifn_2020_global_acces",
    "ifn_global_skills": "ifn_2020_global_competences",
    "density_level": "grille_densite_niveau",
    "density_label": "grille_densite",
    "density_group": "type_espace",
    "aav_category": "categorie_aav",
    "aav_label": "categorie_aav_libelle",
    "aav_code": "code_aav",
    "aav_name": "aire_attraction",
    "fibre_premises": "fibre_locaux",
    "fibre_connectable": "fibre_locaux_raccordables",
    "fibre_share": "fibre_part_raccordable",
    "density_per_km2": "densite_hab_km2",
    "quality_note": "valeurs_imputees_ou_estimees",
    "need_index": "indice_besoin",
    "persons_in_need": "personnes_en_besoin_ponderees",
    "nearest_site_id": "lieu_le_plus_proche",
    "travel_time_min": "temps_trajet_min",
    "n_sites_within": "lieux_sous_le_seuil",
    "fca_ratio": "conseillers_accessibles_pour_10000_hab",
    "underserved": "mal_desservie",
    "underserved_reason": "motif",
    "zone_id": "zone",
    "site_id": "identifiant",
    "site_type": "type",
    "n_advisors": "conseillers",
    "advisors": "conseillers_ou_equivalents",
    "opening_hours": "horaires",
    "public_internet": "acces_internet_public",
    "source": "source",
    "vintage": "millesime",
    "location_note": "remarque_emplacement",
    "rank": "rang",
    "n_communes": "communes",
    "priority_score": "score_priorite",
    "mean_travel_time_min": "temps_moyen_min",
    "median_travel_time_min": "temps_median_min",
    "p90_travel_time_min": "temps_9e_decile_min",
    "dominant_density": "densite_dominante",
    "epci": "epci",
    "communes": "liste_communes",
    "share_within_threshold": "part_sous_le_seuil",
    "need_share_within_threshold": "part_besoin_sous_le_seuil",
    "advisors_per_10000": "conseillers_pour_10000_hab",
    "fca_ratio_mean": "conseillers_accessibles_moyen",
    "inhabitants_per_advisor": "habitants_par_conseiller",
    "need_per_advisor": "besoin_par_conseiller",
    "need_share": "part_du_besoin",
    "advisor_share": "part_des_conseillers",
    "balance": "equilibre_conseillers_besoin",
}


def _csv_table(frame: pd.DataFrame, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    """A table for French Excel: French headers, French site types, lists as text."""
    table = pd.DataFrame(frame.drop(columns=[c for c in drop if c in frame.columns]))
    if "site_type" in table:
        table["site_type"] = table["site_type"].map(SITE_TYPES).fillna(table["site_type"])
    for column in table.columns:
        if table[column].map(lambda v: isinstance(v, list)).any():
            table[column] = table[column].map(
                lambda v: ", ".join(map(str, v)) if isinstance(v, list) else v
            )
    table.index.names = [CSV_HEADERS_FR.get(n, n) if n else n for n in table.index.names]
    return table.rename(columns=CSV_HEADERS_FR)


def export_stem(name: str) -> str:
    """File-name stem of a scenario's exports: safe, bounded and unique per name.

    The readable part is the name in lower-case ASCII words, cut to
    :data:`geo.defaults.EXPORT_STEM_MAX_CHARS`; a short hash of the exact name follows,
    so « Plan A » and « plan-a » never overwrite each other's files.
    """
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    readable = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()
    readable = readable[:EXPORT_STEM_MAX_CHARS].strip("-") or "scenario"
    digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{readable}-{digest}"
