"""Reports for ministry staff and policy files: the audit report, per-product assessment
statements with their verification, and the risk criteria as JSON (the last stage of the data
flow)."""

from riskmodel.reports.audit import SECTIONS, audit_context, render_audit, write_audit
from riskmodel.reports.criteria import criteria, write_criteria
from riskmodel.reports.statement import read_statement, verify_statement, write_statements

__all__ = [
    "SECTIONS",
    "audit_context",
    "render_audit",
    "write_audit",
    "criteria",
    "write_criteria",
    "read_statement",
    "verify_statement",
    "write_statements",
]
