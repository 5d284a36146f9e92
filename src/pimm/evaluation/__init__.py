"""The evaluation room: commitments and their evidence, indicators computed from the rooms below,
the ARS scorecard, the annual and final reports and the application dossier."""
