"""Re-render the generated tables of data/README.md from the code.

python scripts/render_docs.py
"""

from pathlib import Path

from riskmodel.documentation import update_generated_sections

PATH = Path(__file__).resolve().parents[1] / "data" / "README.md"


def main() -> None:
    text = PATH.read_text(encoding="utf-8")
    PATH.write_text(update_generated_sections(text), encoding="utf-8")
    print(f"updated {PATH}")


if __name__ == "__main__":
    main()
