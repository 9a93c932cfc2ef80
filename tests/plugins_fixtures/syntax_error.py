"""A plugin with a syntax error."""

def kaohe_rulesets(:
    return []
