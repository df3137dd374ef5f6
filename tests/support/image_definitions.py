"""Reading the Dockerfile's stages and blubber.yaml's variants, for static checks of the images
that the tests cannot build (the GPU image: CUDA torch is GBs and no GPU is lent to tests)."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def args(self, keyword: str) -> list[str]:
        return [rest for kw, rest in self.instructions if kw == keyword]

    def env(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for rest in self.args("ENV"):
            for item in shlex.split(rest):
                if "=" in item:
                    key, _, value = item.partition("=")
                    values[key] = value
        return values

    def copied_from(self) -> list[str]:
        return [m.group(1) for rest in self.args("COPY") for m in [re.match(r"--from=(\S+)", rest)] if m]


@dataclass
class Dockerfile:
    global_args: dict[str, str]
    stages: dict[str, Stage]

    def chain(self, name: str) -> list[Stage]:
        """The stage and every stage it is built FROM, down to the first external base."""
        chain = [self.stages[name]]
        while chain[-1].base in self.stages:
            chain.append(self.stages[chain[-1].base])
        return chain

    def reaches(self, name: str) -> set[str]:
        """Every stage whose files end up in `name`: its FROM chain and COPY --from sources."""
        seen: set[str] = set()
        todo = [name]
        while todo:
            current = todo.pop()
            if current in seen or current not in self.stages:
                continue
            seen.add(current)
            stage = self.stages[current]
            todo.append(stage.base)
            todo.extend(stage.copied_from())
        return seen

    def arg_default(self, stage_names: set[str], arg: str) -> str | None:
        for name in stage_names:
            for rest in self.stages[name].args("ARG"):
                key, _, value = rest.partition("=")
                if key == arg:
                    return value
        return self.global_args.get(arg)

    def external_base(self, name: str) -> str:
        base = self.chain(name)[-1].base
        return re.sub(r"\$\{(\w+)\}", lambda m: self.global_args.get(m.group(1), ""), base)


def parse_dockerfile(path: Path = REPO / "Dockerfile") -> Dockerfile:
    text = re.sub(r"\\\n", " ", path.read_text())
    global_args: dict[str, str] = {}
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        keyword, rest = keyword.upper(), " ".join(rest.split())
        if keyword == "FROM":
            match = re.fullmatch(r"(\S+)(?: AS (\S+))?", rest, flags=re.IGNORECASE)
            assert match, line
            current = Stage(name=match.group(2) or f"stage{len(stages)}", base=match.group(1))
            stages[current.name] = current
        elif current is None:
            if keyword == "ARG":
                key, _, value = rest.partition("=")
                global_args[key] = value
        else:
            current.instructions.append((keyword, rest))
    return Dockerfile(global_args, stages)


def exec_form(rest: str) -> list[str] | None:
    try:
        value = json.loads(rest)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, list) and all(isinstance(v, str) for v in value) else None


def torch_pin() -> str:
    match = re.search(r'"torch==([^"]+)"', (REPO / "pyproject.toml").read_text())
    assert match, "pyproject.toml pins torch"
    return match.group(1)
