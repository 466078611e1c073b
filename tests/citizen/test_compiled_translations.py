"""Theme templates are compiled once per language (``app.fastpaths.CompiledTranslations``):
constant texts are translated at compile time, with exactly the output that
run-time newstyle gettext gives, and everything else is left to run time."""
from __future__ import annotations

import pytest

from app.fastpaths import template_environment


def render(app, language: str, source: str, **context) -> str:
    with app.test_request_context("/", base_url="http://jlodro.tubankab.go.id",
                                  headers={"Cookie": f"lang={language}"}):
        return template_environment(app, language).from_string(source).render(**context)


@pytest.mark.parametrize("language, expected", [("en", "Home"), ("id", "Beranda")])
def test_constant_text_in_the_language_of_the_environment(app, language, expected):
    assert render(app, language, "{{ _('Beranda') }}|{{ gettext('Beranda') }}") == \
        f"{expected}|{expected}"


def test_placeholders_are_filled_and_escaped(app):
    out = render(app, "en", "{{ _('Kecamatan %(name)s', name=x) }}", x="<b>Montong</b>")
    assert out == "&lt;b&gt;Montong&lt;/b&gt; District"
    out = render(app, "id", "{{ _('Kecamatan %(name)s', name=x) }}", x="A & B")
    assert out == "Kecamatan A &amp; B"


def test_context_texts_and_percent_signs(app):
    assert render(app, "en", "{{ pgettext('menu', 'Lainnya') }}") == "More"
    assert render(app, "en", "{{ _('Lainnya') }}") == "Other"
    assert render(app, "id", "{{ _('50%% dari anggaran') }}") == "50% dari anggaran"


def test_translated_text_keeps_working_as_an_expression(app):
    source = ("{{ _('Beranda').upper() }} {{ _('Beranda') | length }} "
              "{% set items = [('/', _('Beranda'))] %}{{ items[0][1] }} "
              "{{ _('Beranda') if flag else _('Profil') }}")
    assert render(app, "en", source, flag=True) == "HOME 4 Home Home"


def test_other_uses_stay_at_run_time(app):
    class Obj:
        @staticmethod
        def _(text):
            return f"obj:{text}"

    # an attribute called ``_`` is not gettext
    assert render(app, "en", "{{ obj._('Beranda') }}", obj=Obj()) == "obj:Beranda"
    # a text held in a variable is looked up when the page is rendered
    assert render(app, "en", "{{ _(label) }}", label="Beranda") == "Home"
    assert render(app, "en", "{{ _('Bera' ~ 'nda') }}") == "Home"


def test_each_language_has_its_own_compiled_templates(app, seeded):
    from desa_testing import VillageClient

    # a client that sends exactly the Cookie header it is given
    jlodro = VillageClient(app.test_client(use_cookies=False), "jlodro")
    for _ in range(2):  # alternate: neither compilation may leak into the other
        english = jlodro.get("/", headers={"Cookie": "lang=en"}).get_data(as_text=True)
        indonesian = jlodro.get("/").get_data(as_text=True)
        assert ">Home</a>" in english and ">Beranda</a>" not in english
        assert ">Beranda</a>" in indonesian and ">Home</a>" not in indonesian


def test_the_app_environment_still_translates_at_run_time(app):
    """Templates rendered outside the themes (admin) keep run-time gettext."""
    template = app.jinja_env.from_string("{{ _('Beranda') }}")
    with app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert template.render() == "Home"
    with app.test_request_context("/"):
        assert template.render() == "Beranda"
