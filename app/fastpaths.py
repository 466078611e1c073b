"""The platform's fast paths, in one place and behind one switch (``FAST_PATHS``).

Each one changes how fast a page is made, never what it says: with the switch off
every public page is the same, byte for byte (``tests/test_fast_paths.py`` renders
every page of a demo village and the portal both ways). An optimisation belongs here
only while it buys a visible share of a figure a user sees (``bench/http_pages.py``:
the uncached village home); the measurements are in ``bench/README.md``.

* ``CompiledTranslations``: theme templates compiled once per language, their
  constant ``_()`` texts translated at compile time.
* ``read_only_globals``: templates see the environment's globals through a
  read-only view instead of Jinja's ``ChainMap``.
* ``built_once``: the statements of the public pages are built once and executed
  again, what varies a bound parameter; a statement object executed again keeps its
  SQLAlchemy cache key and its scoped form (``tenants.scoping``).
"""
from __future__ import annotations

from functools import cache, wraps
from types import MappingProxyType

from flask import current_app

from jinja2.ext import Extension
from jinja2.lexer import Token
from markupsafe import Markup

from .i18n import LANGUAGES, LOCALE, catalogue_of


def enabled(app) -> bool:
    return bool(app.config.get("FAST_PATHS", True))


def built_once(build):
    """``build(*args)`` remembered per argument set while the switch is on (its
    arguments are models and flags: a small, fixed set); built at each call when off."""
    remembered = cache(build)

    @wraps(build)
    def statement(*args):
        return remembered(*args) if enabled(current_app) else build(*args)

    return statement


def read_only_globals(environment, template_globals):
    """The globals of a template without globals of its own (every template here): a
    read-only live view of the environment's globals, not Jinja's ``ChainMap``. Jinja
    copies a template's globals into the context of every render and compares their
    keys at every ``{% from ... import %}``; through a ``ChainMap`` each key is a
    Python-level lookup. The view still shows globals added later, and refuses
    writes as the ``ChainMap`` kept them away from the environment. None: use
    Jinja's own."""
    if template_globals or not enabled(environment.app):
        return None
    return MappingProxyType(environment.globals)


#: The callable compiled templates use for a translated text with placeholders.
FORMAT_GLOBAL = "_translated_format"


def _translated_format(text: str, **variables) -> Markup:
    """What newstyle ``_()`` does after looking the text up: the translation is
    trusted markup, the values filled in are escaped."""
    return Markup(text) % variables


class CompiledTranslations(Extension):
    """Translates the constant texts of a template once, when it is compiled.

    A page calls ``_()`` some forty times; at run time each call goes through
    Jinja's gettext wrappers, the locale and the catalogue.
    An environment that carries this extension is bound to one language
    (``environment.desa_language``, see ``template_environment``): there,
    ``_('Beranda')`` compiles to the constant ``Home`` and ``_('Kecamatan
    %(name)s', name=x)`` to a plain formatting call on the translated text. Any
    other use of ``_`` (a text in a variable, ``ngettext``) is left to run time.
    The output is the same as newstyle gettext: translation as markup, values
    escaped, ``%%`` read as ``%``.
    """

    def __init__(self, environment) -> None:
        super().__init__(environment)
        environment.globals.setdefault(FORMAT_GLOBAL, _translated_format)

    def filter_stream(self, stream):
        language = getattr(self.environment, "desa_language", None)
        tokens = list(stream)
        if language is None:
            return tokens
        translations = catalogue_of(language)
        out: list[Token] = []
        i, n = 0, len(tokens)

        def at(k: int, kind: str) -> bool:
            return k < n and tokens[k].type == kind

        def constant(line: int, text: str) -> list[Token]:
            # ``('text'|safe)``: a constant the optimiser folds into the output.
            return [Token(line, "lparen", "("), Token(line, "string", text),
                    Token(line, "pipe", "|"), Token(line, "name", "safe"),
                    Token(line, "rparen", ")")]

        while i < n:
            token = tokens[i]
            line = token.lineno
            call = (token.type == "name" and at(i + 1, "lparen") and at(i + 2, "string")
                    and not (out and out[-1].type in ("dot", "pipe")))  # attribute, filter
            if call and token.value in ("_", "gettext"):
                text = translations.ugettext(tokens[i + 2].value)
                if at(i + 3, "rparen"):
                    out += constant(line, str(Markup(text) % {}))
                    i += 4
                    continue
                if at(i + 3, "comma"):
                    out += [Token(line, "name", FORMAT_GLOBAL), tokens[i + 1],
                            Token(line, "string", text)]
                    i += 3
                    continue
            if (call and token.value == "pgettext" and at(i + 3, "comma")
                    and at(i + 4, "string") and at(i + 5, "rparen")):
                text = translations.upgettext(tokens[i + 2].value, tokens[i + 4].value)
                out += constant(line, str(Markup(text) % {}))
                i += 6
                continue
            out.append(token)
            i += 1
        return out


def template_environment(app, language: str):
    """The Jinja environment to render public pages in ``language``: with the switch
    on, the app's environment with its templates compiled for ``language``; off, the
    app's own environment, which translates at run time (as the admin always does).

    One overlay per language: it shares the loader, globals and filters, and has
    its own template cache, so a template compiled in English is never served in
    Indonesian.
    """
    if not enabled(app):
        return app.jinja_env
    language = language if language in LANGUAGES else LOCALE
    environments = app.extensions.setdefault("desa.jinja_by_language", {})
    environment = environments.get(language)
    if environment is None:
        environment = app.jinja_env.overlay(extensions=[CompiledTranslations],
                                            cache_size=400)
        environment.desa_language = language
        environments[language] = environment
    return environment
