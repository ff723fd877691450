import pytest

from rag.errors import PromptError
from wording import render


def test_render_fills_variables():
    assert "Cà Mau" in render("not_found_entity_vi", entity="Cà Mau")


def test_missing_variable_or_template_fails():
    with pytest.raises(PromptError, match="entity"):
        render("not_found_entity_en")
    with pytest.raises(PromptError, match="not found"):
        render("no_such_prompt")
