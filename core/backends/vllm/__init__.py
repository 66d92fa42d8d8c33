"""The vLLM offline-engine backend. Importing this package imports no vLLM."""

from synthloom.backends.registration import BackendType

BACKEND = BackendType(
    "vllm",
    create_with="synthloom.backends.vllm.backend:create",
    options="synthloom.backends.vllm.options:VLLMOptions",
    check_with="synthloom.backends.vllm.options:check",
    describe_with="synthloom.backends.vllm.options:describe",
)
