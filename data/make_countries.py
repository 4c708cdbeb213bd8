#!/usr/bin/env python3
"""Generate data/countries.csv: ISO 3166-1 alpha-2 codes with Swedish names.

Source: the `pycountry` package from PyPI, which ships the iso-codes project's
ISO 3166-1 list and its gettext translations (locale `sv`).

    pip install pycountry
    python3 data/make_countries.py            # writes data/countries.csv beside this script
    python3 data/make_countries.py -o FILE    # writes FILE ("-" for stdout)

The name is the Swedish translation of the country's short common name where
ISO gives one (`common_name`: "Iran", "Syrien", "Nordkorea", "Taiwan"), else of
its ISO short name (`name`). Forms and the smittland box want the name people
write, not "Iran, islamiska republiken".

The output is sorted by code and is deterministic for a given pycountry version
(the version is not written into the file, so regenerating with the same version
gives a byte-identical file). A name missing from the Swedish catalogue keeps
its English form; the script lists such codes on stderr.
"""

import argparse
import csv
import gettext
import io
import pathlib
import sys

import pycountry


def rows():
    sv = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["sv"])
    # The catalogue is keyed by the English strings; gettext() silently returns
    # the key when it has no translation, so look the key up to report that.
    catalog = getattr(sv, "_catalog", None)
    untranslated = []
    out = []
    for country in pycountry.countries:
        english = getattr(country, "common_name", None) or country.name
        if catalog is not None and english not in catalog:
            english = country.name
        if catalog is not None and english not in catalog:
            untranslated.append(country.alpha_2)
        out.append((country.alpha_2, sv.gettext(english).strip()))
    out.sort()
    return out, untranslated


def main():
    here = pathlib.Path(__file__).resolve().parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", default=str(here / "countries.csv"))
    args = parser.parse_args()

    data, untranslated = rows()
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["code", "name_sv"])
    writer.writerows(data)
    text = buf.getvalue()

    if args.out == "-":
        sys.stdout.write(text)
    else:
        pathlib.Path(args.out).write_text(text, encoding="utf-8")
        print(f"wrote {len(data)} countries to {args.out} (pycountry {pycountry.__version__})", file=sys.stderr)
    if untranslated:
        print("no Swedish name (English kept): " + " ".join(untranslated), file=sys.stderr)


if __name__ == "__main__":
    main()
