"""Root pytest configuration: files that are not importable as plain modules."""

# MLflow runs this file when it loads the logged model; importing it elsewhere would register a
# model as a side effect.
collect_ignore = ["riskmodel/mlflow_entry.py"]
