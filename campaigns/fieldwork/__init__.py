"""Fieldwork case management: every drawn person is a case that is worked once.

- `dispositions.py`: contact outcomes, their AAPOR disposition codes, and AAPOR's outcome rates;
- `services.py`: every write (an attempt and its outcome, closing a case, releasing a reserve,
  reassigning cases; the response writer completes and reopens cases through it);
- `selectors.py`: reads (who may act on a case, the day's call list, the cases of a unit, response rates);
- `contacts_import.py`: the call centre's own log (`import_contacts`);
- `views.py` + `urls.py`: the case page, the call-centre "next case", the supervisors' case list.

The models (`Assignment` is the case, `ContactAttempt`) live in campaigns/models.py.
"""
