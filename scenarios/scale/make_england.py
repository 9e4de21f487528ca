#!/usr/bin/env python3
"""Writes scenarios/scale/england.ron from scenarios/county.ron: the default county's
population, workforce and services scaled to England, about 12 million children in 6.7
million families, in 150 localities standing for the English upper-tier local authorities.

    python3 scenarios/scale/make_england.py > scenarios/scale/england.ron

The county file is read, not copied by hand, so England stays in step with the calibrated
county: every rate of need, domain, tier, escalation, resolution, service duration,
recurrence, hidden need, staff dynamic, agency, profession, service remit, assessment time
and waiting list is the county's. Run the script again whenever county.ron changes:
tests/scenarios_run.rs fails while england.ron differs from what the script makes.

What changes, and why:
- Population: 6.7 million families and 12 million children in 150 localities of equal
  share (staffing is given per unit copy, so equal shares keep every authority's staff in
  step with its demand; real authorities range from 10,000 to over 600,000 children).
- Every service is run by each local authority, so every service here is `Locality`-scoped:
  the county's borough-wide specialist services (CAMHS, youth offending, disability,
  housing) become one copy per authority. One national CAMHS of thousands of practitioners
  in a single unit would be neither realistic nor a fair test (allocation scans a unit's
  staff).
- Staff are scaled to demand: the county has 100,000 / 8 = 12,500 families per locality and
  100,000 for its borough-wide services; an authority here has 6,700,000 / 150 = 44,667
  families, so locality staff are multiplied by 44,667 / 12,500 and borough-wide staff by
  44,667 / 100,000, rounded, at least one.
- Two models, the county's first two: siloed and integrated_hub. With every service local,
  the hub takes the tier 1-3 work of the specialist services too. No calibration block:
  this is a benchmark of scale, not a calibrated model of England.
- One replication of ten years, with the default `run.max_open_episodes`: with every service
  local the authorities share nothing, so the engine runs them one at a time and the limit
  applies to each (an authority peaks near 10,000 open episodes; all of England together
  peaked at 1.38 million when they ran at once, results/benchmarks.md).
"""

import pathlib
import re

N_LA = 150
FAMILIES = 6_700_000
CHILDREN = 12_000_000
PER_LA = FAMILIES / N_LA
COUNTY = pathlib.Path(__file__).resolve().parents[1] / "county.ron"


def block(text, start_pattern):
    """The span of the bracketed block that opens on the line matching `start_pattern`."""
    start = re.search(start_pattern, text, re.M)
    assert start, f"county.ron has no line matching {start_pattern!r}"
    opening = text.index("[", start.start()) if "[" in start.group(0) else text.index("(", start.start())
    depth, i = 0, opening
    pairs = {"[": "]", "(": ")"}
    close = pairs[text[opening]]
    while True:
        c = text[i]
        if c == text[opening]:
            depth += 1
        elif c == close:
            depth -= 1
            if depth == 0:
                return start.start(), i + 1
        i += 1


def scaled_services(services_text, county_families, n_county_localities):
    locality_factor = PER_LA / (county_families / n_county_localities)
    borough_factor = PER_LA / county_families
    out, total = [], 0
    # One service per top-level "(name: ...)" entry of the services list.
    entries = re.split(r"\n(?=      \(name: )", services_text)
    for entry in entries:
        borough = "scope: BoroughWide" in entry
        factor = borough_factor if borough else locality_factor
        entry = entry.replace("scope: BoroughWide, ", "")

        def scale(match):
            nonlocal total
            n = max(1, round(int(match.group(1)) * factor))
            total += n
            return f"n_practitioners: {n}"

        out.append(re.sub(r"n_practitioners: (\d+)", scale, entry))
    return "\n".join(out), total


def main():
    county = COUNTY.read_text()
    county_families = int(re.search(r"^    n_families: (\d+),", county, re.M).group(1))
    loc_start, loc_end = block(county, r"^    localities: \[")
    n_county_localities = county[loc_start:loc_end].count("(name:")
    svc_start, svc_end = block(county, r"^    services: \[")
    services_body = county[svc_start:svc_end]
    inner_start = services_body.index("[") + 1
    inner_end = services_body.rindex("]")
    scaled, per_la = scaled_services(services_body[inner_start:inner_end].strip("\n"), county_families, n_county_localities)
    share = 1.0 / N_LA
    localities = "\n".join(f'      (name: "la_{i:03d}", share: {share!r}),' for i in range(1, N_LA + 1))

    text = county[:svc_start] + services_body[:inner_start] + "\n" + scaled + "\n    " + services_body[inner_end:] + county[svc_end:]
    # Localities (the services block comes after them, so its offsets above are unaffected).
    loc_start, loc_end = block(text, r"^    localities: \[")
    text = text[:loc_start] + "    localities: [\n" + localities + "\n    ]" + text[loc_end:]
    text = re.sub(r"^    n_families: \d+,", f"    n_families: {FAMILIES},", text, count=1, flags=re.M)
    text = re.sub(r"^    n_children: \d+,", f"    n_children: {CHILDREN},", text, count=1, flags=re.M)
    text = re.sub(r'^  name: "county",', '  name: "england",', text, count=1, flags=re.M)
    text = re.sub(
        r"^  description: .*$",
        '  description: "England at scale: about 12 million children in 6.7 million families and 150 local authorities, '
        'the county\'s services in each, siloed against an integrated hub.",',
        text,
        count=1,
        flags=re.M,
    )
    # The first two models only.
    m_start, m_end = block(text, r"^  models: \[")
    models = text[m_start:m_end]
    kept = re.findall(r"\n    \(name: \"(?:siloed|integrated_hub)\".*?\)\),?(?:\n     coordinated_handoff: .*?\)\),)?", models, re.S)
    assert len(kept) == 2, "county.ron's models should start with siloed and integrated_hub"
    text = text[:m_start] + "  models: [" + "".join(kept) + "\n  ]" + text[m_end:]
    text = re.sub(
        r"^  run: \(.*\),$",
        "  run: (horizon_days: 3652.5, warmup_days: 365.25, replications: 1, seed: 20260101),",
        text,
        count=1,
        flags=re.M,
    )
    # No calibration block, nor the one comment line above it: England here is a benchmark
    # of scale, not a calibrated model.
    c_start, c_end = block(text, r"^  calibration: \(")
    previous_line = text.rfind("\n", 0, c_start - 1) + 1
    if text[previous_line:c_start].lstrip().startswith("//"):
        c_start = previous_line
    if text[c_end : c_end + 2] == ",\n":
        c_end += 2
    text = text[:c_start] + text[c_end:]
    # The county's file header is replaced by England's.
    body = text[text.index("\n(") + 1 :]
    header = f"""// England at scale: about 12 million children in 6.7 million families, 150 local
// authorities, {per_la * N_LA:,} practitioners ({per_la} per authority). Generated by
// scenarios/scale/make_england.py from scenarios/county.ron; edit the county or the script,
// not this file. The script's docstring says what was copied and what was changed.
//
// A benchmark of scale (results/benchmarks.md), not a calibrated model of England:
//   joinedup run scenarios/scale/england.ron --threads 2
"""
    print(header + body, end="")


if __name__ == "__main__":
    main()
