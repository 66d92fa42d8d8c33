"""The default sandbox image: found, pulled on request, or built offline from Debian packages.

Offline is the normal case (CI runners and air-gapped hosts reach an apt mirror but no registry), so the default
image is a Debian bookworm rootfs made by mmdebstrap and `docker import`ed; when `python:3.12-slim` is present or
may be pulled, the image is built on top of it instead.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable

from synthloom.errors import SandboxError

DEFAULT_IMAGE = "synthloom-sandbox:1"
BASE_IMAGE = "python:3.12-slim"
SUITE = "bookworm"
# Modules LLM-written verifiers commonly import; python3 pulls json, re & co. nltk ships without its data (punkt),
# so nltk.word_tokenize fails inside the sandbox: the sandbox has no network to download it.
DEBIAN_PACKAGES = ("python3", "python3-nltk", "python3-langdetect")
PIP_PACKAGES = ("nltk", "langdetect")
IMAGE_LABEL = "synthloom.sandbox.image"
FIX_BUILD = "run `synthloom sandbox build` (needs mmdebstrap and an apt mirror, or --pull with a registry)"

Log = Callable[[str], None]


def image_exists(api, name: str) -> bool:
    import docker

    try:
        api.inspect_image(name)
    except docker.errors.ImageNotFound:
        return False
    return True


def ensure_image(api, name: str | None, *, pull: bool = False, log: Log = lambda _: None) -> str:
    """The image to run: `name` if present (pulled when allowed), else the default image, built when absent."""
    if name is None or name == DEFAULT_IMAGE:
        if not image_exists(api, DEFAULT_IMAGE):
            build_default_image(api, pull=pull, log=log)
        return DEFAULT_IMAGE
    if image_exists(api, name):
        return name
    if pull and _try_pull(api, name, log):
        return name
    raise SandboxError(f"the sandbox image {name!r} is not present", where="DockerSandbox(image=...)",
                       hint="pull or build it first, allow pulling (pull=True), or use image=None for the default")


def build_default_image(api, *, force: bool = False, pull: bool = False, log: Log = lambda _: None) -> str:
    """Build `DEFAULT_IMAGE` unless present; idempotent, and a no-op in milliseconds when the image exists."""
    if image_exists(api, DEFAULT_IMAGE) and not force:
        log(f"{DEFAULT_IMAGE} is present")
        return DEFAULT_IMAGE
    if image_exists(api, BASE_IMAGE) or (pull and _try_pull(api, BASE_IMAGE, log)):
        build_from_base(api, BASE_IMAGE, DEFAULT_IMAGE, install=PIP_PACKAGES if pull else (), log=log)
    else:
        build_with_mmdebstrap(api, DEFAULT_IMAGE, log=log)
    return DEFAULT_IMAGE


def _try_pull(api, name: str, log: Log) -> bool:
    import docker

    repository, _, tag = name.partition(":")
    log(f"pulling {name}")
    try:
        api.pull(repository, tag=tag or "latest")
    except docker.errors.APIError as exc:
        log(f"cannot pull {name}: {exc}")
        return False
    return True


def build_from_base(api, base: str, name: str, *, install: tuple[str, ...] = (), log: Log = lambda _: None) -> None:
    """Layer the sandbox settings (non-root user, /tmp workdir) on a Python image; pip runs only when given packages."""
    import docker

    lines = [f"FROM {base}"]
    if install:
        lines.append(f"RUN python3 -m pip install --no-cache-dir {' '.join(install)}")
    lines += [f"LABEL {IMAGE_LABEL}=1", "USER 65534:65534", "WORKDIR /tmp"]
    log(f"building {name} from {base}")
    try:
        # The build stream reports a failing step as an "error" item, not as an exception.
        errors = [item["error"] for item in api.build(fileobj=io.BytesIO("\n".join(lines).encode()), tag=name,
                                                      rm=True, forcerm=True, decode=True) if "error" in item]
    except docker.errors.APIError as exc:
        errors = [str(exc)]
    if errors or not image_exists(api, name):
        raise SandboxError(f"building {name} from {base} failed: {' '.join(errors) or 'no image'}", hint=FIX_BUILD)


def build_with_mmdebstrap(api, name: str, *, log: Log = lambda _: None) -> None:
    """Debian rootfs with python3 and the verifier packages, imported as a single-layer image (about a minute)."""
    if shutil.which("mmdebstrap") is None:
        raise SandboxError("mmdebstrap is not installed and python:3.12-slim is absent", where="sandbox image build",
                           hint="as root: scripts/ensure_docker.sh (installs mmdebstrap), or build with --pull")
    with tempfile.TemporaryDirectory(prefix="synthloom-sandbox-") as workdir:
        rootfs = os.path.join(workdir, "rootfs.tar")
        command = [
            "mmdebstrap", "--variant=essential", "--include=" + ",".join(DEBIAN_PACKAGES),
            "--dpkgopt=path-exclude=/usr/share/doc/*", "--dpkgopt=path-exclude=/usr/share/man/*",
            "--dpkgopt=path-exclude=/usr/share/locale/*", SUITE, rootfs,
        ]
        log("running " + " ".join(command))
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-8:])
            raise SandboxError(f"mmdebstrap failed (exit {done.returncode}):\n{tail}", where="sandbox image build",
                               hint="check the apt mirror is reachable; mmdebstrap needs root or unprivileged userns")
        repository, _, tag = name.partition(":")
        log(f"importing {rootfs} as {name}")
        api.import_image_from_file(rootfs, repository=repository, tag=tag or "latest", changes=[
            "USER 65534:65534", "WORKDIR /tmp", f"LABEL {IMAGE_LABEL}=1",
            "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        ])
    if not image_exists(api, name):
        raise SandboxError(f"importing the rootfs as {name} produced no image", hint=FIX_BUILD)
