"""Rules as data: rule kinds an office configures by parameters, and the rule set that runs a scheme's rules in order."""
