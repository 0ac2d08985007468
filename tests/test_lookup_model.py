"""Parsing what a resident types, and choosing the one address meant."""

import pytest

from geo_registry.core.errors import AddressAmbiguous, AddressNotFound, BadInput
from geo_registry.lookup import Address, AddressQuery, normalise, pick
from geo_registry.lookup.model import not_found


@pytest.mark.parametrize(
    "postcode", ["1251KV", "1251 kv", " 1251  Kv ", "1251 K V", "1251-kv", "1251 - KV", "1 2 5 1 k v", "1251kV"]
)
def test_postcode_forms_are_accepted(postcode):
    query = AddressQuery.from_fields(postcode, "12")
    assert (query.postcode, query.huisnummer) == ("1251KV", 12)


@pytest.mark.parametrize(
    "postcode, huisnummer, letter, extra, field, words",
    [
        ("", "12", "", "", "postcode", "Vul een postcode in"),
        ("125KV", "12", "", "", "postcode", "4 cijfers en 2 letters"),
        ("1251 K1", "12", "", "", "postcode", "4 cijfers en 2 letters"),
        ("1251 KVA", "12", "", "", "postcode", "4 cijfers en 2 letters"),
        ("1251--", "12", "", "", "postcode", "4 cijfers en 2 letters"),
        ("1251KV", "", "", "", "huisnummer", "Vul een huisnummer in"),
        ("1251KV", "0", "", "", "huisnummer", "groter dan 0"),
        ("1251KV", "-3", "", "", "huisnummer", "groter dan 0"),
        ("1251KV", "twaalf", "", "", "huisnummer", "heel getal"),
        ("1251KV", "12--2", "", "", "huisnummer", "heel getal"),
        ("1251KV", "12", "AB", "", "huisletter", "één letter"),
        ("1251KV", "12", "", "toolong", "toevoeging", "1 tot 4"),
    ],
)
def test_bad_fields_get_a_dutch_message_naming_the_field(postcode, huisnummer, letter, extra, field, words):
    with pytest.raises(BadInput) as caught:
        AddressQuery.from_fields(postcode, huisnummer, letter, extra)
    assert caught.value.field == field and words in caught.value.message


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("10", (10, "", "")),
        ("10a", (10, "A", "")),
        ("10 A", (10, "A", "")),
        (" 10  a ", (10, "A", "")),
        ("10-2", (10, "", "2")),
        ("10/2", (10, "", "2")),
        ("10 bis", (10, "", "BIS")),
        ("10A-2", (10, "A", "2")),
    ],
)
def test_house_number_field_is_read_as_people_type_it(typed, expected):
    query = AddressQuery.from_fields("1251KV", typed)
    assert (query.huisnummer, query.huisletter, query.toevoeging) == expected


def test_separate_letter_and_addition_fields_still_count():
    query = AddressQuery.from_fields("1251KV", "10", "b", "3")
    assert (query.huisnummer, query.huisletter, query.toevoeging) == (10, "B", "3")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Brink 12 Laren", ("Brink", 12, "", "", "Laren", None)),
        ("Brink 12a, Laren", ("Brink", 12, "A", "", "Laren", None)),
        ("Sint Janstraat 4-2", ("Sint Janstraat", 4, "", "2", "", None)),
        ("Brink 12, 1251 KV Laren", ("Brink", 12, "", "", "Laren", "1251KV")),
        ("1251KV 12", ("", 12, "", "", "", "1251KV")),
        ("Brink 12, 1251-kv Laren", ("Brink", 12, "", "", "Laren", "1251KV")),
    ],
)
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


def test_an_address_is_written_as_on_the_door_and_the_envelope():
    """The answer names the address as residents write it: house letter and addition, postcode with a space."""
    address = Address("Brink", 12, "A", "2", "1251KV", "Laren", 52.25, 5.22)
    assert address.house == "12A-2"
    assert address.weergavenaam == "Brink 12A-2, 1251 KV Laren"
    assert addr(14).weergavenaam == "Brink 14, 1251 KV Laren"


def test_the_public_json_of_an_address_has_its_fields_and_no_empty_strings():
    assert addr(12).to_public() == {
        "weergavenaam": "Brink 12, 1251 KV Laren",
        "straat": "Brink",
        "huisnummer": 12,
        "huisletter": None,
        "toevoeging": None,
        "postcode": "1251KV",
        "woonplaats": "Laren",
        "lat": 52.25,
        "lon": 5.22,
    }
    assert addr(12, "B", "3").to_public()["huisletter"] == "B" and addr(12, "B", "3").to_public()["toevoeging"] == "3"


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("Sint-Jansstraat", "sint jansstraat"),
        ("  Émile   Zolá!! ", "emile zola"),
        ("'t Hoogt 4", "t hoogt 4"),
        (None, ""),
    ],
)
def test_street_names_are_compared_without_case_accents_or_punctuation(typed, expected):
    assert normalise(typed) == expected


def test_a_town_may_be_typed_as_the_municipality():
    """'Brink 12 Laren' finds an address whose woonplaats is another name within the municipality of Laren."""
    elsewhere = Address("Brink", 12, "", "", "1251KV", "Laren NH", 52.25, 5.22, gemeentenaam="Laren")
    assert pick(AddressQuery.from_text("Brink 12 Laren"), [elsewhere]) == elsewhere
    with pytest.raises(AddressNotFound):
        pick(AddressQuery.from_text("Brink 12 Blaricum"), [elsewhere])


def test_free_text_not_found_is_answered_about_the_text_typed():
    error = not_found(AddressQuery.from_text("Nergensweg 1 Laren"))
    assert error.field == "q" and "Nergensweg 1 Laren" in error.message
    assert not_found(AddressQuery.from_fields("1251KV", "1")).field != "q"


