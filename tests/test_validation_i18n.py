"""What validation says about bad input, in English and in Korean: the same rejects, each reason
said in the language asked, from the messages recorded with the problems (never from English)."""

import re
from datetime import datetime

import pandas as pd
import pytest

from riskmodel.contract import TABLES
from riskmodel.errors import Message
from riskmodel.validation import ContractError, StrictModeError, load_data, validate_tables
from tests.builders import raw_tables
from tests.test_validation_rejects import _corrupt, _read

TODAY = datetime(2026, 1, 1)
WHERE = ["table", "row", "product_id", "column", "value"]

#: The words a Korean reason may keep from its English: the contract's names and values.
CONTRACT_WORDS = (
    set(TABLES)
    | {c.name for t in TABLES.values() for c in t.columns}
    | {v for t in TABLES.values() for c in t.columns for v in c.allowed or ()}
    | {"true", "false", "riskmodel"}
)
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_]*")


def _kept_words(english: str) -> set[str]:
    """The words of an English reason that Korean keeps as they are: the contract's names and
    values, and codes or values of the data (capitals or digits: YYYY, S22, P0000015)."""
    return {
        w
        for w in _WORD.findall(english)
        if w in CONTRACT_WORDS or w.isupper() or any(ch.isdigit() for ch in w)
    }


def _untranslated(english: str, korean: str) -> list[str]:
    """ASCII words of 4+ letters in ``korean`` that are not kept words of ``english``."""
    kept = _kept_words(english)
    return [w for w in _WORD.findall(korean) if len(w) >= 4 and w not in kept]


def test_the_check_for_untranslated_words_finds_english_left_in_korean():
    english = "expected one of pass, fail, conditional"
    assert _untranslated(english, "올바른 값은 pass, fail, conditional 중 하나입니다") == []
    assert _untranslated(english, "올바른 값은 one of pass, fail, conditional") == []  # short
    assert _untranslated(english, "expected pass, fail, conditional") == ["expected"]
    assert _untranslated("no product", "products 없음") == ["products"]  # not in the English


@pytest.fixture(scope="module")
def corrupted_folder(tmp_path_factory, score_folder):
    """The corruptions of test_validation_rejects, with a ragged record, as files."""
    tables = _corrupt(_read(score_folder))["tables"]
    data = tmp_path_factory.mktemp("corrupted_i18n")
    for name in ("products", "test_results", "incidents"):
        tables[name].to_csv(data / f"{name}.csv", index=False)
    text = tables["certifications"].to_csv(index=False, sep=";").splitlines()
    text.insert(3, text[3] + ";extra")
    (data / "certifications.csv").write_text("\n".join(text) + "\n")
    return data


@pytest.fixture(scope="module", params=[False, True], ids=["scoring", "training"])
def corrupted(request, corrupted_folder):
    return load_data(corrupted_folder, today=TODAY, require_incidents=request.param)


def test_korean_rejects_are_the_same_rows_with_every_reason_in_korean(corrupted):
    english, korean = corrupted.rejects, corrupted.rejects_in("ko")
    assert len(english) > 100 and english["reason"].nunique() > 15
    assert list(korean.columns) == list(english.columns)
    pd.testing.assert_frame_equal(korean[WHERE], english[WHERE])
    wrong = []
    for en, ko in zip(english["reason"], korean["reason"], strict=True):
        if ko == en or not re.search("[가-힣]", ko) or _untranslated(en, ko):
            wrong.append((en, ko, _untranslated(en, ko)))
    assert not wrong, wrong[:5]
    assert english["reason"].equals(corrupted.rejects["reason"])  # rejects left as they were


def test_english_rejects_are_the_rejects(corrupted):
    english = corrupted.rejects_in("en")
    pd.testing.assert_frame_equal(english, corrupted.rejects)
    english.loc[0, "reason"] = "changed"
    assert corrupted.rejects.loc[0, "reason"] != "changed"  # a copy


def test_each_kind_of_problem_has_its_own_korean_words(corrupted):
    korean = " | ".join(corrupted.rejects_in("ko")["reason"])
    for words in (
        "1 이상 9 이하인 정수",
        "1 이상인 정수",
        "0 초과 60 이하인 숫자",
        "필수 값이 없습니다",
        "YYYY-MM-DD 형식의 실제 날짜",
        "너무 깁니다(최대 500자)",
        "중복될 수 없지만",
        "products의 여러 행",
        "이 product_id는 products에 없습니다",
        "미래의 날짜입니다(2026-01-01 이후)",
        "pass, fail, conditional 중 하나",
        "true 또는 false",
        "limit_value도 있어야 합니다",
        "coverage_start와 같거나 그 이전",
        "보험기간 안에",
        "active, expired, suspended, withdrawn 중 하나",
        "머리글의 필드 수는 5개입니다",
        "해당 제품이 반려되었습니다(products ",
    ):
        assert words in korean, words


