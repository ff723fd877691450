"""The layers, read from the import statements: wording < vectorstore < rag < ui, nothing imports upward, and `ui`
talks to `rag` through its face (`import rag`, `from rag import …`) only."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ["wording", "vectorstore", "rag", "ui"]  # lowest first


def _imports(path, root=ROOT):
    """The absolute names of the modules `path` imports (relative imports resolved against its package)."""
    package = ".".join(path.relative_to(root).with_suffix("").parts[:-1])
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                out.append(".".join(base + ([node.module] if node.module else [])))
            else:
                out.append(node.module or "")
    return out


def _modules(layer):
    return sorted((ROOT / layer).rglob("*.py"))


@pytest.mark.parametrize("layer", LAYERS)
def test_no_module_imports_a_layer_above_its_own(layer):
    above = LAYERS[LAYERS.index(layer) + 1 :]
    upward = [
        (str(p.relative_to(ROOT)), name)
        for p in _modules(layer)
        for name in _imports(p)
        if name.split(".")[0] in above
    ]
    assert upward == []


def test_ui_talks_to_rag_through_its_face_only():
    past = [
        (str(p.relative_to(ROOT)), name)
        for p in _modules("ui")
        for name in _imports(p)
        if name.startswith("rag.") or name.split(".")[0] in ("vectorstore", "wording")
    ]
    assert past == []
    assert not (ROOT / "rag" / "__main__.py").exists()  # `python -m ui` is the command line's


def test_the_checker_resolves_relative_imports(tmp_path):
    module = tmp_path / "rag" / "query" / "probe.py"
    module.parent.mkdir(parents=True)
    module.write_text("from ..indexing import loaders\nfrom . import retrieval\nimport ui.cli\n", encoding="utf-8")
    assert _imports(module, tmp_path) == ["rag.indexing", "rag.query", "ui.cli"]
