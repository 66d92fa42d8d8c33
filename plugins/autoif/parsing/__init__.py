"""AutoIF's pure rules, with no I/O, model or store, so that they can be checked against the reference scripts.

`replies` reads model replies into data (with a reason code when a reply cannot be read); `decisions` holds the
thresholds and sampling rules that decide what survives each stage.
"""