def test_several_problems_of_one_row_are_joined_in_the_language_asked():
    both = validate_tables(
        raw_tables(products__0__trl="0", products__0__units_deployed="none"), today=TODAY
    )
    alone = [
        validate_tables(raw_tables(**{f"products__0__{c}": v}), today=TODAY)
        for c, v in (("units_deployed", "none"), ("trl", "0"))  # parsing, then ranges
    ]
    for lang in ("en", "ko"):
        joined = both.rejects_in(lang)["reason"].iloc[0]
        parts = [r.rejects_in(lang)["reason"].iloc[0] for r in alone]
        assert joined == "; ".join(parts)
    assert both.rejects_in("ko")["reason"].iloc[0] == (
        "올바른 값은 1 이상인 정수입니다; 올바른 값은 1 이상 9 이하인 정수입니다"
    )


def test_an_unknown_language_is_refused_naming_the_choices(corrupted):
    for lang in ("fr", "KO", ""):
        with pytest.raises(ValueError, match="lang must be one of en, ko"):
            corrupted.rejects_in(lang)
        with pytest.raises(ValueError, match="en, ko"):
            corrupted.issues_in(lang)


def test_flagged_products_say_why_in_korean():
    result = validate_tables(
        raw_tables(products__0__category="quantum_computer", test_results__1__outcome="maybe"),
        today=TODAY,
    )
    assert result.issues_in("en") == result.issues
    korean = result.issues_in("ko")
    assert set(korean) == set(result.issues) == {"P1", "P2"}
    assert korean["P1"] == ["category 'quantum_computer'은(는) 입력 계약에 정의된 범주가 아닙니다"]
    assert korean["P2"] == [
        "test_results의 1개 행이 반려되었습니다(2행): 이 행들을 빼고 점수를 산출했습니다"
    ]


def test_errors_that_stop_the_run_are_said_in_korean():
    raw = raw_tables()
    raw["products"] = raw["products"].drop(columns=["trl"]).rename(columns={"zone": "region"})
    with pytest.raises(ContractError) as info:
        validate_tables(raw)
    english, korean = str(info.value), info.value.in_language("ko")
    assert english.startswith("the data do not follow the input contract (1 problem):")
    assert korean.startswith("데이터가 입력 계약을 따르지 않습니다(문제 1건):\n  - products: ")
    assert (
        "필수 열이 없습니다: ['zone', 'trl']" in korean and "(계약에 없는 열: ['region'])" in korean
    )
    (problem,) = info.value.problems
    assert problem.reason_in("en") == problem.reason and problem.reason_in("ko") in korean


def test_strict_mode_lists_the_rejects_in_korean():
    result = validate_tables(raw_tables(products__0__trl="x"), today=TODAY)
    with pytest.raises(StrictModeError) as info:
        result.check_strict()
    korean = info.value.in_language("ko")
    assert korean.splitlines()[0] == "데이터가 입력 계약을 따르지 않습니다(문제 4건):"
    assert korean.splitlines()[1] == (
        "  - products, 1행 (제품 P1), 'trl' 열: 값 'x': 올바른 값은 1 이상 9 이하인 정수입니다"
    )
    assert str(info.value).splitlines()[1] == (
        "  - products, row 1 (product P1), column 'trl': value 'x': expected a whole number "
        ">= 1 and <= 9"
    )


def test_the_problems_remember_their_message_without_changing_equality():
    result = validate_tables(raw_tables(products__0__trl="x"), today=TODAY)
    with pytest.raises(StrictModeError) as info:
        result.check_strict()
    first = info.value.problems[0]
    assert first.message is not None and first.message.render("en") == first.reason
    assert first == type(first)(*[getattr(first, f) for f in WHERE], first.reason)


def test_clean_data_say_nothing_in_any_language(monkeypatch):
    # the language is kept out of the hot path: no message is rendered unless there is a problem
    calls = []
    render = Message.render
    monkeypatch.setattr(
        Message, "render", lambda self, lang="en": calls.append(1) or render(self, lang)
    )
    result = validate_tables(raw_tables(), today=TODAY)
    assert result.rejects.empty and calls == []
    assert result.rejects_in("ko").empty and result.issues_in("ko") == {}
    validate_tables(raw_tables(products__0__trl="x"), today=TODAY)
    assert calls  # the same counter does see a problem's reason
