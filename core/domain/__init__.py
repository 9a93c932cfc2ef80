"""The domain's words and rules: vocabularies, periods, money, errors — what every layer above speaks."""
