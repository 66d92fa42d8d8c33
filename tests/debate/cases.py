"""Seven judge replies to seven responses, with their CC checked by hand (test_parsing, test_cc): affirmative good,
bad, unparsed by the reference's rule; negative good, over 100, not adding up, unparsed by the reference's rule."""

from __future__ import annotations

JUDGED = [("affirmative", "100 0"), ("affirmative", "80 20"), ("affirmative", "100, 0"),
          ("negative", "0 100"), ("negative", "0 120"), ("negative", "30 30"), ("negative", "Support: 0, Oppose: 100")]
# (CC_P, CC_N, CC_All) for: unparsed replies count as failures (the reference); they are left out; lenient parsing
BAD = (1 / 3, 1 / 4, 2 / 7)
EXCLUDED = (1 / 2, 1 / 3, 2 / 5)
LENIENT = (2 / 3, 2 / 4, 4 / 7)
