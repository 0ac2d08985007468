"""Typing an address as people type it, in a real browser."""

import pytest

pytestmark = pytest.mark.browser


def lookup_by_postcode(page, postcode, number):
    page.page.goto(page.base_url + "/")
    page.page.fill("#postcode", postcode)
    page.page.fill("#huisnummer", number)
    page.page.press("#huisnummer", "Enter")


@pytest.mark.parametrize("typed, found", [("14a", "Brink 14A, 1251 KV Laren"), ("14 B", "Brink 14B, 1251 KV Laren")])
def test_a_letter_typed_in_the_house_number_field_finds_the_address(page, typed, found):
    lookup_by_postcode(page, "1251 KV", typed)
    answer = page.page.locator("#antwoord-inhoud")
    answer.get_by_text(found).wait_for()
    assert "Voorbeeld: Buurtapp Brink en Centrum" in answer.inner_text()
    assert page.page.locator("#huisnummer").get_attribute("aria-invalid") is None


def test_free_text_that_finds_nothing_says_so_in_its_own_terms(page):
    page.page.goto(page.base_url + "/")
    page.page.fill("#q", "Nergensweg 99 Laren")
    page.page.press("#q", "Enter")
    answer = page.page.locator("#antwoord-inhoud")
    answer.get_by_text("Er is geen adres gevonden bij ‘Nergensweg 99 Laren’.").wait_for()
    said = answer.inner_text()
    assert "postcode en het huisnummer" not in said and "straatnaam" in said
    assert page.page.locator("#q").get_attribute("aria-invalid") == "true"  # the message sits at the field typed in
    assert page.page.locator("#q").input_value() == "Nergensweg 99 Laren"
