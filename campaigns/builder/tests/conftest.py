from campaigns.tests.conftest import campaign, questionnaire, ready_campaign  # noqa: F401  (the campaigns tests' fixtures)
