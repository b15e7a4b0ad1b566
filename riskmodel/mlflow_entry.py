"""MLflow's entry point for the riskmodel pyfunc (models-from-code: nothing is pickled).

MLflow copies this file into the logged model and runs it when loading; it is not imported by the
package itself.
"""

import mlflow

from riskmodel.pyfunc import RiskModelPyfunc

mlflow.models.set_model(RiskModelPyfunc())
