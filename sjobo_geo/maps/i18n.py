"""Map labels and legends in Swedish (default) and English.

Keys are stable identifiers; :func:`label` falls back to English, then to the key, so a
missing translation never breaks a map.
"""

from __future__ import annotations

from .. import settings

__all__ = ["LANGS", "label", "check_lang"]

LANGS = ("sv", "en")

_LABELS: dict[str, dict[str, str]] = {
    "legend": {"sv": "Teckenförklaring", "en": "Legend"},
    "boundary": {"sv": "Områdesgräns", "en": "Area boundary"},
    "buildings": {"sv": "Byggnader", "en": "Buildings"},
    "courtyards": {"sv": "Innergårdar", "en": "Courtyards"},
    "squares": {"sv": "Torg och gågator (ytor)", "en": "Squares and pedestrian areas"},
    "schoolyards": {"sv": "Skolgårdar", "en": "Schoolyards"},
    "schools": {"sv": "Skolor och förskolor", "en": "Schools and preschools"},
    "playgrounds": {"sv": "Lekplatser", "en": "Playgrounds"},
    "leisure": {"sv": "Fritids- och ungdomsplatser", "en": "Leisure and youth places"},
    "parking": {"sv": "Parkering", "en": "Parking"},
    "vegetation": {"sv": "Sikthindrande vegetation", "en": "Sight-blocking vegetation"},
    "paths": {"sv": "Gångvägar", "en": "Walkways"},
    "paths_lit": {"sv": "Gångvägar: belysta", "en": "Walkways: lit"},
    "paths_unlit": {"sv": "Gångvägar: obelysta (lit=no)", "en": "Walkways: unlit (lit=no)"},
    "paths_unknown": {"sv": "Gångvägar: belysning okänd", "en": "Walkways: lighting unknown"},
    "tunnels": {"sv": "Tunnlar och passager", "en": "Tunnels and underpasses"},
    "bus_stops": {"sv": "Busshållplatser", "en": "Bus stops"},
    "businesses": {"sv": "Butiker och verksamheter", "en": "Shops and businesses"},
    "lamps": {"sv": "Gatlampor", "en": "Street lamps"},
    "base": {"sv": "Bakgrund (byggnader och gator)", "en": "Background (buildings and streets)"},
    "name": {"sv": "Namn", "en": "Name"},
    "kind": {"sv": "Typ", "en": "Type"},
    "lit_status": {"sv": "Belysning", "en": "Lighting"},
    "lit": {"sv": "belyst", "en": "lit"},
    "unlit": {"sv": "obelyst", "en": "unlit"},
    "unknown": {"sv": "okänd", "en": "unknown"},
    "highway": {"sv": "Vägtyp", "en": "Way type"},
    "area_m2": {"sv": "Yta (m²)", "en": "Area (m²)"},
    "enclosure": {"sv": "Andel omsluten av hus", "en": "Share enclosed by buildings"},
    "streets": {"sv": "Gator", "en": "Streets"},
    "lamp_mount": {"sv": "Montering", "en": "Mounting"},
    "mount_height_m": {"sv": "Ljuspunktshöjd (m)", "en": "Mounting height (m)"},
    "school": {"sv": "Skola", "en": "School"},
    "source": {"sv": "Källa", "en": "Source"},
    "osm_credit": {
        "sv": "Kartdata © OpenStreetMaps bidragsgivare (ODbL)",
        "en": "Map data © OpenStreetMap contributors (ODbL)",
    },
    "boundary_source": {"sv": "Gräns", "en": "Boundary"},
    # report maps (sjobo_geo.maps.reports)
    "reports": {"sv": "Rapporter", "en": "Reports"},
    "category": {"sv": "Kategori", "en": "Category"},
    "time": {"sv": "Tid", "en": "Time"},
    "actor": {"sv": "Aktör", "en": "Reported by"},
    "report_text": {"sv": "Fritext", "en": "Free text"},
    "report_id": {"sv": "Rapport-id", "en": "Report id"},
    "time_filter": {"sv": "Tid på dygnet", "en": "Time of day"},
    "band_all": {"sv": "Alla", "en": "All"},
    "band_night": {"sv": "Natt 22–06", "en": "Night 22–06"},
    "band_morning": {"sv": "Morgon 06–10", "en": "Morning 06–10"},
    "band_day": {"sv": "Dag 10–17", "en": "Day 10–17"},
    "band_evening": {"sv": "Kväll 17–22", "en": "Evening 17–22"},
    "band_unknown": {"sv": "Okänd tid", "en": "Unknown time"},
    "weekday_0": {"sv": "måndag", "en": "Monday"},
    "weekday_1": {"sv": "tisdag", "en": "Tuesday"},
    "weekday_2": {"sv": "onsdag", "en": "Wednesday"},
    "weekday_3": {"sv": "torsdag", "en": "Thursday"},
    "weekday_4": {"sv": "fredag", "en": "Friday"},
    "weekday_5": {"sv": "lördag", "en": "Saturday"},
    "weekday_6": {"sv": "söndag", "en": "Sunday"},
    "synthetic_banner": {
        "sv": "SYNTETISKA DATA – inte verkliga rapporter",
        "en": "SYNTHETIC DATA – not real reports",
    },
    "all_categories": {"sv": "Alla kategorier", "en": "All categories"},
    "n_reports": {"sv": "Antal rapporter", "en": "Number of reports"},
    "cells_legend": {"sv": "Antal rapporter per ruta", "en": "Reports per cell"},
    "min_k_note": {"sv": "minst {k} per visad ruta", "en": "at least {k} per cell shown"},
    "min_k": {"sv": "Gräns", "en": "Threshold"},
    "public_note": {
        "sv": "Publik karta: rapporter sammanräknade i rutor om {size} m; "
              "rutor med färre än {k} rapporter visas inte",
        "en": "Public map: reports counted in cells of {size} m; "
              "cells with fewer than {k} reports are not shown",
    },
    # lighting gaps map (sjobo_geo.maps.lighting)
    "lighting_title": {"sv": "Belysning enligt modell (EN 13201)",
                       "en": "Modelled lighting (EN 13201)"},
    "lighting_legend": {"sv": "Belysning", "en": "Lighting"},
    "lux_layer": {"sv": "Belysningsstyrka", "en": "Illuminance"},
    "gaps_tagged_unlit": {"sv": "Brister: obelyst enligt OSM (lit=no)",
                          "en": "Gaps: tagged unlit (lit=no)"},
    "gaps_unknown_lit": {"sv": "Brister: belysning okänd i OSM",
                         "en": "Gaps: lighting unknown in OSM"},
    "gaps_lit_modelled_dark": {"sv": "Brister: belyst enligt OSM men mörk i modellen",
                               "en": "Gaps: tagged lit but modelled dark"},
    "dark_patches": {"sv": "Mörka ytor (under klassens minimum)",
                     "en": "Dark patches (below class minimum)"},
    "below_average": {"sv": "Ytor under klassens medelvärde",
                      "en": "Surfaces below class average"},
    "lamps_working": {"sv": "Lampor: fungerande", "en": "Lamps: working"},
    "lamps_unknown": {"sv": "Lampor: status okänd (räknas som tända)",
                      "en": "Lamps: status unknown (counted as lit)"},
    "lamps_broken": {"sv": "Lampor: trasiga (räknas inte)", "en": "Lamps: broken (not counted)"},
    "lamps_planned": {"sv": "Lampor: planerade (räknas inte)",
                      "en": "Lamps: planned (not counted)"},
    "proposed_lamps": {"sv": "Föreslagna nya lampor", "en": "Proposed new lamps"},
    "facades_dark": {"sv": "Fasader mot torget: mörka (< {lux} lx)",
                     "en": "Facades facing the square: dark (< {lux} lx)"},
    "facades_lit": {"sv": "Fasader mot torget: belysta (≥ {lux} lx)",
                    "en": "Facades facing the square: lit (≥ {lux} lx)"},
    "fig_compliant": {"sv": "Uppfyller klassens minimum: {share} % av {km} km gångväg",
                      "en": "Meets the class minimum: {share} % of {km} km of walkway"},
    "fig_gaps": {"sv": "Brister på gångvägar: {n} sträckor, {km} km",
                 "en": "Path gaps: {n} stretches, {km} km"},
    "fig_surfaces": {"sv": "Ytor under medelvärdet: {n}; mörka fläckar: {p}",
                     "en": "Surfaces below average: {n}; dark patches: {p}"},
    "fig_lamps": {"sv": "Lampor i modellen: {n} av {total} (underhållsfaktor {mf})",
                  "en": "Lamps in the model: {n} of {total} (maintenance factor {mf})"},
    "fig_proposals": {
        "sv": "{n} nya lampor: uppfyller minimum {before} % → {after} %; "
              "{covered} % av bristexponeringen åtgärdad",
        "en": "{n} new lamps: meets minimum {before} % → {after} %; "
              "{covered} % of gap exposure covered",
    },
    "fig_facades": {"sv": "Fasader mot {square}: {n} mörka sträckor, {m} m under {lux} lx",
                    "en": "Facades facing {square}: {n} dark stretches, {m} m below {lux} lx"},
    "gap_rank": {"sv": "Rang", "en": "Rank"},
    "gap_id": {"sv": "Brist-id", "en": "Gap id"},
    "p_class": {"sv": "Belysningsklass", "en": "Lighting class"},
    "required_lux": {"sv": "Krav (lx)", "en": "Required (lx)"},
    "modelled_lux": {"sv": "Modell (lx)", "en": "Modelled (lx)"},
    "size": {"sv": "Storlek", "en": "Size"},
    "size_unit": {"sv": "Enhet", "en": "Unit"},
    "reports_factor": {"sv": "Rapportfaktor", "en": "Reports factor"},
    "importance": {"sv": "Vikt i gångnätet", "en": "Importance in the walk network"},
    "exposure": {"sv": "Exponering", "en": "Exposure"},
    "nearest_street": {"sv": "Närmaste gata", "en": "Nearest street"},
    "nearest_address": {"sv": "Närmaste adress", "en": "Nearest address"},
    "pieces": {"sv": "Delsträckor (≤ 5 m)", "en": "Pieces (≤ 5 m)"},
    "surface_kind": {"sv": "Yttyp", "en": "Surface"},
    "criterion": {"sv": "Kriterium", "en": "Criterion"},
    "lamp_id": {"sv": "Lamp-id", "en": "Lamp id"},
    "status": {"sv": "Status", "en": "Status"},
    "flux_lm": {"sv": "Ljusflöde (lm)", "en": "Luminous flux (lm)"},
    "owner": {"sv": "Ägare", "en": "Owner"},
    "proposal": {"sv": "Förslag nr", "en": "Proposal no."},
    "fixed_length_m": {"sv": "Åtgärdad längd (m)", "en": "Length fixed (m)"},
    "fixed_exposure": {"sv": "Åtgärdad exponering", "en": "Exposure fixed"},
    "building_name": {"sv": "Byggnad", "en": "Building"},
    "address": {"sv": "Adress", "en": "Address"},
    "length_m": {"sv": "Längd (m)", "en": "Length (m)"},
    "min_lux": {"sv": "Minsta (lx)", "en": "Minimum (lx)"},
    "mean_lux": {"sv": "Medel (lx)", "en": "Mean (lx)"},
    "lux_label": {"sv": "Klass", "en": "Class"},
    # hot spot map (sjobo_geo.maps.hotspots)
    "hs_legend": {"sv": "Hot spots och prioriteringar", "en": "Hot spots and priorities"},
    "hs_density": {"sv": "Täthet av rapporter (kärntäthet)",
                   "en": "Density of reports (kernel density)"},
    "hs_density_level": {"sv": "Tätaste område med {share} % av rapporterna",
                         "en": "Densest area holding {share} % of the reports"},
    "hs_mass_share": {"sv": "Andel av rapporterna (%)", "en": "Share of the reports (%)"},
    "hs_hot_grid": {"sv": "Hot spots: rutor (Gi*)", "en": "Hot spots: grid cells (Gi*)"},
    "hs_hot_segments": {"sv": "Hot spots: gatusegment (Gi*)",
                        "en": "Hot spots: street segments (Gi*)"},
    "hs_police_priority": {"sv": "Prioritet: polisnärvaro", "en": "Priority: police presence"},
    "hs_physical_priority": {"sv": "Prioritet: fysiska åtgärder (översta femtedelen)",
                             "en": "Priority: physical measures (top fifth)"},
    "hs_public_note": {"sv": "Publik karta: enheter med färre än {k} rapporter visas inte",
                       "en": "Public map: units with fewer than {k} reports are not shown"},
    "hs_nearest_street": {"sv": "Närmaste gata", "en": "Nearest street"},
    "hs_n_reports": {"sv": "Antal rapporter", "en": "Reports"},
    "hs_weight": {"sv": "Viktad summa", "en": "Weighted sum"},
    "hs_per_100m": {"sv": "Per 100 m gångväg", "en": "Per 100 m of walkway"},
    "hs_gi_z": {"sv": "Gi* z", "en": "Gi* z"},
    "hs_gi_class": {"sv": "Gi*-klass (FDR)", "en": "Gi* class (FDR)"},
    "hs_emerging": {"sv": "Trend (veckor)", "en": "Trend (weeks)"},
    "hs_police_score": {"sv": "Polisnärvaro: poäng", "en": "Police presence: score"},
    "hs_police_unsafety": {"sv": "· otrygghet", "en": "· unsafety"},
    "hs_police_incidents": {"sv": "· händelser", "en": "· incidents"},
    "hs_police_youth": {"sv": "· ungdomar/rekrytering", "en": "· youth/recruitment"},
    "hs_police_schools": {"sv": "· nära skola", "en": "· near a school"},
    "hs_police_leisure": {"sv": "· nära fritidsplats", "en": "· near a leisure place"},
    "hs_police_main_square": {"sv": "· nära torget", "en": "· near the main square"},
    "hs_physical_score": {"sv": "Fysisk miljö: poäng", "en": "Physical environment: score"},
    "hs_physical_lighting_gaps": {"sv": "· belysningsbrister", "en": "· lighting gaps"},
    "hs_physical_vegetation": {"sv": "· sikthindrande vegetation",
                               "en": "· sight-blocking vegetation"},
    "hs_physical_darkness_reports": {"sv": "· rapporter om mörker",
                                     "en": "· reports about darkness"},
    "hs_physical_vegetation_reports": {"sv": "· rapporter om skymd sikt",
                                       "en": "· reports about obscured view"},
    "hs_physical_littering": {"sv": "· nedskräpning", "en": "· littering"},
    "hs_physical_vandalism": {"sv": "· skadegörelse och klotter",
                              "en": "· vandalism and graffiti"},
    "hs_profile_text": {"sv": "Timmar 0–23", "en": "Hours 0–23"},
    "hs_weekday_text": {"sv": "Mån–sön", "en": "Mon–Sun"},
    "hs_profile_bands": {"sv": "Natt, morgon, dag, kväll", "en": "Night, morning, day, evening"},
    # schoolyard report
    "sy_place": {"sv": "Platsen", "en": "The place"},
    "vis_hidden": {"sv": "Dolt (ses av nästan ingen)", "en": "Hidden (seen by almost no one)"},
    "vis_few": {"sv": "Ses av få", "en": "Seen by few"},
    "vis_some": {"sv": "Ses av flera", "en": "Seen by several"},
    "vis_many": {"sv": "Ses av många", "en": "Seen by many"},
    "sy_hidden_places": {"sv": "Dolda platser", "en": "Hidden places"},
    "sy_vegetation_ranked": {"sv": "Vegetation att beskära (rangordnad)",
                             "en": "Vegetation to cut back (ranked)"},
    "sy_vegetation_near_paths": {"sv": "Häckar och buskar nära gångvägar",
                                 "en": "Hedges and scrub near paths"},
    "sy_observers": {"sv": "Observatörspunkter (gångvägar, fasader)",
                     "en": "Observer points (paths, facades)"},
    "sy_lamps": {"sv": "Gatlampor", "en": "Street lamps"},
    "sy_lighting_gaps": {"sv": "Belysningsbrister (under klassens minimum)",
                         "en": "Lighting gaps (below the class minimum)"},
    "sy_reports": {"sv": "Rapporter i och kring platsen", "en": "Reports in and around the place"},
    "rank": {"sv": "Rang", "en": "Rank"},
    "revealed_m2": {"sv": "Synliggjord yta (m²)", "en": "Area revealed (m²)"},
    "action": {"sv": "Åtgärd", "en": "Action"},
    "distance_m": {"sv": "Avstånd (m)", "en": "Distance (m)"},
    "min_count": {"sv": "Minst antal observatörer", "en": "Fewest observers"},
    "max_count": {"sv": "Högst antal observatörer", "en": "Most observers"},
    "label": {"sv": "Klass", "en": "Class"},
    "pt_route": {"sv": "Patrullrutt", "en": "Patrol route"},
    "pt_stops": {"sv": "Patrullstopp", "en": "Patrol stops"},
    "pt_start": {"sv": "Start och mål", "en": "Start and finish"},
    "pt_candidates": {"sv": "Andra kandidatplatser", "en": "Other candidate places"},
    "pt_unreachable": {"sv": "Ej nåbara platser", "en": "Unreachable places"},
    "pt_areas": {"sv": "Patrullområden", "en": "Patrol areas"},
    "pt_stop": {"sv": "Stopp", "en": "Stop"},
    "pt_arrival": {"sv": "Ankomst (minut)", "en": "Arrival (minute)"},
    "pt_priority": {"sv": "Prioritet (polisnärvaro)", "en": "Priority (police presence)"},
    "pt_why": {"sv": "Varför", "en": "Why"},
    "pt_peak_hours": {"sv": "Flest rapporter kl.", "en": "Most reports at hours"},
    "pt_street": {"sv": "Närmaste gata", "en": "Nearest street"},
    "pt_title": {"sv": "Patrullplan", "en": "Patrol plan"},
    "pt_summary": {"sv": "{n} stopp, {m} m, {t} av {b} min",
                   "en": "{n} stops, {m} m, {t} of {b} min"},
    "pt_area": {"sv": "Område", "en": "Area"},
    "pt_weekdays": {"sv": "Flest rapporter dagar", "en": "Most reports on days"},
    # EST weekly picture (sjobo_geo.est)
    "est_title": {"sv": "EST – gemensam lägesbild", "en": "EST – shared situational picture"},
    "est_week": {"sv": "vecka", "en": "week"},
    "est_quarter": {"sv": "kvartal", "en": "quarter"},
    "est_year": {"sv": "år", "en": "year"},
    "est_synthetic": {"sv": "SYNTETISKA DATA – påhittade händelser för test och demonstration, "
                            "inga verkliga rapporter.",
                      "en": "SYNTHETIC DATA – invented incidents for testing and demonstration, "
                            "no real reports."},
    "est_generated": {"sv": "skapad", "en": "generated"},
    "est_map": {"sv": "Karta över periodens händelser", "en": "Map of the period's incidents"},
    "est_counts": {"sv": "Antal jämfört med föregående perioder",
                   "en": "Counts against the previous periods"},
    "est_total": {"sv": "Antal händelser per period", "en": "Incidents per period"},
    "est_prev_mean": {"sv": "Snitt tidigare", "en": "Earlier mean"},
    "est_coverage": {"sv": "Data täcker bara {n} av {m} tidigare perioder.",
                     "en": "The data cover only {n} of {m} earlier periods."},
    "est_rising": {"sv": "Nya och ökande platser", "en": "New and rising places"},
    "est_none_rising": {"sv": "Inga platser ökar signifikant denna period.",
                        "en": "No place rises significantly this period."},
    "est_rule": {"sv": "Regel: rutor om 100 m där periodens antal är minst 3 och signifikant "
                       "högre än snittet för de tidigare perioderna (Poisson, "
                       "Benjamini-Hochberg 5 %). Ny = inga händelser tidigare.",
                 "en": "Rule: 100 m cells whose count this period is at least 3 and "
                       "significantly above the mean of the earlier periods (Poisson, "
                       "Benjamini-Hochberg 5 %). New = no incidents before."},
    "est_status": {"sv": "Läge", "en": "Status"},
    "est_near": {"sv": "vid", "en": "near"},
    "est_steps": {"sv": "Perioder med data för mönstret: {n}.",
                  "en": "Periods with data for the pattern: {n}."},
    "est_pattern": {"sv": "Mönster (Gi*-trend)", "en": "Pattern (Gi* trend)"},
    "est_rule_emerging": {
        "sv": "Mönster: Getis-Ord Gi* för varje period och Mann-Kendall-trend över upp till {n} "
              "perioder (emerging hot spots, FDR 5 %). Listas också: nya, sammanhängande och "
              "intensifierade heta punkter.",
        "en": "Pattern: Getis-Ord Gi* for each period and a Mann-Kendall trend over up to {n} "
              "periods (emerging hot spots, FDR 5 %). Also listed: new, consecutive and "
              "intensifying hot spots."},
    "est_files": {"sv": "Filer", "en": "Files"},
    "est_rejected": {"sv": "{n} rader avvisades (listas i est_rejects.csv, intern version).",
                     "en": "{n} rows were rejected (listed in est_rejects.csv, internal "
                           "version)."},
    "em_new_hot_spot": {"sv": "ny het punkt", "en": "new hot spot"},
    "em_new_cold_spot": {"sv": "ny kall punkt", "en": "new cold spot"},
    "em_consecutive_hot_spot": {"sv": "sammanhängande het punkt", "en": "consecutive hot spot"},
    "em_consecutive_cold_spot": {"sv": "sammanhängande kall punkt", "en": "consecutive cold spot"},
    "em_intensifying_hot_spot": {"sv": "intensifierad het punkt", "en": "intensifying hot spot"},
    "em_intensifying_cold_spot": {"sv": "intensifierad kall punkt", "en": "intensifying cold spot"},
    "em_persistent_hot_spot": {"sv": "ihållande het punkt", "en": "persistent hot spot"},
    "em_persistent_cold_spot": {"sv": "ihållande kall punkt", "en": "persistent cold spot"},
    "em_diminishing_hot_spot": {"sv": "avtagande het punkt", "en": "diminishing hot spot"},
    "em_diminishing_cold_spot": {"sv": "avtagande kall punkt", "en": "diminishing cold spot"},
    "em_sporadic_hot_spot": {"sv": "sporadisk het punkt", "en": "sporadic hot spot"},
    "em_sporadic_cold_spot": {"sv": "sporadisk kall punkt", "en": "sporadic cold spot"},
    "em_oscillating_hot_spot": {"sv": "växlande het punkt", "en": "oscillating hot spot"},
    "em_oscillating_cold_spot": {"sv": "växlande kall punkt", "en": "oscillating cold spot"},
    "em_historical_hot_spot": {"sv": "historisk het punkt", "en": "historical hot spot"},
    "em_historical_cold_spot": {"sv": "historisk kall punkt", "en": "historical cold spot"},
    "em_no_pattern": {"sv": "inget mönster", "en": "no pattern"},
    "est_new": {"sv": "ny", "en": "new"},
    "est_up": {"sv": "ökar", "en": "rising"},
    "est_place": {"sv": "Plats", "en": "Place"},
    "est_cell": {"sv": "Ruta", "en": "Cell"},
    "est_cells": {"sv": "Händelser per ruta", "en": "Incidents per cell"},
    "est_count": {"sv": "Antal", "en": "Count"},
    "est_named": {"sv": "Oftast nämnda platser", "en": "Places named most often"},
    "est_dups": {"sv": "Möjliga dubbletter att granska", "en": "Probable duplicates to check"},
    "est_dup_rule": {"sv": "Samma kategori, inom 50 m och 2 timmar, olika aktörer. Inget är "
                           "sammanslaget eller borttaget – en person avgör.",
                     "en": "Same category, within 50 m and 2 hours, different actors. Nothing "
                           "is merged or removed – a person decides."},
    "est_no_dups": {"sv": "Inga möjliga dubbletter.", "en": "No probable duplicates."},
    "est_dups_public": {"sv": "{n} möjliga dubbletter (listas bara i den interna versionen).",
                        "en": "{n} probable duplicates (listed in the internal version only)."},
    "est_more_csv": {"sv": "… och {n} till, se CSV-filen.", "en": "… and {n} more, see the CSV."},
    "est_id": {"sv": "Id", "en": "Id"},
    "est_dup_of": {"sv": "Möjlig dubblett av", "en": "Probable duplicate of"},
    "est_sum_head": {"sv": "Under {period} {label} rapporterades {n} händelser av {actors} "
                           "aktörer.",
                     "en": "In {period} {label}, {actors} actors reported {n} incidents."},
    "est_sum_mean": {"sv": "Det är {trend} snittet för de {m} tidigare perioderna ({mean}).",
                     "en": "That is {trend} the mean of the {m} earlier periods ({mean})."},
    "est_more": {"sv": "fler än", "en": "more than"},
    "est_fewer": {"sv": "färre än", "en": "fewer than"},
    "est_same": {"sv": "ungefär som", "en": "about the same as"},
    "est_sum_top": {"sv": "Vanligast:", "en": "Most common:"},
    "est_sum_rising": {"sv": "{n} platser är nya eller ökar", "en": "{n} places are new or rising"},
    "est_sum_norising": {"sv": "Ingen plats ökar signifikant.",
                         "en": "No place rises significantly."},
    "est_sum_dups": {"sv": "{n} möjliga dubbletter att granska.",
                     "en": "{n} probable duplicates to check."},
    # measures register (sjobo_geo.maps.measures)
    "measure_layer": {"sv": "Åtgärder", "en": "Measures"},
    "measure_legend": {"sv": "Åtgärder efter status", "en": "Measures by status"},
    "measure_kind": {"sv": "Åtgärd", "en": "Measure"},
    "measure_promise": {"sv": "Löfte", "en": "Promise"},
    "measure_owner": {"sv": "Ansvarig", "en": "Responsible"},
    "measure_date": {"sv": "Datum", "en": "Date"},
    "measure_status": {"sv": "Status", "en": "Status"},
    "measure_place": {"sv": "Plats", "en": "Place"},
    "measure_id": {"sv": "Åtgärd-id", "en": "Measure id"},
    # follow-up page (sjobo_geo.maps.follow_up)
    "fu_title": {"sv": "Uppföljning av medborgarlöftets åtgärder",
                 "en": "Follow-up of the citizen promise measures"},
    "fu_summary": {"sv": "{n} åtgärder i registret:", "en": "{n} measures in the register:"},
    "fu_map": {"sv": "Karta över åtgärderna och deras områden",
               "en": "Map of the measures and their zones"},
    "fu_zone": {"sv": "Område", "en": "Zone"},
    "fu_table": {"sv": "Före och efter, per åtgärd", "en": "Before and after, per measure"},
    "fu_measure": {"sv": "Åtgärd", "en": "Measure"},
    "fu_promise": {"sv": "löfte", "en": "promise"},
    "fu_kind_place": {"sv": "Typ och plats", "en": "Kind and place"},
    "fu_date_status": {"sv": "Datum och status", "en": "Date and status"},
    "fu_windows": {"sv": "Före / efter", "en": "Before / after"},
    "fu_reports": {"sv": "Händelser i området", "en": "Incidents in the zone"},
    "fu_control": {"sv": "Jämförbara platser", "en": "Comparable places"},
    "fu_survey": {"sv": "Enkätsvar i området", "en": "Survey answers in the zone"},
    "fu_verdict": {"sv": "Bedömning", "en": "Verdict"},
    "fu_before": {"sv": "före", "en": "before"},
    "fu_after": {"sv": "efter", "en": "after"},
    "fu_ratio": {"sv": "kvot", "en": "ratio"},
    "fu_relative": {"sv": "relativ förändring", "en": "relative change"},
    "fu_cells": {"sv": "rutor", "en": "cells"},
    "fu_season_year": {"sv": "ett helt år på var sida", "en": "a whole year on each side"},
    "fu_season_same_season": {"sv": "samma årstid året innan",
                              "en": "the same season a year earlier"},
    "fu_season_adjacent": {"sv": "perioden strax före (olika årstider)",
                           "en": "the period just before (seasons differ)"},
    "fu_v_fewer": {"sv": "Färre händelser efter, mer än på jämförbara platser",
                   "en": "Fewer incidents after, more so than at comparable places"},
    "fu_v_more": {"sv": "Fler händelser efter, mer än på jämförbara platser",
                  "en": "More incidents after, more so than at comparable places"},
    "fu_v_like_elsewhere": {"sv": "Förändrat, men som på jämförbara platser",
                            "en": "Changed, but like comparable places"},
    "fu_v_no_clear_change": {"sv": "Ingen tydlig förändring", "en": "No clear change"},
    "fu_v_too_few": {"sv": "För få rapporter för att säga något",
                     "en": "Too few reports to say"},
    "fu_v_too_little_time": {"sv": "För lite data före eller efter",
                             "en": "Too little data before or after"},
    "fu_v_not_done": {"sv": "Inte uppföljd (ej genomförd eller utan datum)",
                      "en": "Not followed up (not done or no date)"},
    "fu_s_fewer": {"sv": "färre händelser", "en": "fewer incidents"},
    "fu_s_more": {"sv": "fler händelser", "en": "more incidents"},
    "fu_s_like_elsewhere": {"sv": "förändrat som på jämförbara platser",
                            "en": "changed like comparable places"},
    "fu_s_no_clear_change": {"sv": "ingen tydlig förändring", "en": "no clear change"},
    "fu_s_too_few": {"sv": "för få rapporter", "en": "too few reports"},
    "fu_s_too_little_time": {"sv": "för lite data", "en": "too little data"},
    "fu_s_not_done": {"sv": "inte uppföljda", "en": "not followed up"},
    "fu_sv_fewer": {"sv": "lägre andel efter", "en": "smaller share after"},
    "fu_sv_more": {"sv": "högre andel efter", "en": "larger share after"},
    "fu_sv_no_clear_change": {"sv": "ingen tydlig förändring", "en": "no clear change"},
    "fu_sv_too_few": {"sv": "för få svar för att säga något",
                      "en": "too few survey answers to say"},
    "fu_sv_no_survey": {"sv": "ingen enkät både före och efter",
                        "en": "no survey both before and after"},
    "fu_accounting": {"sv": "Rapporter: {r_ok} av {r_total} rader godtagna. Åtgärder: {m_ok} "
                            "av {m_total} rader godtagna.",
                      "en": "Reports: {r_ok} of {r_total} rows accepted. Measures: {m_ok} of "
                            "{m_total} rows accepted."},
    "fu_method": {
        "sv": "Metod: händelser inom {radius} m från åtgärden, av de kategorier åtgärden ska "
              "minska, lika långa perioder före och efter datumet (högst ett år; samma årstid "
              "när data räcker). Kvot med exakt 95 %-intervall och Poisson-test (villkorat "
              "binomialtest). Jämförbara platser: 100 m-rutor minst 200 m bortom alla "
              "åtgärder med liknande täthet av händelser; relativ förändring med Fishers "
              "exakta test, korrigerat för antalet åtgärder (Benjamini-Hochberg, q). Under "
              "{min} händelser: för få för att säga något. Enkätsvar: andelen svar som nämner "
              "området året före mot året efter (Fishers test). Data {data_from} – {data_to}. "
              "En bedömning gäller rapporterna, den bevisar inte orsaken.",
        "en": "Method: incidents within {radius} m of the measure, of the categories the "
              "measure is meant to reduce, equally long periods before and after its date "
              "(at most a year; the same season when the data allow). Ratio with an exact "
              "95 % interval and a Poisson test (conditional binomial). Comparable places: "
              "100 m cells at least 200 m beyond every measure with a similar density of "
              "incidents; relative change with Fisher's exact test, corrected for the number "
              "of measures (Benjamini-Hochberg, q). Below {min} incidents: too few to say. "
              "Survey answers: the share of answers naming the zone the year before against "
              "the year after (Fisher's test). Data {data_from} – {data_to}. A verdict is "
              "about the reports; it does not prove the cause."},
}


def check_lang(lang: str | None) -> str:
    """Return a supported language code (``settings.lang`` when None).

    Raises
    ------
    ValueError
        For a language other than ``sv`` or ``en``.
    """
    from .._errors import SjoboGeoError

    lang = lang or settings.lang
    if lang not in LANGS:
        raise type("LanguageError", (ValueError, SjoboGeoError), {})(
            f"unknown language {lang!r}; choose one of {', '.join(LANGS)}"
        )
    return lang


def label(key: str, lang: str | None = None) -> str:
    """Label of ``key`` in ``lang`` (Swedish by default)."""
    lang = check_lang(lang)
    entry = _LABELS.get(key, {})
    return entry.get(lang) or entry.get("en") or key
