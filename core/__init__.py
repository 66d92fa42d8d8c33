"""synthloom: plugin-based synthesis and curation of LLM training data."""

__version__ = "0.1.0"
