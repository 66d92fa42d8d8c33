"""The fake vllm runs on a CPU platform, so the worker applies its CPU defaults."""

from types import SimpleNamespace

current_platform = SimpleNamespace(is_cpu=lambda: True)
