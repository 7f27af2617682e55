"""Query words, CJK bigrams and display snippets."""

from __future__ import annotations

from desktop.core.documents._text import SNIPPET_CHARS, query_terms, search_text, snippet


def test_question_words_and_stopwords_are_dropped_in_several_languages() -> None:
    assert query_terms("Who keeps the lighthouse of Port Vellan?") == [
        "keeps", "lighthouse", "port", "vellan"]
    assert query_terms("Wer kümmert sich um das Leuchtfeuer?") == [
        "kummert", "sich", "leuchtfeuer"]
    assert query_terms("Qui s'occupe du phare ?") == ["occupe", "phare"]
    assert query_terms("the of and") == ["the", "of", "and"]  # nothing else: keep them


def test_cjk_runs_become_bigrams_and_other_scripts_stay() -> None:
    assert search_text("東京都の図書館") == " 東京 京都 都の の図 図書 書館 "
    assert search_text("plain text") == "plain text"
    assert query_terms("図書館") == ["図書", "書館"]


def test_a_snippet_is_short_and_shows_where_the_words_meet() -> None:
    text = ("Filler sentence number one. " * 20 + "The gasket of the flux capacitor is "
            "replaced every 300 hours. " + "More filler text follows here. " * 20)
    piece = snippet(text, ["gasket", "capacitor"])
    assert len(piece) <= SNIPPET_CHARS
    assert piece.startswith("…") and piece.endswith("…")
    assert "gasket of the flux capacitor" in piece
    assert snippet("Short text.", ["x"]) == "Short text."


def test_a_snippet_finds_words_without_their_accents() -> None:
    text = "x " * 150 + "Le café de Pélissanne ouvre à huit heures." + " y" * 150
    assert "Pélissanne" in snippet(text, query_terms("pelissanne"))
