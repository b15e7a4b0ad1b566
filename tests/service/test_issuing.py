"""Issuing: who may read a record, and the request hash (stable, key order free)."""

from __future__ import annotations

from types import SimpleNamespace

from riskmodel.service.issuing import fill_product_id, may_read, request_hash
from riskmodel.service.users import User


def _user(name, role):
    return User(name=name, role=role, key_id="k", key_hash="h")


def test_an_underwriter_reads_only_its_own_and_an_auditor_every_record():
    record = SimpleNamespace(created_by="kim")
    assert may_read(_user("kim", "underwriter"), record)
    assert not may_read(_user("lee", "underwriter"), record)
    assert may_read(_user("park", "auditor"), record)
    assert may_read(_user("root", "admin"), record)


def test_the_request_hash_ignores_key_order_but_not_values():
    a = request_hash({"product": {"a": 1, "b": "한"}, "tests": []})
    assert a == request_hash({"tests": [], "product": {"b": "한", "a": 1}})
    assert a != request_hash({"product": {"a": 2, "b": "한"}, "tests": []})
    assert len(a) == 64 and int(a, 16) >= 0


def test_child_rows_get_the_products_id_unless_they_name_one():
    rows = fill_product_id([{"x": 1}, {"product_id": "P2", "x": 2}], "P1")
    assert [r["product_id"] for r in rows] == ["P1", "P2"]
