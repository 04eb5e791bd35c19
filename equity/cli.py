"""The ``maillage`` command line.

Exit codes: 0 success, 2 invalid user data or arguments (French message, no
traceback).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

from equity.cli_network import add_network_parser, run_network
from equity.diagnostics import Diagnosis, DiagnosisSettings, diagnose
from equity.mobile import DEFAULT_N_STOPS, MobileSettings
from equity.mobile_programme import default_advisors, plan_for_diagnosis
from equity.need import NeedWeights, default_weights
from equity.offer import DEFAULT_OFFER_TYPES
from equity.placement import (
    OBJECTIVES,
    PlacementSettings,
    threshold_sensitivity,
    trade_off_curve,
)
from equity.recommend import (
    placement_inputs,
    recommend,
    recommendation_report,
    result_scenario,
)
from equity.reporting import (
    MAP_KINDS,
    WHAT,
    comparison_table,
    current_situation,
    export,
    view_scenario,
)
from equity.scenarios import (
    Scenario,
    ScenarioStore,
    ScenarioStoreError,
    check_against_territory,
    compare,
    evaluate,
    read_scenario_json,
)
from equity.scenarios import (
    diagnosis_settings as scenarios_settings,
)
from geo.errors import DataValidationError
from geo.formatting import format_date_fr, format_number_fr, format_percent_fr
from geo.sites import SITE_TYPES
from geo.territory import SOURCES, Territory, UserFiles, load_territory


def _add_user_file_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--sites", type=Path, help="fichier de lieux/conseillers (CSV ou GeoJSON) / sites file"
    )
    parser.add_argument(
        "--replace-sites",
        action="store_true",
        help="les lieux fournis remplacent ceux du même type / user sites replace embedded ones",
    )
    parser.add_argument("--fibre", type=Path, help="fichier communal ARCEP FttH actuel (CSV)")
    parser.add_argument("--fibre-vintage", help="millésime du fichier fibre, ex. « T2 2025 »")
    parser.add_argument(
        "--indicators", type=Path, help="table d'indicateurs par code INSEE (CSV) / indicators"
    )
    parser.add_argument("--no-cache", action="store_true", help="ignore data/processed cache")


def user_files_from_args(args: argparse.Namespace) -> UserFiles:
    """The :class:`~geo.territory.UserFiles` named by the common options."""
    return UserFiles(
        sites=args.sites,
        fibre=args.fibre,
        indicators=args.indicators,
        replace_sites=args.replace_sites,
        fibre_vintage=args.fibre_vintage,
    )


def load_from_args(args: argparse.Namespace) -> Territory:
    """Load the territory with the user files given on the command line."""
    return load_territory(user_files_from_args(args), use_cache=not args.no_cache)


def print_data_summary(territory: Territory, seconds: float) -> None:
    """Readable French/English summary of the loaded territory."""
    s = territory.summary()
    print("Maillage — données de la Sarthe / Sarthe data")
    print(f"  Communes (COG 2025) : {s['communes']}")
    print(f"  Population (populations légales 2022) : {format_number_fr(s['population'])}")
    print(f"  EPCI : {s['epci']}")
    print(f"  Superficie (union des communes) : {format_number_fr(s['area_km2'])} km²")
    print("  Lieux / sites :")
    for site_type, count in s["sites"].items():
        advisors = s["advisors"].get(site_type)
        extra = f" ({advisors:.0f} conseillers)" if advisors else ""
        print(f"    - {SITE_TYPES.get(site_type, site_type)} : {count}{extra}")
    print("  Millésimes / vintages :")
    for layer, vintage in s["vintages"].items():
        label = SOURCES.get(layer, {}).get("label", layer)
        print(f"    - {label} : {vintage}")
    print(f"  Avertissements / warnings ({len(s['warnings'])}) :")
    for warning in s["warnings"]:
        print(f"    ! {warning}")
    print(f"  Chargé en {seconds:.2f} s (clé de cache {s['cache_key']}).")


def cmd_data(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    territory = load_from_args(args)
    seconds = time.perf_counter() - start
    if args.json:
        json.dump(territory.summary(), sys.stdout, ensure_ascii=False, indent=2)
        print()
    else:
        print_data_summary(territory, seconds)
    return 0


def print_diagnosis(diagnosis: Diagnosis) -> None:
    """Readable French summary of a diagnostic."""
    head = diagnosis.headline()
    threshold = diagnosis.settings.threshold_min
    print("Maillage — diagnostic d'équité d'accès")
    for note in diagnosis.notes:
        print(f"  {note}")
    print(
        f"  Population à moins de {threshold:g} min d'un lieu : "
        f"{format_number_fr(head['population_within_threshold'])} sur "
        f"{format_number_fr(head['population_total'])} "
        f"({format_percent_fr(head['share_within_threshold'])})"
    )
    print("  Seuils côte à côte :")
    for t, row in diagnosis.coverage.iterrows():
        print(
            f"    {t:>4g} min : {format_percent_fr(row['share_within'])} de la population, "
            f"{format_percent_fr(row['need_share_within'])} des personnes en besoin"
        )
    print(
        f"  Conseillers : {head['advisors']:.0f}, soit "
        f"{format_number_fr(head['inhabitants_per_advisor'])} habitants par conseiller"
    )
    theil = diagnosis.theil_travel_time
    print(
        f"  Gini des temps de trajet : {format_number_fr(head['gini_travel_time'], 2)} ; "
        f"Theil : {format_number_fr(theil.total, 2)} (entre EPCI "
        f"{format_number_fr(theil.between, 2)}, au sein des EPCI "
        f"{format_number_fr(theil.within, 2)})"
    )
    print("  Par EPCI (équilibre = part des conseillers / part du besoin) :")
    for name, row in diagnosis.by_epci.sort_values("balance").iterrows():
        print(
            f"    {name:<55} {format_number_fr(row['population']):>9} hab. "
            f"{row['advisors']:>4.0f} cons. équilibre {format_number_fr(row['balance'], 2)} "
            f"< {threshold:g} min : {format_percent_fr(row['share_within_threshold'])}"
        )
    print(f"  Zones mal desservies ({len(diagnosis.zones)}), par priorité :")
    for _, zone in diagnosis.zones.head(10).iterrows():
        print(
            f"    {zone['rank']:>2}. {zone['n_communes']} commune(s), "
            f"{format_number_fr(zone['population'])} hab., {zone['dominant_density']} — "
            f"{zone['communes'][:90]}"
        )


def _need_weights(pairs: list[str], territory) -> NeedWeights | None:
    """``["ifn_global=0.4", "user_demandes=0.2"]`` → weights over the defaults."""
    if not pairs:
        return None
    fibre_outdated = territory.sources.get("fibre", {}).get("status") == "DATED"
    weights = default_weights(fibre_outdated)
    for pair in pairs:
        column, _, value = pair.partition("=")
        try:
            weight = float(value.replace(",", "."))
        except ValueError:
            raise ValueError(f"poids illisible « {pair} » (attendu : indicateur=0.3)") from None
        weights = weights.with_weight(column.strip(), weight)
    return weights


def cmd_diagnose(args: argparse.Namespace) -> int:
    territory = load_from_args(args)
    settings = DiagnosisSettings(
        threshold_min=args.threshold,
        offer_types=tuple(args.offer.split(",")),
        decay=args.decay,
        need_weights=_need_weights(args.weight, territory),
    )
    try:
        diagnosis = diagnose(territory, settings)
    except ValueError as exc:
        print(f"Paramètres invalides : {exc}", file=sys.stderr)
        return 2
    if args.json:
        _write_json(diagnosis.to_dict(), args.json)
    else:
        print_diagnosis(diagnosis)
    return 0


def _write_json(data: dict, target: str) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if target == "-":
        print(text)
    else:
        Path(target).write_text(text + "\n", encoding="utf-8")
        print(f"Écrit : {target}")


def _store(args: argparse.Namespace) -> ScenarioStore:
    return ScenarioStore(args.db)


def cmd_scenario(args: argparse.Namespace) -> int:
    store = _store(args)
    if args.scenario_command == "list":
        listing = store.list()
        if args.json:
            _write_json({"scenarios": listing.to_dict("records")}, "-")
        elif listing.empty:
            print("Aucun scénario enregistré.")
        else:
            for row in listing.itertuples():
                print(
                    f"  {row.name} — {row.versions} version(s), dernière le "
                    f"{format_date_fr(row.updated_at)} à {row.updated_at[11:16]} (UTC) "
                    f"par {row.author or 'anonyme'} : {row.note}"
                )
        return 0
    if args.scenario_command == "show":
        scenario = store.load(args.name, args.version)
        data = scenario.to_dict() | {"history": store.history(args.name).to_dict("records")}
        _write_json(data, args.json or "-")
        return 0
    if args.scenario_command == "export":
        _write_json(store.load(args.name, args.version).to_dict(), str(args.out))
        return 0
    territory = load_from_args(args)
    if args.scenario_command == "import":
        scenario = read_scenario_json(args.file, territory)
        if args.name:
            scenario = replace(scenario, name=args.name)
        evaluated, _ = evaluate(territory, scenario)
        saved = store.save(evaluated)
        print(f"Scénario « {saved.name} » importé (version {saved.version}).")
        return 0
    scenarios = [evaluate(territory, store.load(name))[0] for name in args.names]
    comparison = compare(scenarios, territory.communes["name"].to_dict())
    if args.json:
        _write_json(comparison.to_dict(), args.json)
    else:
        print(comparison_table(comparison).to_string())
        changes = comparison.access_changes
        words = {"gains": "gagne", "loses": "perd"}
        for row in changes.itertuples():
            print(f"  {row.scenario} : {row.name} ({row.code_insee}) {words[row.change]} l'accès")
    return 0


def _scenario_from_args(args: argparse.Namespace, territory: Territory) -> Scenario:
    """The saved scenario named by ``--scenario`` (checked), else the current situation."""
    if not args.scenario:
        return current_situation({"threshold_min": args.threshold})
    scenario = ScenarioStore(args.db).load(args.scenario)
    check_against_territory(scenario, territory)
    return scenario


def cmd_export(args: argparse.Namespace) -> int:
    territory = load_from_args(args)
    scenario = _scenario_from_args(args, territory)
    view = view_scenario(territory, scenario)
    reference = (
        view_scenario(territory, current_situation(scenario.parameters)) if args.scenario else view
    )
    mobile = (
        plan_for_diagnosis(territory, view.diagnosis)
        if args.what in ("pack", "gpkg", "csv") or args.map == "mobile"
        else None
    )
    written = export(
        args.what,
        territory,
        view,
        args.out,
        reference=reference if view is not reference else None,
        map_kind=args.map,
        paper=args.paper,
        orientation=args.orientation,
        fmt=args.format,
        mobile=mobile,
    )
    for path in written:
        print(f"Écrit : {path}")
    return 0


def cmd_recommend(args: argparse.Namespace) -> int:
    territory = load_from_args(args)
    parameters = {
        "threshold_min": args.threshold,
        "offer_types": args.offer.split(","),
        "objective": args.objective,
        "extra": args.extra,
        "min_per_epci": args.min_per_epci,
    }
    before = diagnose(territory, scenarios_settings(parameters))
    inputs = placement_inputs(territory, before)
    settings = PlacementSettings(
        k=args.extra,
        threshold_min=args.threshold,
        objective=args.objective,
        capacity_per_advisor=args.capacity,
        min_per_group=args.min_per_epci,
        max_per_group=args.max_per_epci,
        forced=tuple(args.force),
        excluded=tuple(args.exclude),
        cost_per_advisor_eur=args.cost_per_advisor,
        cofunding_per_advisor_eur=args.cofunding,
        max_net_budget_eur=args.budget,
        time_limit_s=args.time_limit,
    )
    result = recommend(territory, before, settings, inputs)
    scenario = result_scenario(
        territory, result, args.save or "Recommandation", parameters, args.author, args.note
    )
    scenario, after = evaluate(territory, scenario)
    curve = trade_off_curve(
        inputs.times,
        inputs.weight,
        inputs.population,
        inputs.existing,
        inputs.candidate_group,
        settings,
    )
    sensitivity = threshold_sensitivity(
        inputs.times,
        inputs.weight,
        inputs.population,
        inputs.existing,
        inputs.candidate_group,
        settings,
    )
    report = recommendation_report(territory, before, after, result, inputs, curve, sensitivity)
    if args.save:
        saved = ScenarioStore(args.db).save(scenario)
        report["saved_as"] = {"name": saved.name, "version": saved.version}
    if args.json:
        _write_json(report, args.json)
        return 0
    print(f"Maillage — recommandation de {args.extra} nouveaux sites")
    print(f"  {inputs.travel_model.label}")
    print(f"  {result.decided_by}")
    for i, site in enumerate(report["chosen"], start=1):
        print(
            f"  {i:>2}. {site['name']} ({site['epci']}) — "
            f"{format_number_fr(site['gain_population'])} hab. nouvellement à moins de "
            f"{args.threshold:g} min"
            + (
                f", prend en charge {format_number_fr(site['residual_need'])} personnes en "
                "besoin non absorbées"
                if site["residual_need"] == site["residual_need"]
                else ""
            )
        )
    cost = result.cost
    print(
        f"  Coût annuel : {format_number_fr(cost['gross_eur'])} € brut, "
        f"{format_number_fr(cost['cofunding_eur'])} € de cofinancement de l'État, "
        f"{format_number_fr(cost['net_eur'])} € net pour le Département"
    )
    solver = report["solver"]
    print(
        f"  Solveur : {solver['method']} ({solver['message']}), "
        f"{format_number_fr(solver['seconds'], 2)} s"
    )
    if args.save:
        print(f"  Enregistré : scénario « {args.save} » (version {report['saved_as']['version']})")
    return 0


def cmd_mobile(args: argparse.Namespace) -> int:
    territory = load_from_args(args)
    scenario = _scenario_from_args(args, territory)
    _, diagnosis = evaluate(territory, scenario)
    settings = MobileSettings(
        n_stops=args.stops,
        short_drive_min=args.short_drive_min,
        session_hours=args.session_hours,
        max_drive_min=args.max_drive_min,
        cost_per_km_eur=args.cost_per_km,
    )
    advisors = default_advisors(diagnosis, args.half_days, saturday=args.saturday)
    result = plan_for_diagnosis(
        territory,
        diagnosis,
        settings=settings,
        advisors=advisors,
        forced=tuple(args.force_stop),
    )
    if args.csv:
        result.schedule_csv(args.csv)
        print(f"Écrit : {args.csv}")
    if args.json:
        _write_json(result.to_dict() | {"scenario": scenario.name}, args.json)
        return 0
    gain = result.coverage_gain
    print(f"Maillage — tournées mobiles ({scenario.name})")
    print(f"  {result.travel_model['label']}")
    print(
        f"  {len(result.stops)} arrêts, {int(result.stops['scheduled'].sum())} programmés ; "
        f"{format_number_fr(gain['population'])} habitants de {gain['communes']} communes "
        f"à moins de {args.short_drive_min:g} min d'un arrêt"
    )
    print(
        f"  {format_number_fr(result.km_per_year)} km par an, "
        f"{format_number_fr(result.cost_eur_per_year)} € de frais de véhicule"
    )
    for row in result.unschedulable.itertuples():
        print(f"  ! {row.stop_name} : {row.reason}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="maillage",
        description="Maillage : équité d'accès aux conseillers numériques en Sarthe.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    data = sub.add_parser(
        "data", help="charger et valider les données / load and validate the data"
    )
    _add_user_file_options(data)
    data.add_argument("--json", action="store_true", help="sortie JSON / JSON output")
    data.set_defaults(func=cmd_data)
    add_network_parser(sub).set_defaults(func=run_network)

    diag = sub.add_parser("diagnose", help="diagnostic d'équité d'accès / equity diagnostic")
    _add_user_file_options(diag)
    diag.add_argument("--threshold", type=float, default=20.0, help="seuil en minutes")
    diag.add_argument(
        "--offer",
        default=",".join(DEFAULT_OFFER_TYPES),
        help="types de lieux comptés comme offre existante, séparés par des virgules "
        f"({', '.join(SITE_TYPES)})",
    )
    diag.add_argument("--decay", choices=["step", "gaussian", "gravity"], default="step")
    diag.add_argument(
        "--weight",
        action="append",
        default=[],
        metavar="INDICATEUR=POIDS",
        help="poids de l'indice de besoin, ex. --weight ifn_global=0.4 --weight user_demandes=0.2",
    )
    diag.add_argument("--json", metavar="OUT", help="écrire le résultat JSON (« - » : sortie)")
    diag.set_defaults(func=cmd_diagnose)

    scen = sub.add_parser("scenario", help="scénarios enregistrés / saved scenarios")
    scen.add_argument("--db", type=Path, help="base de scénarios (SQLite)")
    scen_sub = scen.add_subparsers(dest="scenario_command", required=True)
    scen_list = scen_sub.add_parser("list", help="lister les scénarios")
    scen_list.add_argument("--json", action="store_true")
    show = scen_sub.add_parser("show", help="afficher un scénario (JSON)")
    show.add_argument("name")
    show.add_argument("--version", type=int)
    show.add_argument("--json", metavar="OUT")
    exp = scen_sub.add_parser("export", help="exporter un scénario en JSON")
    exp.add_argument("name")
    exp.add_argument("--version", type=int)
    exp.add_argument("--out", type=Path, required=True)
    imp = scen_sub.add_parser("import", help="importer un scénario JSON (validé)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--name", help="enregistrer sous un autre nom")
    _add_user_file_options(imp)
    cmp_ = scen_sub.add_parser("compare", help="comparer 2 à 4 scénarios")
    cmp_.add_argument("names", nargs="+")
    cmp_.add_argument("--json", metavar="OUT")
    _add_user_file_options(cmp_)
    scen.set_defaults(func=cmd_scenario)

    rec = sub.add_parser("recommend", help="recommander des sites / recommend new sites")
    _add_user_file_options(rec)
    rec.add_argument("--extra", type=int, default=20, help="nombre de nouveaux conseillers")
    rec.add_argument("--threshold", type=float, default=20.0, help="seuil en minutes")
    rec.add_argument("--objective", choices=OBJECTIVES, default="residual")
    rec.add_argument("--offer", default=",".join(DEFAULT_OFFER_TYPES), help="offre existante")
    rec.add_argument("--min-per-epci", type=int, default=0, help="minimum de sites par EPCI")
    rec.add_argument("--max-per-epci", type=int, help="maximum de sites par EPCI")
    rec.add_argument("--force", nargs="*", default=[], help="sites imposés (identifiants)")
    rec.add_argument("--exclude", nargs="*", default=[], help="sites exclus (identifiants)")
    rec.add_argument("--capacity", type=float, help="personnes en besoin par conseiller")
    rec.add_argument("--cost-per-advisor", type=float, default=50_000.0, help="€ par an")
    rec.add_argument("--cofunding", type=float, default=25_000.0, help="cofinancement État €/an")
    rec.add_argument("--budget", type=float, help="budget net annuel maximal (€)")
    rec.add_argument("--time-limit", type=float, default=30.0, help="limite du solveur (s)")
    rec.add_argument("--save", metavar="NAME", help="enregistrer comme scénario")
    rec.add_argument("--db", type=Path, help="base de scénarios (SQLite)")
    rec.add_argument("--author", default="", help="auteur du scénario")
    rec.add_argument("--note", default="", help="note du scénario")
    rec.add_argument("--json", metavar="OUT", help="écrire le résultat JSON (« - » : sortie)")
    rec.set_defaults(func=cmd_recommend)

    mob = sub.add_parser("mobile", help="tournées mobiles / mobile sessions")
    _add_user_file_options(mob)
    mob.add_argument("--scenario", help="scénario enregistré (défaut : situation actuelle)")
    mob.add_argument("--db", type=Path, help="base de scénarios (SQLite)")
    mob.add_argument("--threshold", type=float, default=20.0, help="seuil (situation actuelle)")
    mob.add_argument("--half-days", type=int, default=2, help="demi-journées mobiles / semaine")
    mob.add_argument("--session-hours", type=float, default=2.0, help="durée d'une séance (h)")
    mob.add_argument(
        "--max-drive-min", type=float, default=60.0, help="conduite max / demi-journée"
    )
    mob.add_argument("--stops", type=int, default=DEFAULT_N_STOPS, help="nombre d'arrêts")
    mob.add_argument("--short-drive-min", type=float, default=10.0, help="trajet court (min)")
    mob.add_argument("--cost-per-km", type=float, default=0.35, help="coût par km (€)")
    mob.add_argument("--saturday", action="store_true", help="tournées aussi le samedi (marchés)")
    mob.add_argument(
        "--force-stop", nargs="*", default=[], metavar="ID", help="lieux imposés comme arrêts"
    )
    mob.add_argument("--json", metavar="OUT", help="écrire le résultat JSON (« - » : sortie)")
    mob.add_argument("--csv", type=Path, help="planning au format CSV (Excel français)")
    mob.set_defaults(func=cmd_mobile)

    out = sub.add_parser("export", help="cartes, dossier du conseil, données / exports")
    _add_user_file_options(out)
    out.add_argument("--scenario", help="scénario enregistré (défaut : situation actuelle)")
    out.add_argument("--db", type=Path, help="base de scénarios (SQLite)")
    out.add_argument("--what", choices=WHAT, required=True)
    out.add_argument("--map", choices=MAP_KINDS, default="scenario", help="carte à imprimer")
    out.add_argument("--paper", choices=["A4", "A3"], default="A4")
    out.add_argument("--orientation", choices=["portrait", "landscape"], default="landscape")
    out.add_argument("--format", choices=["pdf", "png", "svg"], default="pdf")
    out.add_argument("--threshold", type=float, default=20.0, help="seuil (situation actuelle)")
    out.add_argument("--out", type=Path, required=True, help="dossier de sortie")
    out.set_defaults(func=cmd_export)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``maillage`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DataValidationError as exc:
        print(f"Données invalides.\n{exc.format()}", file=sys.stderr)
        return 2
    except ScenarioStoreError as exc:
        print(f"Base de scénarios inutilisable : {exc}", file=sys.stderr)
        return 2
    except (KeyError, ValueError) as exc:
        message = exc.args[0] if exc.args else str(exc)
        print(f"Erreur : {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
