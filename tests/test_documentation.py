"""data/README.md's generated tables match the code (run scripts/render_docs.py after a change)."""

from riskmodel.documentation import SECTIONS, update_generated_sections
from tests.conftest import REPO


def test_the_data_dictionary_is_up_to_date():
    text = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    assert update_generated_sections(text) == text, "run: python scripts/render_docs.py"
    for name in SECTIONS:
        assert f"<!-- BEGIN generated:{name} -->" in text, name


def test_every_feature_is_in_the_data_dictionary(model):
    text = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    for spec in model.feature_specs_:
        assert f"`{spec.name}`" in text
