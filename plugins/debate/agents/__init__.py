"""The debate plugin's agents, one module per stage: `sources` read topics and responses, `debaters` runs the
debates (argument lists, turns, conclusions) as one dialogue agent, `judging` scores controllability."""
