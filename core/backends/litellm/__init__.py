"""The litellm backend: hosted APIs and any OpenAI-compatible server. Importing this package imports no litellm."""

from synthloom.backends.registration import BackendType

BACKEND = BackendType(
    "litellm",
    create_with="synthloom.backends.litellm.backend:create",
    options="synthloom.backends.litellm.options:LiteLLMOptions",
    check_with="synthloom.backends.litellm.options:check",
    describe_with="synthloom.backends.litellm.options:describe",
)
