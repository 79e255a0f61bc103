"""Running the R reference (reports/estimation/reference/survey_reference.R) from the tests."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

from reports.estimation.estimators import Ratio

SCRIPT = Path(__file__).resolve().parents[1] / "estimation" / "reference" / "survey_reference.R"


def r_available() -> str | None:
    if shutil.which("Rscript") is None:
        return "Rscript is absent: install r-base-core and r-cran-survey (apt-get install --no-install-recommends) to compare with R's survey package"
    probe = subprocess.run(["Rscript", "-e", "library(survey)"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        return "R's survey package is absent: install r-cran-survey to compare with it"
    return None


SKIP = r_available()
POINT = 1e-9  # points agree to this (absolute, on fractions of 1)
SE_RELATIVE = 1e-6  # linearised standard errors agree to this (relative)


def close(ours: float, theirs: float, relative: float) -> bool:
    return abs(ours - theirs) <= relative * max(abs(theirs), 1e-12)


def r_terms(estimand, names) -> tuple[str, str]:
    if isinstance(estimand, Ratio):
        numerator = "+".join(f"{names[i]}*{c!r}" for i, c in estimand.numerator)
        return "ratio", numerator + "/" + "+".join(names[j] for j in estimand.denominator)
    # a mean of means of ratios, all parts present: the contrast's coefficients multiply down the tree
    parts: list[str] = []

    def walk(node, weight):
        if isinstance(node, Ratio):
            ((i, _),), (j,) = node.numerator, node.denominator
            parts.append(f"{names[i]}/{names[j]}*{weight!r}")
        else:
            for part in node.parts:
                walk(part, weight / len(node.parts))

    walk(estimand, 1.0)
    return "contrast", "+".join(parts)


def run_r(tmp_path, rows, matrix, names, estimates, options, margins=None):
    with open(tmp_path / "respondents.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["stratum", "N", "unit", "channel", "sex", "age", *names])
        for row, values in zip(rows, matrix, strict=True):
            writer.writerow([row["stratum"], row["N"], row["unit"], row["channel"], row["sex"], row["age"], *(int(v) for v in values)])
    with open(tmp_path / "estimates.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "kind", "domain", "terms"])
        writer.writerows(estimates)
    with open(tmp_path / "options.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["key", "value"])
        writer.writerows(options.items())
    command = ["Rscript", str(SCRIPT), str(tmp_path / "respondents.csv"), str(tmp_path / "estimates.csv"), str(tmp_path / "options.csv"), str(tmp_path / "out.json")]
    if margins is not None:
        with open(tmp_path / "margins.csv", "w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["variable", "level", "total"])
            writer.writerows(margins)
        command.append(str(tmp_path / "margins.csv"))
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    assert finished.returncode == 0, finished.stderr
    return json.loads((tmp_path / "out.json").read_text())


