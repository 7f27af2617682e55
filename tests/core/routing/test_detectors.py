"""``scan``: a table of values that must be found and of look-alikes that must not."""

from __future__ import annotations

import pytest

from desktop.core.routing import KINDS, Finding, scan

AIZA = "AIza" + "Sy" + "A1b2C3d4E5" * 3 + "f6G"
GITHUB_TOKEN = "ghp_" + "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"
GITHUB_PAT = "github_pat_11ABCDEFG0" + "a1B2c3D4e5" * 7 + "x9Y8z7W6v5U4"
PEM = ("-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx4fQ9kZ8\nq1w2e3r4t5y6u7i8o9p0==\n"
       "-----END RSA PRIVATE KEY-----")
JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwia"
       "WF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
SLACK = "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"

# (text, class, the exact value that must be reported)
FOUND: list[tuple[str, str, str]] = [
    # secrets and credentials
    ("OPENAI_API_KEY=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z", "secret",
     "sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4z"),
    ("key: sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe", "secret",
     "sk-ant-api03-Zx9Yw8Vu7Ts6Rq5Po4Nm3Lk2Ji1Hg0Fe"),
    (f"maps key {AIZA} in the config", "secret", AIZA),
    (f"export GITHUB_TOKEN={GITHUB_TOKEN}", "secret", GITHUB_TOKEN),
    (f"token {GITHUB_PAT}", "secret", GITHUB_PAT),
    (f"SLACK={SLACK}", "secret", SLACK),
    ("stripe.api_key = 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'", "secret",
     "sk_live_4eC39HqLyjWDarjtT1zdp7dc"),
    ("aws_access_key_id = AKIAIOSFODNN7EXAMPLE", "secret", "AKIAIOSFODNN7EXAMPLE"),
    ("AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "secret",
     "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
    ("login with password: hunter2", "secret", "hunter2"),
    ("passwd=Tr0ub4dor&3", "secret", "Tr0ub4dor&3"),
    ('api_key = "9f8e7d6c5b4a"', "secret", "9f8e7d6c5b4a"),
    ("Authorization: Bearer abcDEF123ghiJKL456mno", "secret", "abcDEF123ghiJKL456mno"),
    ("Authorization: Basic dXNlcjpwYXNzd29yZA==", "secret", "dXNlcjpwYXNzd29yZA=="),
    (f"my key:\n{PEM}\nthanks", "secret", PEM),
    (f"token={JWT}", "secret", JWT),
    ("postgres://admin:S3cretPass@db.internal:5432/app", "secret", "S3cretPass"),
    ("DB_PASSWORD=letmein", "secret", "letmein"),
    ('{"password": "correct horse battery staple"}', "secret", "correct horse battery staple"),
    ("Server=db;Uid=sa;Pwd=Secr3t!;", "secret", "Secr3t!"),
    ("my password is hunter2.", "secret", "hunter2"),
    # payment cards
    ("card 4111 1111 1111 1111 please", "payment_card", "4111 1111 1111 1111"),
    ("mc 5555-5555-5555-4444.", "payment_card", "5555-5555-5555-4444"),
    ("amex 378282246310005", "payment_card", "378282246310005"),
    ("amex 3782 822463 10005", "payment_card", "3782 822463 10005"),
    ("discover 6011111111111117", "payment_card", "6011111111111117"),
    ("jcb 3530 1113 3330 0000", "payment_card", "3530 1113 3330 0000"),
    ("Card 4111 1111 1111 1111 12/27", "payment_card", "4111 1111 1111 1111"),
    # IBANs
    ("IBAN DE89 3704 0044 0532 0130 00.", "iban", "DE89 3704 0044 0532 0130 00"),
    ("pay GB82 WEST 1234 5698 7654 32 today", "iban", "GB82 WEST 1234 5698 7654 32"),
    ("NL91ABNA0417164300", "iban", "NL91ABNA0417164300"),
    ("FR14 2004 1010 0505 0001 3M02 606", "iban", "FR14 2004 1010 0505 0001 3M02 606"),
    ("to CH9300762011623852957, thanks", "iban", "CH9300762011623852957"),
    # national identifiers
    ("my SSN is 536-22-1942", "national_id", "536-22-1942"),
    ("SSN: 536221942", "national_id", "536221942"),
    ("NI number AB 12 34 56 C", "national_id", "AB 12 34 56 C"),
    ("BSN: 111222333", "national_id", "111222333"),
    ("DNI 12345678Z", "national_id", "12345678Z"),
    ("NIE X1234567L", "national_id", "X1234567L"),
    ("NIR 2 69 05 49 588 157 80", "national_id", "2 69 05 49 588 157 80"),
    ("codice fiscale RSSMRA85T10A562S", "national_id", "RSSMRA85T10A562S"),
    ("SIN: 130 692 544", "national_id", "130 692 544"),
    ("passport number C01X00T47", "national_id", "C01X00T47"),
    # e-mail
    ("write to jane.doe+news@mail.example.co.uk.", "email", "jane.doe+news@mail.example.co.uk"),
    ("bob@example.com", "email", "bob@example.com"),
    ("see http://example.com or mail bob@example.org", "email", "bob@example.org"),
    # phone numbers
    ("call +1 (415) 555-2671", "phone", "+1 (415) 555-2671"),
    ("ring +44 20 7946 0958.", "phone", "+44 20 7946 0958"),
    ("office (415) 555-2671", "phone", "(415) 555-2671"),
    ("london 020 7946 0958", "phone", "020 7946 0958"),
    ("mobiel 06-12345678", "phone", "06-12345678"),
    ("portable 06 12 34 56 78", "phone", "06 12 34 56 78"),
    ("phone: 0612345678", "phone", "0612345678"),
    ("whatsapp +31612345678", "phone", "+31612345678"),
    ("toll free 1-800-555-0199", "phone", "1-800-555-0199"),
    ("tel. 0049 30 1234567", "phone", "0049 30 1234567"),
    # IP addresses
    ("client at 81.2.69.142 failed", "ip_address", "81.2.69.142"),
    ("router 192.168.1.20.", "ip_address", "192.168.1.20"),
    ("v6 2a02:8108::8a2e:370:7334", "ip_address", "2a02:8108::8a2e:370:7334"),
    ("link fe80::1ff:fe23:4567:890a", "ip_address", "fe80::1ff:fe23:4567:890a"),
    ("ssh root@10.0.0.5", "ip_address", "10.0.0.5"),
    ("mapped ::ffff:81.2.69.128 here", "ip_address", "::ffff:81.2.69.128"),
    # postal addresses of people
    ("I live at 38 Hawthorne Rd, Leeds", "address", "38 Hawthorne Rd"),
    ("Anna Becker, Lindenstraße 17, 50674 Köln", "address", "Lindenstraße 17"),
    ("j'habite au 12 rue des Lilas", "address", "12 rue des Lilas"),
    # dates of birth
    ("I was born on 12 March 1985 in Lisbon", "date_of_birth", "12 March 1985"),
    ("DOB: 1985-03-12", "date_of_birth", "1985-03-12"),
    ("date of birth 03/12/1985", "date_of_birth", "03/12/1985"),
    ("geb. 12.03.1985", "date_of_birth", "12.03.1985"),
    ("Born: July 4, 1976", "date_of_birth", "July 4, 1976"),
    # health
    ("I was diagnosed with type 2 diabetes.", "health", "type 2 diabetes"),
    ("she takes sertraline daily", "health", "sertraline"),
    ("he tested positive for covid last week", "health", "covid last week"),
    ("I'm pregnant", "health", "pregnant"),
    ("my father has Parkinson's", "health", "Parkinson's"),
    # financial
    ("account number: 12345678", "financial", "12345678"),
    ("routing number 021000021", "financial", "021000021"),
    ("sort code 12-34-56", "financial", "12-34-56"),
    ("my salary is $85,000 a year", "financial", "$85,000"),
    ("I earn 4.200 EUR a month", "financial", "4.200 EUR"),
    ("my credit score is 712", "financial", "712"),
    ("EIN 12-3456789", "financial", "12-3456789"),
    # written the way people paste them: full-width digits, separators, tables, spelled out
    ("カード ４５２１ ７３７５ ０５６４ ０９４５ が使えない", "payment_card",
     "４５２１ ７３７５ ０５６４ ０９４５"),
    ("電話 ０９０－１２３４－５６７８", "phone", "０９０－１２３４－５６７８"),
    ("NIE Y-5122906-S para el banco", "national_id", "Y-5122906-S"),
    ("carte vitale 1.78.08.59.244.843.80", "national_id", "1.78.08.59.244.843.80"),
    ("name,ssn\nLena Park,170-63-9268", "national_id", "170-63-9268"),
    ("I file with an ITIN (949-83-6631)", "national_id", "949-83-6631"),
    ("my german tax id is 40295186178", "national_id", "40295186178"),
    ("O meu NIF é 123605334", "national_id", "123605334"),
    ("my email is kate dot wilson42 at gmail.com", "email", "kate dot wilson42 at gmail.com"),
    ("write to j.smith (at) uni-koeln (dot) de", "email", "j.smith (at) uni-koeln (dot) de"),
    ("se c'è un problema chiama il 333 123 4567", "phone", "333 123 4567"),
    ("contacto de emergencia: mi hermana, 622 481 907", "phone", "622 481 907"),
    ("my bank PIN is 4827, suggest a new one", "secret", "4827"),
    ("POSTGRES_PASSWORD: @ZkD!qLZxjJ@", "secret", "@ZkD!qLZxjJ@"),
    ("Ich bin am 23.04.1978 geboren", "date_of_birth", "23.04.1978"),
    ("my TSH came back at 7.8", "health", "TSH came back at 7.8"),
    ("Mein HbA1c liegt bei 8,2 %", "health", "HbA1c liegt bei 8,2 %"),
    ("Estoy embarazada de 8 semanas", "health", "embarazada"),
    ("name;dob;diagnosis\nAnna;12.03.1988;asthma", "health", "asthma"),
    ("name;dob;diagnosis\nAnna;12.03.1988;asthma", "date_of_birth", "12.03.1988"),
    ("employee,iban,net\nK. Novak,DE58625722092339325551,3120.00", "financial", "3120.00"),
    ("Our household income is 9,400/month after tax", "financial", "9,400"),
    ("Tengo 3.200 euros en la cuenta", "financial", "3.200 euros"),
    ("Auf meinem Girokonto sind noch 214,80 €", "financial", "214,80 €"),
    ("Return address:\nLiam O'Connor\n42 Cedar Court\nCork T12 X8Y2", "address",
     "42 Cedar Court"),
    ("Mieszkam przy ul. Długiej 15/4, 00-238 Warszawa", "address", "ul. Długiej 15/4"),
    ("Dit is mijn BSN nummer 487-033-528", "national_id", "487-033-528"),
    ("my drivers license number is D4821-7730-1196", "national_id", "D4821-7730-1196"),
    ("dob 12-Aug-1981, calculate my age", "date_of_birth", "12-Aug-1981"),
    ("Been on sertraline 6 months, feel numb.", "health", "sertraline"),
    ("mon fils est autiste", "health", "autiste"),
    ("my take home pay is 2,950 and rent is 1,400", "financial", "2,950"),
    ("Benutzer m.weber, Passwort Sommer1938! – Login klappt nicht", "secret", "Sommer1938!"),
    ("Mi pareja gana 2.100 € al mes", "financial", "2.100 €"),
    ("My gross is 96k, bonus 12k", "financial", "96k"),
    ("I'm having a depressive episode", "health", "depressive episode"),
    ("cel. 349 812 7734 — aggiungilo alla firma", "phone", "349 812 7734"),
    ("Onze nieuwe adres is Lange Voorhout 12, 2514 ED Den Haag", "address", "Lange Voorhout 12"),
    ("i think my anxiety meds (buspirone) are making me dizzy", "health", "buspirone"),
    ("Mein Nettolohn ist 2.180 €", "financial", "2.180 €"),
    ("password del conto online: Lupo.Bianco88", "secret", "Lupo.Bianco88"),
]

# Look-alikes: versions, arithmetic, dates, hashes, code, numbers that fail a check.
NOT_FOUND: list[str] = [
    "Angela Merkel wurde am 17. Juli 1954 geboren",
    "What is a normal LDL of 3.0 mmol/L?",
    "look at example.com for the docs",
    "postgresql://user:password@localhost:5432/mydb - what does each part mean?",
    "call 555 0100 extension 4 (from the movie script)",
    "name;diagnosis\nAnna;none",
    "a,b,c\n1,2,3",
    "My flight is LH 400 on 14 March",
    "Tracking number 1Z 84F 32A 03 1942 5561 shows delivered",
    "Write a SQL query: SELECT name, salary FROM employees WHERE salary > 50000",
    "my salary went up in 2023, write a thank-you note",
    "Reset the password in the admin panel, then log in again",
    "Our office: Lange Voorhout 12, 2514 ED Den Haag",
    "Version 12, 2024 Berlin release notes",
    # UUID groups that pass mod 97 or Luhn by chance, letters of a hex token that spell a drug
    "request a234f67f-b801-4c69-be93-e57316b97bff changed",
    "request be864073-ff78-4c6f-9a57-a281fb2bc6cc changed",
    "request 55982079-4543-4692-b679-a0fad2844cf6 changed",
    "On 2024-01-11 the request c267748c-4be7-46eb-ba33-906c2cafda68 changed",
    "the password is stored in settings.db_password",
    "Upgrade to version 1.2.3.4 today",
    "Released v2.31.0 and v1.2.3.4",
    "pip install foo==1.2.3.4",
    "version: 2024.05.01.1",
    "10.5.0 to 10.6.1 release notes",
    "Mozilla/5.0 Chrome/120.0.6099.109",
    "123 * 456 = 56088",
    "const total = price * 1.21;",
    "The price went from 1,000 to 2,500",
    "The meeting is on 2024-05-01.",
    "1985-03-12",
    "01/05/2024 10:30",
    "at 10:00 on 2024-05-01T10:00:00Z",
    "12:30:45 UTC",
    "id = '123e4567-e89b-12d3-a456-426614174000'",
    "commit 9fceb02d0ae598e95dc970b74767f19372d61af8",
    "sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "color: #1e90ff; background: #123456;",
    "def area(r):\n    return 3.14159 * r ** 2\n\nprint(area(10))",
    "MAX_SAFE_INTEGER = 9007199254740991",
    "x = 4294967295",
    "x = 0.4111111111111111",
    "0x7fffffff",
    "e = 2.718281828459045",
    "1e10 and 6.02214076e23",
    "range(0, 10000000, 250)",
    'printf("%d", 2024);',
    "call(123, 456, 7890)",
    "SELECT * FROM users WHERE id = 42",
    "token_count = 4096",
    "Order 4111111111111112 has shipped",
    "Tracking number 12345678901234567890",
    "numbers 1234 5678 9012 3456 7890 1234",
    "timestamp 1714567890123",
    "seq 1 2 3 4 5 6 7 8 9 10 11 12 13",
    "ISBN 978-3-16-148410-0",
    "Coordinates 52.3676, 4.9041",
    "port 8080 and 443",
    "see RFC 7231 section 6.5.1",
    "Ticket PROJ-1234 and JIRA-5678",
    "DE89 is not an IBAN",
    "The GB flag",
    "Localhost 127.0.0.1 and 0.0.0.0:8080",
    "mask 255.255.255.0",
    "a[1::2] and b[::3]",
    "MAC 00:1a:2b:3c:4d:5e",
    "std::vector<int> v; a::b::c",
    "ratio 16:9:4",
    "x = q@k.transpose(1, 2)",
    "git@github.com:user/repo.git",
    "@dataclass\nclass A:\n    x: int = 0",
    "def login(password: str) -> bool:",
    "password = getpass.getpass()",
    "if password == expected:",
    "api_key = os.environ['API_KEY']",
    "const apiKey = process.env.API_KEY;",
    "API_KEY=${API_KEY}",
    "password: ********",
    "Reset your password: click the link below.",
    "The password is incorrect. Password is required.",
    "Bearer tokens are passed in the Authorization header.",
    "Use sk-learn-style APIs",
    "Call me at 3pm",
    "Phone numbers look like +1 555 (not real)",
    "Born to run",
    "account 3 of 5",
    "The invoice total is $1,234.56",
    "The average salary is $60,000",
    "She had a stroke of luck",
    "The economy fell into a depression",
    "lithium-ion battery",
    "The app suffers from a race condition",
    "as prescribed by RFC 2119",
]


@pytest.mark.parametrize(("text", "kind", "value"), FOUND, ids=[f"{k}-{i}" for i, (_, k, _) in
                                                                 enumerate(FOUND)])
def test_found(text: str, kind: str, value: str) -> None:
    findings = scan(text)
    assert (kind, value) in [(f.kind, text[f.start:f.end]) for f in findings]


@pytest.mark.parametrize("text", NOT_FOUND)
def test_not_found(text: str) -> None:
    assert [(f.kind, text[f.start:f.end]) for f in scan(text)] == []


def test_the_tables_cover_every_class_but_custom() -> None:
    assert {kind for _, kind, _ in FOUND} == set(KINDS) - {"custom"}
    assert len(FOUND) >= 40 and len(NOT_FOUND) >= 40


def test_findings_are_sorted_and_disjoint() -> None:
    text = ("Mail bob@example.com or call +44 20 7946 0958; card 4111 1111 1111 1111, "
            "IBAN NL91ABNA0417164300, server 81.2.69.7, password: s3cr3t!")
    findings = scan(text)
    assert [f.kind for f in findings] == ["email", "phone", "payment_card", "iban",
                                          "ip_address", "secret"]
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))


