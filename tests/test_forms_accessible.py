"""Every form class in apps/ is accessible when the template pack draws it (docs/forms.md).

The forms are found by importing every module of apps/, so a new form is checked without
being listed here. Each is bound to empty data and every visible field is given an error,
then drawn with ``|as_crispy_field``: a required field must say so to screen readers, and each
error (and help text) must be named by the ``aria-describedby`` of its widget, or of its
fieldset for a group of choices.
"""

import importlib
import inspect
import pkgutil
from html.parser import HTMLParser

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.template import Context, Template

import apps
from apps.publishing.corrections import corrected_variants, texts_of
from tests.factories import (
    ChannelFactory,
    EventCategoryFactory,
    EventFactory,
    PostFactory,
    UserFactory,
)

VOID = {"input", "br", "img", "hr", "meta", "link", "source", "wbr"}


class _Node:
    def __init__(self, tag, attrs, parent=None):
        self.tag, self.attrs, self.parent, self.children, self.text = tag, attrs, parent, [], ""

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def all_text(self) -> str:
        return self.text + "".join(child.all_text() for child in self.children)


class _Tree(HTMLParser):
    def __init__(self, html):
        super().__init__()
        self.root = self.current = _Node("root", {})
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        node = _Node(tag, dict(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_endtag(self, tag):
        node = self.current
        while node.parent is not None and node.tag != tag:
            node = node.parent
        if node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.text += data


def _form_classes():
    found = {}
    for module in pkgutil.walk_packages(apps.__path__, prefix="apps."):
        if ".migrations" in module.name or ".management" in module.name:
            continue
        loaded = importlib.import_module(module.name)
        for _, obj in inspect.getmembers(loaded, inspect.isclass):
            if issubclass(obj, forms.BaseForm) and obj.__module__ == module.name:
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


FORM_CLASSES = _form_classes()

# Forms whose constructor needs more than data: what their views pass.
EXTRA_ARGUMENTS = {
    "apps.accounts.forms.SetPasswordForm": lambda: {"user": UserFactory()},
    "apps.accounts.forms.PasswordChangeForm": lambda: {"user": UserFactory()},
    "apps.crisis.forms.BulkForm": lambda: {"post_ids": [1, 2]},
    "apps.events.forms.PostponeForm": lambda: {"event": EventFactory(all_day=False)},
    "apps.events.forms.PublicFilterForm": lambda: {"categories": [EventCategoryFactory()]},
    "apps.media_library.forms.FilterForm": lambda: {"uploaders": get_user_model().objects.all()},
    "apps.media_library.forms.UploadForm": lambda: {"max_files": 20},
    "apps.review.forms.CorrectionForm": lambda: _correction_arguments(),
}


def _correction_arguments() -> dict:
    """A published post with a website Notizia channel, as ``review:correct`` passes it."""
    post = PostFactory(channels=[ChannelFactory(name="Sito comunale", kind="wordpress")])
    return {"post": post, "variants": corrected_variants(post), "texts": texts_of(post)}


def _draw(field) -> _Tree:
    html = Template("{% load crispy_forms_tags %}{{ field|as_crispy_field }}").render(
        Context({"field": field})
    )
    return _Tree(html)


def _labelling(tree: _Tree, field):
    """The <label> or <legend> that names the field."""
    for node in tree.root.walk():
        if node.tag == "legend" or (
            node.tag == "label" and node.attrs.get("for") == field.id_for_label
        ):
            return node
    return None


def _described_element(tree: _Tree, field):
    """What a screen reader lands on: the widget, or the fieldset around a group of choices."""
    for node in tree.root.walk():
        if node.tag == "fieldset":
            return node
    for node in tree.root.walk():
        if node.tag in ("input", "select", "textarea") and node.attrs.get("id") == field.auto_id:
            return node
    return None


def test_the_forms_of_every_area_are_found():
    areas = {name.split(".")[1] for name in FORM_CLASSES}
    assert {"accounts", "audit", "crisis", "events", "newsletter", "planning", "slots"} <= areas
    assert len(FORM_CLASSES) >= 30


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(FORM_CLASSES))
def test_every_field_says_it_is_required_and_ties_its_help_and_errors(name):
    arguments = EXTRA_ARGUMENTS.get(name, dict)()
    form = FORM_CLASSES[name](data={}, files={}, **arguments)
    form.is_valid()
    for field_name in form.fields:
        if field_name not in form.errors:
            form.add_error(field_name, "Errore di prova.")

    for field in form:
        if field.is_hidden:
            continue
        tree = _draw(field)
        label = _labelling(tree, field)
        assert label is not None, f"{field.name}: no label or legend"
        hidden = [
            n.all_text() for n in label.walk() if "visually-hidden" in n.attrs.get("class", "")
        ]
        if field.field.required:
            assert hidden == ["(obbligatorio)"], (
                f"{field.name}: required, not said to screen readers"
            )
        else:
            assert "(obbligatorio)" not in label.all_text(), (
                f"{field.name}: optional, said required"
            )

        element = _described_element(tree, field)
        assert element is not None, f"{field.name}: widget not found"
        described = element.attrs.get("aria-describedby", "").split()
        expected = ([f"{field.auto_id}_helptext"] if field.help_text else []) + [
            f"{field.auto_id}_error"
        ]
        assert described == expected, f"{field.name}: aria-describedby {described}"
        texts = {n.attrs["id"]: n.all_text() for n in tree.root.walk() if "id" in n.attrs}
        for error in field.errors:
            assert str(error) in texts[f"{field.auto_id}_error"], f"{field.name}: error not shown"
        if element.tag != "fieldset":
            assert element.attrs.get("aria-invalid") == "true", f"{field.name}: not aria-invalid"
