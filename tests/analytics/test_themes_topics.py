"""Emerging topics: comments no theme matched, grouped per language with their top words."""

from analytics.themes.tagger import fresh_tagger
from analytics.themes.topics import cluster


def test_unmatched_comments_group_into_topics_per_language():
    comments = []
    pk = 0
    for i in range(8):
        for text, language in [
            (f"the parking lot was full again, no parking spaces left {i}", "en"),
            (f"loyalty points missing from my loyalty card account {i}", "en"),
            (f"parkir penuh, tempat parkir motor tidak ada {i}", "id"),
        ]:
            pk += 1
            comments.append((pk, text, language))
    topics = cluster(fresh_tagger(), comments)
    words = {(t.language, tuple(t.words)) for t in topics}
    assert any(lang == "en" and "parking" in w for lang, w in words)
    assert any(lang == "en" and "loyalty" in w for lang, w in words)
    assert any(lang == "id" and "parkir" in w for lang, w in words)
    for topic in topics:
        assert topic.size >= 3 and 1 <= len(topic.examples) <= 3
        texts = {text for p, text, _l in comments if p in topic.examples}
        assert all(topic.words[0] in text for text in texts)


def test_too_few_or_empty_comments_give_no_topic():
    assert cluster(fresh_tagger(), [(1, "hello", "en"), (2, "", "en"), (3, "😀", "es")]) == []