def test_free_text_up_to_200_characters_is_read():
    text = "Brink 12 " + "L" * 191
    assert len(text) == 200 and AddressQuery.from_text(text).huisnummer == 12


def test_a_number_first_is_no_street_and_a_postcode_cannot_start_with_zero():
    with pytest.raises(BadInput):
        AddressQuery.from_text("12 Brink")
    assert AddressQuery.from_text("0251KV 12").postcode is None


def test_a_query_names_at_most_twenty_candidates_sorted():
    many = [addr(7, letter) for letter in "ZYXWVUTSRQPONMLKJIHGFEDCBA"]
    with pytest.raises(AddressAmbiguous) as caught:
        pick(AddressQuery.from_fields("1251KV", "7"), many)
    assert [c.house for c in caught.value.candidates] == [f"7{letter}" for letter in "ABCDEFGHIJKLMNOPQRST"]


@pytest.mark.parametrize(
    "text, message",
    [
        (None, "Vul een adres in, bijvoorbeeld Brink 12 Laren."),
        ("  ", "Vul een adres in, bijvoorbeeld Brink 12 Laren."),
        ("x" * 201, "Het adres is te lang (hoogstens 200 tekens)."),
        ("Brink", "Vul straat en huisnummer in, bijvoorbeeld Brink 12 Laren, of gebruik postcode en huisnummer."),
    ],
)
def test_free_text_refusals_are_explained_in_full(text, message):
    with pytest.raises(BadInput) as caught:
        AddressQuery.from_text(text)
    assert (caught.value.field, caught.value.message) == ("q", message)


def test_free_text_keeps_a_town_of_two_words_and_writes_additions_in_capitals():
    query = AddressQuery.from_text("Sint Janstraat 4-bis Laren NH")
    assert (query.straat, query.huisnummer, query.toevoeging, query.woonplaats) == (
        "Sint Janstraat",
        4,
        "BIS",
        "Laren NH",
    )


def test_not_found_names_the_text_typed_word_for_word_unless_a_postcode_was_given():
    assert not_found(AddressQuery.from_text("Nergensweg 1 Laren")).message == (
        "Er is geen adres gevonden bij ‘Nergensweg 1 Laren’."
    )
    with_postcode = not_found(AddressQuery.from_text("Nergensweg 1, 1251 KV Laren"))
    assert with_postcode.message == "Dit adres is niet gevonden. Controleer de postcode en het huisnummer."


def test_an_address_with_another_postcode_or_number_is_not_the_one_asked_for():
    query = AddressQuery.from_fields("1251KV", "12")
    for other in (addr(12, pc="1251KW"), addr(13)):
        with pytest.raises(AddressNotFound):
            pick(query, [other])


@pytest.mark.parametrize(
    "typed, found, expected",
    [
        (("14", "", ""), [addr(14, "A")], addr(14, "A")),  # the only house 14 is 14A
        (("10", "", "bis"), [addr(10)], addr(10)),  # an addition the register does not know: the house itself
        (("14", "B", "7"), [addr(14, "B"), addr(14, "C")], addr(14, "B")),  # the same, with its letter
        (
            ("10", "", "bis"),
            [addr(10, extra="bis"), addr(10, extra="2")],
            addr(10, extra="bis"),
        ),  # source in lower case
        (("14", "b", "1"), [addr(14, "b", "1"), addr(14, "b", "2")], addr(14, "b", "1")),
    ],
)
def test_pick_finds_the_house_meant(typed, found, expected):
    assert pick(AddressQuery.from_fields("1251KV", *typed), found) == expected


def test_pick_does_not_guess_a_house_that_differs_from_what_was_typed():
    with pytest.raises(AddressNotFound):
        pick(AddressQuery.from_fields("1251KV", "14", "C"), [addr(14, "A")])
    with pytest.raises(AddressAmbiguous) as caught:
        pick(AddressQuery.from_fields("1251KV", "14", "", "2"), [addr(14, "B"), addr(14, "A")])
    assert [c.house for c in caught.value.candidates] == ["14A", "14B"]


@pytest.mark.parametrize(
    "huisnummer, message",
    [
        (None, "Vul een huisnummer in."),
        ("", "Vul een huisnummer in."),
        ("0", "Het huisnummer moet een heel getal groter dan 0 zijn, bijvoorbeeld 12."),
    ],
)
def test_house_number_refusals_are_explained_in_full(huisnummer, message):
    with pytest.raises(BadInput) as caught:
        AddressQuery.from_fields("1251KV", huisnummer)
    assert (caught.value.field, caught.value.message) == ("huisnummer", message)


@pytest.mark.parametrize(
    "postcode, letter, extra, field, message",
    [
        ("", "", "", "postcode", "Vul een postcode in, bijvoorbeeld 1251 KV."),
        ("125KV", "", "", "postcode", "Een postcode bestaat uit 4 cijfers en 2 letters, bijvoorbeeld 1251 KV."),
        ("1251KV", "AB", "", "huisletter", "Een huisletter is één letter, bijvoorbeeld A."),
        ("1251KV", "", "toolong", "toevoeging", "Een toevoeging is 1 tot 4 letters of cijfers, bijvoorbeeld 2 of bis."),
    ],
)
def test_postcode_letter_and_addition_refusals_are_explained_in_full(postcode, letter, extra, field, message):
    with pytest.raises(BadInput) as caught:
        AddressQuery.from_fields(postcode, "12", letter, extra)
    assert (caught.value.field, caught.value.message) == (field, message)


def test_an_addition_typed_in_capitals_is_accepted():
    assert AddressQuery.from_fields("1251KV", "10", "", "BIS").toevoeging == "BIS"
