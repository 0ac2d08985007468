"""Parsing what a resident types, and choosing the one address meant."""
import pytest

from geo_registry.errors import AddressAmbiguous, AddressNotFound, BadInput
from geo_registry.lookup import Address, AddressQuery, pick


@pytest.mark.parametrize("postcode", ["1251KV", "1251 kv", " 1251  Kv "])
def test_postcode_forms_are_accepted(postcode):
    query = AddressQuery.from_fields(postcode, "12")
    assert (query.postcode, query.huisnummer) == ("1251KV", 12)


@pytest.mark.parametrize("postcode, huisnummer, letter, extra, field, words", [
    ("", "12", "", "", "postcode", "Vul een postcode in"),
    ("125KV", "12", "", "", "postcode", "4 cijfers en 2 letters"),
    ("1251 K1", "12", "", "", "postcode", "4 cijfers en 2 letters"),
    ("1251KV", "", "", "", "huisnummer", "Vul een huisnummer in"),
    ("1251KV", "0", "", "", "huisnummer", "groter dan 0"),
    ("1251KV", "-3", "", "", "huisnummer", "groter dan 0"),
    ("1251KV", "twaalf", "", "", "huisnummer", "heel getal"),
    ("1251KV", "12--2", "", "", "huisnummer", "heel getal"),
    ("1251KV", "12", "AB", "", "huisletter", "één letter"),
    ("1251KV", "12", "", "toolong", "toevoeging", "1 tot 4"),
])
def test_bad_fields_get_a_dutch_message_naming_the_field(postcode, huisnummer, letter, extra, field, words):
    with pytest.raises(BadInput) as caught:
        AddressQuery.from_fields(postcode, huisnummer, letter, extra)
    assert caught.value.field == field and words in caught.value.message


@pytest.mark.parametrize("typed, expected", [
    ("10", (10, "", "")), ("10a", (10, "A", "")), ("10 A", (10, "A", "")), (" 10  a ", (10, "A", "")),
    ("10-2", (10, "", "2")), ("10/2", (10, "", "2")), ("10 bis", (10, "", "BIS")), ("10A-2", (10, "A", "2")),
])
def test_house_number_field_is_read_as_people_type_it(typed, expected):
    query = AddressQuery.from_fields("1251KV", typed)
    assert (query.huisnummer, query.huisletter, query.toevoeging) == expected


def test_separate_letter_and_addition_fields_still_count():
    query = AddressQuery.from_fields("1251KV", "10", "b", "3")
    assert (query.huisnummer, query.huisletter, query.toevoeging) == (10, "B", "3")


@pytest.mark.parametrize("text, expected", [
    ("Brink 12 Laren", ("Brink", 12, "", "", "Laren", None)),
    ("Brink 12a, Laren", ("Brink", 12, "A", "", "Laren", None)),
    ("Sint Janstraat 4-2", ("Sint Janstraat", 4, "", "2", "", None)),
    ("Brink 12, 1251 KV Laren", ("Brink", 12, "", "", "Laren", "1251KV")),
    ("1251KV 12", ("", 12, "", "", "", "1251KV")),
])
def test_free_text_is_parsed(text, expected):
    q = AddressQuery.from_text(text)
    assert (q.straat, q.huisnummer, q.huisletter, q.toevoeging, q.woonplaats, q.postcode) == expected


@pytest.mark.parametrize("text", ["", "Brink", "x" * 201])
def test_free_text_without_a_number_or_too_long_is_refused(text):
    with pytest.raises(BadInput) as caught:
        AddressQuery.from_text(text)
    assert caught.value.field == "q"


def addr(nr, letter="", extra="", straat="Brink", woonplaats="Laren", pc="1251KV"):
    return Address(straat, nr, letter, extra, pc, woonplaats, 52.25, 5.22)


def test_pick_prefers_the_exact_house():
    query = AddressQuery.from_fields("1251KV", "12")
    assert pick(query, [addr(12), addr(12, "A")]) == addr(12)
    assert pick(AddressQuery.from_fields("1251KV", "12", "a"), [addr(12), addr(12, "A")]) == addr(12, "A")


def test_pick_asks_when_only_lettered_houses_exist():
    with pytest.raises(AddressAmbiguous) as caught:
        pick(AddressQuery.from_fields("1251KV", "14"), [addr(14, "A"), addr(14, "B")])
    assert [c.house for c in caught.value.candidates] == ["14A", "14B"]


def test_pick_not_found_for_a_letter_that_does_not_exist():
    with pytest.raises(AddressNotFound):
        pick(AddressQuery.from_fields("1251KV", "14", "C"), [addr(14, "A"), addr(14, "B")])


def test_pick_by_text_needs_the_town_when_the_street_exists_twice():
    both = [addr(12), addr(12, woonplaats="Deventer", pc="7411BR")]
    with pytest.raises(AddressAmbiguous):
        pick(AddressQuery.from_text("Brink 12"), both)
    assert pick(AddressQuery.from_text("brink 12 laren"), both) == addr(12)
    with pytest.raises(AddressNotFound):
        pick(AddressQuery.from_text("Kerkstraat 12 Laren"), both)


@pytest.mark.parametrize("number", ["²", "١٢", "12.5", "123456"])
def test_non_ascii_or_odd_numbers_are_refused_not_crashed(number):
    with pytest.raises(BadInput):
        AddressQuery.from_fields("1251KV", number)
