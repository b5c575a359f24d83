"""The subscriber book: validation against the configuration, remove/purge, CSV import."""

from __future__ import annotations

import pytest

from policytrack.digest.errors import AddressError, SubscriberError
from policytrack.digest.subscribers import Subscribers

from .conftest import NOW


@pytest.fixture
def book(store, settings):
    return Subscribers(store, settings)


def test_add_and_read_back(book):
    sub, outcome = book.add(
        NOW,
        email="Ana@Example.org",
        name="  Ana   López ",
        topics=["due-diligence"],
        searches=["csddd-downstream"],
        queries=["repair AND batteries"],
        language="fr",
    )
    assert outcome == "added"
    got = book.get("ana@example.org")  # lookups ignore case
    assert got == sub
    assert (got.email, got.name, got.topics, got.searches, got.queries, got.language, got.status) == (
        "Ana@example.org",
        "Ana López",
        ("due-diligence",),
        ("csddd-downstream",),
        ("repair AND batteries",),
        "fr",
        "active",
    )


def test_existing_address_needs_update(book):
    book.add(NOW, email="ana@example.org", topics=["due-diligence"])
    with pytest.raises(SubscriberError, match=r"already a subscriber.*--update"):
        book.add(NOW, email="ANA@example.org", topics=["circular-electronics"])
    sub, outcome = book.add(NOW, update=True, email="ana@example.org", topics=["circular-electronics"])
    assert outcome == "updated" and sub.topics == ("circular-electronics",)
    assert len(list(book.all())) == 1


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"topics": ["due-diligence", "space-mining"]}, "unknown topic 'space-mining'; known: due-diligence"),
        ({"searches": ["nope"]}, "unknown saved search 'nope'; known: csddd-downstream, ecodesign-cod"),
        ({"language": "tlh"}, "unknown language 'tlh'; available: en"),
        ({"name": "Ana\r\nBcc: evil@example.org"}, "line breaks or control characters"),
        ({"queries": ["a\nb"]}, "control characters"),
        ({"name": "Ana \u202egnilleK"}, "line breaks or control characters"),  # a bidi override
        ({"name": "Ana\x85"}, "line breaks or control characters"),  # C1
        ({"queries": ["repair\u2066"]}, "control characters"),
    ],
)
def test_invalid_fields_are_refused(book, fields, message):
    with pytest.raises(SubscriberError, match=message.replace("(", r"\(")):
        book.add(NOW, email="ana@example.org", **fields)
    assert book.get("ana@example.org") is None


def test_invalid_address_is_refused(book):
    with pytest.raises(AddressError, match="invalid email address"):
        book.add(NOW, email="ana@example.org\r\nBcc: x@example.org")


def test_remove_keeps_an_unsubscribed_record_and_purge_deletes(book):
    book.add(NOW, email="ana@example.org")
    book.add(NOW, email="ben@example.org")
    book.remove("ana@example.org", NOW)
    assert book.get("ana@example.org").status == "unsubscribed"
    assert [s.email for s in book.all(active_only=True)] == ["ben@example.org"]
    book.remove("ana@example.org", NOW, purge=True)
    assert book.get("ana@example.org") is None
    with pytest.raises(SubscriberError, match="not a subscriber"):
        book.remove("ana@example.org", NOW)


def test_import_keeps_good_rows_and_reports_bad_ones(book, tmp_path):
    book.add(NOW, email="gone@example.org")
    book.remove("gone@example.org", NOW)
    book.add(NOW, email="ben@example.org", topics=["due-diligence"])
    csv_file = tmp_path / "subs.csv"
    csv_file.write_text(
        "Email,Name,Topics,Searches,Language\n"
        "ana@example.org,Ana,due-diligence;circular-electronics,,en\n"  # line 2: ok
        "not-an-address,Bad,due-diligence,,en\n"  # line 3
        "cy@example.org,Cy,space-mining,,en\n"  # line 4
        "\n"
        "ben@example.org,Ben B,circular-electronics,ecodesign-cod,\n"  # line 6: update
        "gone@example.org,Gone,,,en\n"  # line 7: unsubscribed
        'dee@example.org,"Dee, D.",public-procurement,,en,extra\n'  # line 8: too many cells
        "eve@example.org,Eve,,,xx\n"  # line 9
        "fay@example.org,Fay,,csddd-downstream,\n",  # line 10: ok
        "utf-8",
    )
    report = book.import_csv(csv_file, NOW)
    assert (report.added, report.updated) == (2, 1)
    assert [(e.row, e.reason.split(":")[0].split(" ")[0]) for e in report.errors] == [
        (3, "invalid"),
        (4, "unknown"),
        (7, "gone@example.org"),
        (8, "more"),
        (9, "unknown"),
    ]
    assert "space-mining" in str(report.errors[1]) and str(report.errors[1]).startswith("row 4: ")
    assert "not re-subscribed" in report.errors[2].reason
    assert sorted(s.email for s in book.all(active_only=True)) == [
        "ana@example.org",
        "ben@example.org",
        "fay@example.org",
    ]
    assert book.get("ben@example.org").topics == ("circular-electronics",)
    assert book.get("ana@example.org").topics == ("due-diligence", "circular-electronics")
    assert book.get("gone@example.org").status == "unsubscribed"