def test_overlaps_take_the_union_and_the_surest_class() -> None:
    # An address inside a quoted password: one finding over both, the longer one's class.
    text = 'password = "mail bob@acme.io"; password: 4111111111111111'
    findings = scan(text)
    assert [(f.kind, text[f.start:f.end]) for f in findings] == [
        ("secret", "mail bob@acme.io"),
        # the same span as a password and as a card: the Luhn-checked class wins
        ("payment_card", "4111111111111111")]


def test_custom_terms_are_whole_words_and_case_insensitive() -> None:
    text = "Project Falcon ships before falconry week; ask ACME, not acmes."
    findings = scan(text, custom_terms=["project falcon", "Acme", " ", ""])
    assert [(f.kind, text[f.start:f.end]) for f in findings] == [
        ("custom", "Project Falcon"), ("custom", "ACME")]
    assert scan(text) == []


def test_custom_term_inside_an_address_is_covered_by_the_address() -> None:
    text = "write to sales@acme.example"
    assert scan(text, custom_terms=["acme"]) == [Finding(kind="email", start=9, end=27)]


def test_spans_stay_right_when_lower_case_changes_length() -> None:
    # "İ".lower() is two characters: the cue pass must not shift spans.
    text = "İİİ password: hunter2 and I'm pregnant"
    found = [(f.kind, text[f.start:f.end]) for f in scan(text)]
    assert found == [("secret", "hunter2"), ("health", "pregnant")]


def test_ip_address_decisions() -> None:
    private = "10.1.2.3 172.16.5.4 192.168.0.10"
    assert [f.kind for f in scan(private)] == ["ip_address"] * 3
    for skipped in ("127.0.0.1", "0.0.0.0", "255.255.255.255", "224.0.0.251", "::1", "::",
                    "ff02::1", "1.2.3.4.5", "01.02.03.04", "256.1.1.1"):
        assert scan(f"addr {skipped} here") == [], skipped


def test_empty_and_plain_text() -> None:
    assert scan("") == []
    assert scan("Please summarise the attached meeting notes in three bullet points.") == []
