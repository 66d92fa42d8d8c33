"""docs/plugins.md promises that every hook example is runnable: each one is loaded here as a plugin module, and the
"Putting it together" campaign runs with them, exercising the agent, backend, exporter and `on_*` examples.
"""

from __future__ import annotations

import json
import re
import types
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import synthloom
from synthloom import hookspecs
from synthloom.registry.contributions import Registry, build_registry
from tests.registry.helpers import REPO

DOC = REPO / "docs" / "plugins.md"
HOOKS = sorted(name for name, value in vars(hookspecs).items() if hasattr(value, f"{hookspecs.PROJECT}_spec"))


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)


def _plugin_modules() -> list[types.ModuleType]:
    modules = []
    for number, source in enumerate(block for block in _blocks("python") if "@synthloom.hookimpl" in block):
        module = types.ModuleType(f"docs_example_{number}")
        exec(compile(source, f"{DOC}:python block {number}", "exec"), module.__dict__)
        modules.append(module)
    return modules


@pytest.fixture(scope="module")
def registry() -> Registry:
    return build_registry(extra=[(module.__name__, module) for module in _plugin_modules()])


def test_every_hook_has_a_section_with_its_signature_and_an_example() -> None:
    text = DOC.read_text(encoding="utf-8")
    implemented = {name for module in _plugin_modules() for name in vars(module) if name in HOOKS}
    for hook in HOOKS:
        assert re.search(rf"^### {hook}\(", text, re.M), f"no section for {hook}"
        assert f"\n{hook}(" in text, f"no signature for {hook}"
    assert implemented == set(HOOKS)


def test_every_example_imports_only_the_author_api() -> None:
    for block in _blocks("python"):
        imports = [line for line in block.splitlines() if line.startswith(("import synthloom", "from synthloom"))]
        assert imports == ["import synthloom"], block[:200]


def test_register_examples_contribute(registry: Registry) -> None:
    assert {"acme.shout", "acme.paraphrase"} <= set(registry.agents)
    assert {"acme.shouted", "acme.qa", "acme.paraphrase"} <= set(registry.kinds)
    assert "echo" in registry.backends and "plain-text" in registry.exporters
    assert registry.kinds["acme.qa"](question="q", answer="a").to_sft()["messages"][1]["content"] == "a"


def test_campaign_of_the_examples_runs(registry: Registry, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    campaign_file = tmp_path / "campaign.yaml"
    campaign_file.write_text(_blocks("yaml")[-1])
    prompts = ["Say hi.", "Say bye."]
    (tmp_path / "prompts.jsonl").write_text("".join(json.dumps({"instruction": p}) + "\n" for p in prompts))
    summary = synthloom.run_campaign(campaign_file, store=tmp_path / "demo.duckdb", plugins=_plugin_modules())
    assert summary.outcome == "finished"
    [exported] = summary.exports
    texts = sorted(json.loads(line)["text"] for line in Path(exported.path).read_text().splitlines())
    assert texts == sorted(f"{p}\n\nYOU SAID: {p.upper()}!!" for p in prompts)

    group = click.Group()
    registry.pm.hook.register_commands(cli=group)
    counted = CliRunner().invoke(group, ["acme", "count", str(tmp_path / "demo.duckdb")])
    assert counted.output.strip() == "2 shouted"

    err = capsys.readouterr().err
    assert "acme: campaign acme-demo starts (load, shout)" in err
    assert "acme: shout handled 2 inputs, 0 failed" in err
    assert "acme: campaign acme-demo finished, 4 messages produced" in err

