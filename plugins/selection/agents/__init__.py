"""The selection plugin's agents, one module per stage: `sources` reads Alpaca files, `scorers` score samples with
the student, `selectors` apply the published rules over every score at once, `baselines` the selection-at-scale
baselines (random, ZIP, k-means) over every sample at once, and `training` fine-tunes the student on a selection
(Cherry LLM's pre-experienced model)."""
