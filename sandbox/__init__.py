"""Run LLM-written verifier code in hardened, warm Docker containers, never in the synthloom process.

Importing this package does not import the `docker` SDK; that happens when a sandbox starts.
"""

from synthloom.sandbox.image import DEFAULT_IMAGE
from synthloom.sandbox.limits import SandboxLimits
from synthloom.sandbox.outcome import STATUSES, Outcome, Status, code_hash
from synthloom.sandbox.sandbox import DockerSandbox

__all__ = ["DEFAULT_IMAGE", "STATUSES", "DockerSandbox", "Outcome", "SandboxLimits", "Status", "code_hash"]
