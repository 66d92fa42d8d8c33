"""The clear plugin's agents, one module per stage: `sources` reads the dataset, `confidence` scores each sample
with BSDetector, `curation` filters by the median and auto-corrects with the fine-tuned model, `training`
fine-tunes with TRL inside the campaign."""
