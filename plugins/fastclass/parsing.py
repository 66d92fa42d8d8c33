"""Class descriptions, as FastClass reads them, and the checks that make a run meaningful."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Literal, Sequence

from synthloom import ConfigError

ClassifierKind = Literal["none", "logistic", "transformers"]
CLASSES_HINT = ("give each class a name and a distinct description: a .txt file with one description per line (the "
                "reference's classes.txt), or rows {name, description}")


@dataclass(frozen=True)
class ClassSpec:
    name: str
    description: str = ""

    @property
    def text(self) -> str:
        """What is embedded: the description, or the name when there is none (the reference embeds its
        classes.txt lines, which are descriptions such as `negative` or `recreational sport hockey`)."""
        return self.description or self.name


def class_from_value(value: Any, where: str) -> ClassSpec:
    if isinstance(value, str) and value.strip():
        return ClassSpec(value.strip(), value.strip())
    if isinstance(value, dict) and isinstance(value.get("name"), str) and value["name"].strip():
        description = value.get("description", "")
        if not isinstance(description, str):
            raise ConfigError("a class description must be a string", where=where, hint=CLASSES_HINT)
        return ClassSpec(value["name"].strip(), description.strip())
    raise ConfigError("a class needs a non-empty name", where=where, hint=CLASSES_HINT)


def read_classes(path: str | Path) -> list[ClassSpec]:
    from synthloom import read_rows
    from synthloom.data import read_lines

    path = Path(path)
    if path.suffix == ".txt":
        return [class_from_value(text, f"{path}:{number}") for number, text in read_lines(path)
                if text is not None and text.strip()]
    return [class_from_value(row.value, row.where) for row in read_rows(path, objects=False)]


def check(classes: Sequence[ClassSpec], documents: int, where: str) -> None:
    """Refuse what would make a labelled set meaningless: fewer than two classes, two classes that would be
    retrieved by the same text (the second would never win a document), a corpus smaller than the class count."""
    if len(classes) < 2:
        raise ConfigError(f"{len(classes)} class(es): classification needs at least two", where=where,
                          hint=CLASSES_HINT)
    seen: dict[str, str] = {}
    for spec in classes:
        key = " ".join(spec.text.lower().split())
        if key in seen:
            raise ConfigError(f"classes {seen[key]!r} and {spec.name!r} have the same description {spec.text!r}",
                              where=where, hint=CLASSES_HINT)
        seen[key] = spec.name
    names = [c.name for c in classes]
    if len(set(names)) != len(names):
        raise ConfigError("two classes have the same name", where=where, hint=CLASSES_HINT)
    if documents < len(classes):
        raise ConfigError(f"the corpus has {documents} document(s), fewer than the {len(classes)} classes",
                          where=where, hint="FastClass retrieves documents for each class from an unlabelled corpus; "
                                            "give it many more documents than classes")


def corpus_rows(path: str | Path, field: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, row) for each document: a .txt file is one document per line (as `{field: line}`; blank lines separate
    nothing and are skipped, a line that is not UTF-8 comes as None), other files are rows read by the core; whether
    a row has text in `field` is the caller's to check."""
    from synthloom import read_rows
    from synthloom.data import read_lines

    if Path(path).suffix == ".txt":
        yield from ((f"{path}:{number}", {field: text}) for number, text in read_lines(path)
                    if text is None or text.strip())
    else:
        yield from ((row.where, row.value) for row in read_rows(path))


def has_text(row: dict[str, Any], field: str) -> bool:
    return isinstance(row.get(field), str) and bool(row[field].strip())
