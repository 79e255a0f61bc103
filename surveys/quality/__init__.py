"""Data quality (issue 15): what the entry page measured (paradata), the flags the server computes from a
campaign's QualityRules, the review loop (send back, resubmit, versions), corrections with an audit trail,
and back-checks (phúc tra). Each part is a module here; the models live in surveys/models.py."""
