"""Bodies made from the contract: no second copy of the columns; types checked by validation."""

import pytest
from pydantic import ValidationError

from riskmodel.contract import TABLES
from riskmodel.service.schemas import (
    ASSESSMENT_EXAMPLE,
    AssessmentRequest,
    BatchRequest,
    CertificationRow,
    ProductRow,
    RejectRow,
)
from riskmodel.service.schemas import (
    TestResultRow as ResultRow,
)
from riskmodel.validation import REJECT_COLUMNS


@pytest.mark.parametrize(
    "model, table",
    [
        (ProductRow, "products"),
        (ResultRow, "test_results"),
        (CertificationRow, "certifications"),
    ],
)
def test_every_contract_column_is_a_documented_field(model, table):
    schema = model.model_json_schema()
    assert list(schema["properties"]) == list(TABLES[table].column_names)
    assert schema["additionalProperties"] is False
    for col in TABLES[table].columns:
        assert col.meaning in schema["properties"][col.name]["description"]
    required = {c.name for c in TABLES[table].columns if c.required}
    if table != "products":
        required.discard("product_id")  # a child row of one application may leave it out
    assert set(schema["required"]) == required


def test_values_are_not_coerced_here_so_validation_sees_them_as_sent():
    row = ProductRow.model_validate({"trl": "7", "units_deployed": 2.5, "category": "new_thing"})
    assert row.trl == "7" and row.units_deployed == 2.5 and row.category == "new_thing"
    with pytest.raises(ValidationError):
        ProductRow.model_validate({"trl": {"nested": 1}})
    with pytest.raises(ValidationError):
        ProductRow.model_validate({"not_a_column": 1})


def test_examples_are_valid_bodies_and_batches_are_bounded():
    assert AssessmentRequest.model_validate(ASSESSMENT_EXAMPLE).product.trl == 7
    batch = BatchRequest.model_json_schema()
    assert batch["properties"]["products"]["maxItems"] == 1000
    assert tuple(RejectRow.model_fields) == REJECT_COLUMNS
