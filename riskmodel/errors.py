"""What went wrong, by whose hand: the user's input, or riskmodel itself.

An :class:`InputError` says that something the user gave (data, a model folder, a config file, an
option, a statement file, a what-if change) cannot be used, and what would be accepted instead;
the command line shows its message and exits with status 2. Any other exception is a defect of
riskmodel: the command line exits with status 3 and ``-v`` shows the traceback. Parameter values
out of an estimator's declared constraints raise scikit-learn's ``InvalidParameterError``, which
the command line treats as the user's too (they come from a config file).

Examples
--------
>>> issubclass(OptionError, InputError) and issubclass(InputError, ValueError)
True
"""

from __future__ import annotations

__all__ = ["InputError", "OptionError", "UnknownProductError", "ModelIntegrityError"]


class InputError(ValueError):
    """Something the user gave cannot be used; the message says what and what is expected."""


class OptionError(InputError):
    """An option or a config value is not one riskmodel accepts."""


class UnknownProductError(InputError, KeyError):
    """A product asked for is not in the data (or was rejected by validation)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ModelIntegrityError(InputError):
    """A model folder is incomplete, of another format, or was altered after training."""
