"""The campaign builder: an official sets up a campaign step by step on pages of our own, each step saved as a
draft, ending with the check list of every rule that blocks activation and the activation itself.

- `steps.py`: the steps in order, what each has done and what stops it; the check list before activation.
- `coverage.py`: the units a campaign covers, as a tree with counts by unit type.
- `forms.py`, `views.py`, `urls.py`: the pages (templates/campaigns/builder/).

Every write goes through the campaigns services (campaigns.services, campaigns.frames, campaigns.sampling),
which ask the access policy first; the admin stays for power users.
"""
