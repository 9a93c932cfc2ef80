"""A period's data, read for scoring, the dashboard and the reports: every query they need lives here."""
