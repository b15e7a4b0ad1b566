"""Whose error it is: the user's input (exit 2) or riskmodel's defect (exit 3)."""

import pickle

import pytest

from riskmodel.errors import (
    InputError,
    Joined,
    Message,
    ModelIntegrityError,
    OptionError,
    UnknownProductError,
)
from riskmodel.io import DataFolderError
from riskmodel.models.risk_model import TrainingDataError
from riskmodel.validation import ContractError


def test_every_error_about_the_users_input_is_an_input_error():
    for cls in (
        OptionError,
        UnknownProductError,
        ModelIntegrityError,
        DataFolderError,
        TrainingDataError,
        ContractError,
    ):
        assert issubclass(cls, InputError), cls


def test_an_unknown_product_reads_as_a_sentence_and_is_still_a_key_error():
    error = UnknownProductError("product 'P-1' is not in data/raw/x")
    assert str(error) == "product 'P-1' is not in data/raw/x"
    assert isinstance(error, KeyError)


def test_a_message_is_its_template_filled_in_english_and_its_translation_in_korean():
    message = Message("expected {expectation}", expectation=Message("a whole number"))
    assert message.render("en") == str(message) == "expected a whole number"
    assert message.render("ko") == "올바른 값은 정수입니다"  # the parameter is said in Korean too
    unknown = Message("not in any catalog: {n:,}", n=1234)
    assert unknown.render("ko") == "not in any catalog: 1,234"  # gettext falls back to English


def test_a_message_with_a_plural_chooses_by_its_number():
    def head(n):
        return Message.ngettext(
            "the data do not follow the input contract ({count} problem):",
            "the data do not follow the input contract ({count} problems):",
            n,
            count=n,
        )

    assert head(1).render("en").endswith("(1 problem):")
    assert head(3).render("en").endswith("(3 problems):")
    assert head(3).render("ko") == "데이터가 입력 계약을 따르지 않습니다(문제 3건):"


def test_joined_messages_are_said_in_one_language_with_their_separator():
    joined = Joined([Message("a number"), Message("true or false"), "as is"], sep=" | ")
    assert joined.render("en") == "a number | true or false | as is"
    assert joined.render("ko") == "숫자 | true 또는 false | as is"


def test_an_input_error_raised_with_a_message_says_it_in_any_language():
    error = OptionError(Message("expected {expectation}", expectation=Message("a number")))
    assert str(error) == "expected a number" and error.args == ("expected a number",)
    assert error.in_language("ko") == "올바른 값은 숫자입니다"
    assert pickle.loads(pickle.dumps(error)).in_language("ko") == "올바른 값은 숫자입니다"
    plain = InputError("no message: said as it is")
    assert plain.message is None and plain.in_language("ko") == "no message: said as it is"
    with pytest.raises(ValueError, match="en, ko"):
        plain.in_language("fr")
    with pytest.raises(ValueError, match="en, ko"):
        error.in_language("fr")