def test_import_needs_an_email_column(book, tmp_path):
    csv_file = tmp_path / "subs.csv"
    csv_file.write_text("mail,name\nana@example.org,Ana\n", "utf-8")
    with pytest.raises(SubscriberError, match="'email' column"):
        book.import_csv(csv_file, NOW)
    csv_file.write_text("email,nmae\nana@example.org,Ana\n", "utf-8")
    with pytest.raises(SubscriberError, match="unknown column 'nmae'"):
        book.import_csv(csv_file, NOW)
    assert list(book.all()) == []


# ---------------------------------------------------------------- encodings and oversized cells

ROWS = "email,name,topics\nana@example.org,Anaïs Lefèvre,due-diligence\nbo@example.org,Bożena Wróbel,\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_import_recognises_utf8_and_utf16(book, tmp_path, encoding):
    csv_file = tmp_path / "people.csv"
    csv_file.write_bytes(ROWS.encode(encoding))
    report = book.import_csv(csv_file, NOW)
    assert (report.added, report.errors) == (2, [])
    assert report.encoding.replace("-sig", "") == encoding.replace("-sig", "")
    assert [s.name for s in book.all()] == ["Anaïs Lefèvre", "Bożena Wróbel"]


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_import_of_an_8bit_file_names_the_encoding_to_use_and_stores_nothing(book, tmp_path, encoding):
    csv_file = tmp_path / "people.csv"
    csv_file.write_bytes(ROWS.split("bo@")[0].encode(encoding))
    with pytest.raises(SubscriberError) as exc:
        book.import_csv(csv_file, NOW)
    assert str(exc.value) == (
        f"{csv_file} is not UTF-8 (line 2, byte 0xEF): if line 2 reads right as "
        "'ana@example.org,Anaïs Lefèvre,due-diligence', run again with --encoding cp1252 (Excel on Windows), "
        "else name the file's encoding with --encoding or save it as UTF-8"
    )
    assert list(book.all()) == []
    report = book.import_csv(csv_file, NOW, encoding="cp1252")
    assert report.added == 1 and next(book.all()).name == "Anaïs Lefèvre"


def test_import_with_a_wrong_or_unknown_encoding_is_one_line(book, tmp_path):
    csv_file = tmp_path / "people.csv"
    csv_file.write_bytes("email\nana@example.org\n".encode("utf-16"))
    with pytest.raises(SubscriberError, match=r"is not valid ascii \(line 1, byte 0xFF\)"):
        book.import_csv(csv_file, NOW, encoding="ascii")
    with pytest.raises(SubscriberError, match="unknown encoding 'klingon'"):
        book.import_csv(csv_file, NOW, encoding="klingon")


def test_a_header_cell_past_the_csv_field_limit_is_one_line(book, tmp_path):
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("email," + "x" * 140_000 + "\nana@example.org,\n", "utf-8")
    with pytest.raises(SubscriberError) as exc:
        book.import_csv(csv_file, NOW)
    assert str(exc.value) == (
        f"{csv_file}: cannot read the header on line 1 (field larger than field limit (131072)); "
        "is this a subscriber CSV file?"
    )


def test_a_row_cell_past_the_field_limit_keeps_the_rows_before(book, tmp_path):
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("email,name\nana@example.org,Ana\nbo@example.org," + "x" * 140_000 + "\n", "utf-8")
    report = book.import_csv(csv_file, NOW)
    assert report.added == 1
    assert [(e.row, e.reason.split(";")[0]) for e in report.errors] == [
        (3, "unreadable CSV (field larger than field limit (131072))")
    ]
