"""What went wrong, by whose hand: the user's input, or riskmodel itself.

An :class:`InputError` says that something the user gave (data, a model folder, a config file, an
option, a statement file, a what-if change) cannot be used, and what would be accepted instead;
the command line shows its message and exits with status 2. Any other exception is a defect of
riskmodel: the command line exits with status 3 and ``-v`` shows the traceback. Parameter values
out of an estimator's declared constraints raise scikit-learn's ``InvalidParameterError``, which
the command line treats as the user's too (they come from a config file).

An error about the user's data can carry its :class:`Message`: the English template of what it
says (marked for translation where it is written) and the values of its placeholders, so that it
can be said in another language (:meth:`InputError.in_language`) without parsing English.

Examples
--------
>>> issubclass(OptionError, InputError) and issubclass(InputError, ValueError)
True
>>> error = InputError(Message("{table} is missing", table="products"))
>>> str(error), error.in_language("ko")
('products is missing', 'products is missing')
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "Message",
    "Joined",
    "InputError",
    "OptionError",
    "UnknownProductError",
    "ModelIntegrityError",
]


class Message:
    """What to say to a person, in any language: an English template and its parameters.

    The template is English with named placeholders (``"expected {expectation}"``), marked for
    extraction with ``N_`` where it is written; :meth:`render` looks it up in the ``domain``'s
    catalog of the language asked and fills the placeholders. A parameter that is itself a
    :class:`Message` (or :class:`Joined`) is rendered in the same language first; any other
    value is formatted as it is (names, numbers, values of the data stay as they are).

    Parameters
    ----------
    template : str
        The English text, with ``{name}`` placeholders (format specs allowed: ``{n:,}``).
    domain : str, default "validation"
        The catalog the template belongs to.
    **params
        The values of the placeholders.

    See Also
    --------
    Message.ngettext : a message with a singular and a plural.
    """

    __slots__ = ("template", "params", "domain", "plural", "n")

    def __init__(self, template: str, /, *, domain: str = "validation", **params):
        self.template = template
        self.params = params
        self.domain = domain
        self.plural: str | None = None
        self.n: int | None = None

    @classmethod
    def ngettext(
        cls, singular: str, plural: str, n: int, /, *, domain: str = "validation", **params
    ) -> Message:
        """A message whose words depend on the number ``n`` (``"1 problem"``, ``"2 problems"``);
        written ``Message.ngettext(...)`` so that both forms are extracted."""
        message = cls(singular, domain=domain, **params)
        message.plural, message.n = plural, int(n)
        return message

    def render(self, lang: str = "en") -> str:
        """The message in ``lang`` (English renders the template itself: no catalog is read)."""
        if lang == "en":
            template = self.template if self.plural is None or self.n == 1 else self.plural
        else:
            from riskmodel.i18n import translations

            catalog = translations(lang, self.domain)  # refuses an unknown language
            if self.plural is None:
                template = catalog.gettext(self.template)
            else:
                template = catalog.ngettext(self.template, self.plural, self.n)
        params = {
            k: v.render(lang) if isinstance(v, (Message, Joined)) else v
            for k, v in self.params.items()
        }
        return template.format(**params)

    def __str__(self) -> str:
        return self.render("en")

    def __repr__(self) -> str:
        extra = "" if self.plural is None else f", plural={self.plural!r}, n={self.n!r}"
        params = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"Message({self.template!r}{extra}{params})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Message):
            return NotImplemented
        return (self.template, self.params, self.domain, self.plural, self.n) == (
            other.template,
            other.params,
            other.domain,
            other.plural,
            other.n,
        )

    __hash__ = None  # its parameters may be lists


class Joined:
    """Several messages said one after the other, ``sep`` between them (each in the language
    asked): the reasons of one rejected row, for instance."""

    __slots__ = ("parts", "sep")

    def __init__(self, parts: Iterable[Message | Joined | str], sep: str = "; "):
        self.parts = tuple(parts)
        self.sep = sep

    def render(self, lang: str = "en") -> str:
        return self.sep.join(
            p.render(lang) if isinstance(p, (Message, Joined)) else str(p) for p in self.parts
        )

    def __str__(self) -> str:
        return self.render("en")

    def __repr__(self) -> str:
        return f"Joined({list(self.parts)!r}, sep={self.sep!r})"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Joined):
            return NotImplemented
        return (self.parts, self.sep) == (other.parts, other.sep)

    __hash__ = None


class InputError(ValueError):
    """Something the user gave cannot be used; the message says what and what is expected.

    Raised with a :class:`Message` as its only argument, it says the message in English (its
    ``str``) and keeps it as ``message`` for :meth:`in_language`.
    """

    message: Message | Joined | None = None

    def __init__(self, *args):
        if len(args) == 1 and isinstance(args[0], (Message, Joined)):
            self.message = args[0]
            args = (args[0].render("en"),)
        super().__init__(*args)

    def in_language(self, lang: str) -> str:
        """What the error says, in ``lang`` (an error raised with plain text has no
        translation: its text is returned as it is)."""
        if self.message is None:
            from riskmodel.i18n import check_language

            check_language(lang)
            return str(self)
        return self.message.render(lang)


class OptionError(InputError):
    """An option or a config value is not one riskmodel accepts."""


class UnknownProductError(InputError, KeyError):
    """A product asked for is not in the data (or was rejected by validation)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ModelIntegrityError(InputError):
    """A model folder is incomplete, of another format, or was altered after training."""
