"""Reads behind the dashboards, the unit page, the report workbook and the public page, by topic:

- `access`: who may read which campaign's results, and where in it (`Reach`);
- `values`: snapshots and index values per unit (`Score`, `UnitValues`, stored or filtered);
- `ranking`: ranking with ties, the verdict against the target, the change since the previous campaign;
- `distributions`: the questions of a campaign and the distribution of answers to each;
- `pages`: the data of each page (dashboard, unit page, public page), fieldwork progress, trend.

Everything here reads precomputed tables only (Snapshot, IndexValue, Tally, SampleQuota): never answers.
Each function runs a fixed number of queries whatever the size of the campaign (the tests pin them).
This module re-exports what the views and other modules call.
"""

from reports.dashboards.access import Reach, campaign_reach, campaigns_for_landing, reach_units
from reports.dashboards.pages import campaign_dashboard, campaign_forms, public_results, unit_page
from reports.dashboards.values import snapshot_published

__all__ = [
    "Reach",
    "campaign_dashboard",
    "campaign_forms",
    "campaign_reach",
    "campaigns_for_landing",
    "public_results",
    "reach_units",
    "snapshot_published",
    "unit_page",
]
