"""The transformers backend: local Hugging Face causal LMs on CPU or GPU. Importing this package loads no torch."""

from synthloom.backends.registration import BackendType

BACKEND = BackendType(
    "transformers",
    create_with="synthloom.backends.transformers.backend:create",
    options="synthloom.backends.transformers.options:TransformersOptions",
    check_with="synthloom.backends.transformers.options:check",
    describe_with="synthloom.backends.transformers.options:describe",
)
