"""Design-based estimation: what the sample design makes of the answers.

- `design`: strata, population sizes and the weighted sample the estimators use;
- `weighting`: weights N/n (with the nonresponse adjustment within cells), raking, trimming, Kish's deff;
- `sums`: per-cell sums and cross-products of the responses' variables, from per-response aggregates in SQL;
- `plan`: what is estimated for a campaign (one estimand per index value) and its stored design;
- `leaves`: the leaf tables the estimates read (`CellMoments`, and tallies for one-answer questions);
- `estimators`: ratios and means of ratios with Taylor-linearised variances (fpc, lonely strata), logit intervals;
- `estimates`: every unit's estimates, the aggregation rule, the design actually used (`DesignSummary`);
- `verdicts`: the one verdict function for targets, changes and ties, and the minimum publishable size;
- `population` (+ `admin`): the writes of population sizes and design settings;
- `reference/survey_reference.R`: R's survey package on the same records, the cross-check of the tests.

docs/methodology.md states every estimator in prose.
"""
