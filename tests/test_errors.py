"""Whose error it is: the user's input (exit 2) or riskmodel's defect (exit 3)."""

from riskmodel.errors import InputError, ModelIntegrityError, OptionError, UnknownProductError
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
