"""The editor's checks: what a writer is told next to each channel's text."""

import pytest

from apps.channels.enums import ChannelKind
from apps.channels.models import Channel
from apps.planning.checks import (
    analyse_variant,
    check_post,
    check_variant,
    count_characters,
    gulpease,
    has_blocking_findings,
)
from tests.factories import ChannelFactory, PostFactory


def _channel(kind, **overrides) -> Channel:
    channel = Channel(name=f"Test {kind}", kind=kind, **overrides)
    channel.apply_kind_defaults()
    return channel


def _codes(findings) -> list[str]:
    return [f.code for f in findings]


def test_gulpease_of_a_short_plain_sentence_is_79():
    # 8 words (l'ufficio counts as two), 38 letters, 1 sentence: 89 + (300 - 380) / 8 = 79.
    assert gulpease("Lunedì 3 marzo l'ufficio anagrafe resta chiuso.") == 79


def test_gulpease_of_bureaucratese_is_40():
    text = (
        "La determinazione dell'ammontare complessivo della tariffa è subordinata "
        "all'approvazione del piano finanziario."
    )
    # 14 words, 98 letters, 1 sentence: 89 + (300 - 980) / 14 = 40.4.
    assert gulpease(text) == 40


def test_gulpease_is_clamped_to_100_and_ignores_links():
    assert gulpease("Il gatto dorme. Il cane abbaia.") == 100
    assert gulpease("Il gatto dorme. https://www.comune.esempio.it/una/pagina/molto/lunga") == 100


def test_gulpease_of_no_words_is_none():
    assert gulpease("  ... ") is None


def test_x_counts_every_link_as_23_characters():
    text = "Leggi qui: https://www.comune.esempio.it/notizie/2026/chiusura-anagrafe-per-lavori"
    assert count_characters(text, ChannelKind.X) == len("Leggi qui: ") + 23
    assert count_characters(text, ChannelKind.FACEBOOK) == len(text)


def test_text_over_the_channel_limit_is_a_blocking_finding():
    findings = check_variant("a" * 281, _channel(ChannelKind.X))
    assert [(f.code, f.blocking) for f in findings if f.code == "too_long"] == [("too_long", True)]
    assert "281 caratteri su 280" in findings[0].message


def test_text_at_the_limit_is_fine():
    assert "too_long" not in _codes(check_variant("a" * 280, _channel(ChannelKind.X)))


def test_an_empty_variant_is_blocking():
    assert [(f.code, f.blocking) for f in check_variant("  ", _channel(ChannelKind.X))] == [
        ("empty", True)
    ]


def test_too_many_hashtags_is_a_warning():
    text = "Festa in piazza #Estate #Cultura #Musica https://comune.esempio.it"
    findings = check_variant(text, _channel(ChannelKind.X))
    assert [(f.code, f.blocking) for f in findings] == [("too_many_hashtags", False)]


def test_emoji_on_a_channel_that_does_not_want_them_is_a_warning():
    text = "Nuovo bando per le imprese del territorio 🎉 https://comune.esempio.it/bando"
    assert _codes(check_variant(text, _channel(ChannelKind.LINKEDIN))) == ["emoji_not_allowed"]
    assert _codes(check_variant(text, _channel(ChannelKind.FACEBOOK))) == []


def test_a_missing_link_is_flagged_where_one_is_expected_unless_the_post_has_one():
    text = "Da lunedì cambia l'orario dello sportello."
    assert _codes(check_variant(text, _channel(ChannelKind.X))) == ["link_missing"]
    assert _codes(check_variant(text, _channel(ChannelKind.X), link="https://c.it")) == []


def test_shouting_in_capitals_is_flagged_but_acronyms_are_not():
    channel = _channel(ChannelKind.FACEBOOK)
    assert "all_caps" in _codes(check_variant("ATTENZIONE CHIUSURA UFFICI domani", channel))
    assert "all_caps" not in _codes(check_variant("La TARI si paga entro il 16 dicembre.", channel))


def test_hard_text_is_flagged_against_the_channel_target_with_a_plain_language_hint():
    text = (
        "La determinazione dell'ammontare complessivo della tariffa è subordinata "
        "all'approvazione del piano finanziario."
    )
    findings = check_variant(text, _channel(ChannelKind.FACEBOOK))
    assert _codes(findings) == ["hard_to_read"]
    assert "frasi più brevi" in findings[0].message


def test_the_report_carries_the_counters_the_editor_shows():
    report = analyse_variant("Ciao #Estate 😀", _channel(ChannelKind.INSTAGRAM))
    assert (report.length, report.limit, report.hashtags, report.emoji) == (14, 2200, 1, 1)
    assert report.remaining == 2186


@pytest.mark.django_db
def test_check_post_and_blocking_findings_per_variant():
    x = ChannelFactory(name="X", kind=ChannelKind.X)
    facebook = ChannelFactory(name="Facebook", kind=ChannelKind.FACEBOOK)
    long_text = "Lunedì 3 marzo l'ufficio anagrafe resta chiuso. " * 7
    post = PostFactory(channels=[x, facebook], base_text=long_text, link="https://c.it")
    findings = check_post(post)
    by_channel = {v.channel_id: findings[v.id] for v in post.variants.all()}
    assert _codes(by_channel[x.pk]) == ["too_long"]
    assert "too_long" not in _codes(by_channel[facebook.pk])
    assert has_blocking_findings(post) is True
    post.variants.filter(channel=x).update(text="Breve e chiaro.")
    assert has_blocking_findings(post) is False


def test_the_post_link_the_adapter_appends_counts_against_the_limit():
    x = _channel(ChannelKind.X)
    text = "a " * 130  # 260 characters
    link = "https://www.comune.esempio.it/notizie/una-pagina-lunga"
    assert _codes(check_variant(text, x)) == ["link_missing"]
    findings = check_variant(text, x, link=link)  # sent as text + " " + link: 260 + 1 + 23
    assert [(f.code, f.blocking) for f in findings] == [("too_long", True)]
    assert "284 caratteri su 280" in findings[0].message and "link del post" in findings[0].message
    short = "a " * 120  # 240 characters + a link in the text: 263, and nothing is appended
    assert _codes(check_variant(short + link, x, link=link)) == []


def test_lowercase_multiword_hashtags_get_a_camelcase_hint():
    channel = _channel(ChannelKind.INSTAGRAM)
    findings = check_variant("Ricicla bene! #raccoltadifferenziata #Estate", channel)
    assert _codes(findings) == ["hashtag_case"]
    assert "#raccoltadifferenziata" in findings[0].message
    assert _codes(check_variant("Ricicla bene! #RaccoltaDifferenziata #tari", channel)) == []


def test_an_emoji_inside_a_word_is_flagged():
    channel = _channel(ChannelKind.FACEBOOK)
    assert _codes(check_variant("Buon compl😀eanno al nostro parco!", channel)) == ["emoji_in_word"]
    assert _codes(check_variant("Buon compleanno al nostro parco! 😀", channel)) == []


@pytest.mark.django_db
def test_instagram_needs_an_image_before_approval():
    instagram = ChannelFactory(name="Instagram", kind=ChannelKind.INSTAGRAM)
    post = PostFactory(channels=[instagram], base_text="Il tramonto dal belvedere.")
    assert [f.code for f in check_post(post)[post.variants.get().id]] == ["image_required"]
    assert has_blocking_findings(post) is True
    post.images.create(image="posts/belvedere.png", alt_text="Il sole dietro le colline")
    assert has_blocking_findings(post) is False


@pytest.mark.parametrize(
    ("text", "weight"),
    [
        ("Anagrafe chiusa lunedì — orari “ridotti”", 40),  # Latin and punctuation weigh 1
        ("東京", 4),  # CJK weighs 2
        ("👍🏽", 2),  # an emoji with its skin tone is one emoji: 2
        ("👨\u200d👩\u200d👧", 2),  # a family joined by ZWJ: one emoji
        ("🇮🇹", 2),  # a flag
        ("Info: https://www.comune.esempio.it/" + "x" * 80, 6 + 23),  # a link weighs 23
        ("e\u0301", 1),  # normalised (NFC) first: é
    ],
)
def test_x_counts_as_twitter_text_weighs(text, weight):
    assert count_characters(text, ChannelKind.X) == weight


def test_an_x_variant_of_emoji_over_280_weighted_is_blocked_though_under_280_code_points():
    channel = ChannelFactory.build(kind=ChannelKind.X)
    channel.apply_kind_defaults()

    report = analyse_variant("🎉" * 141, channel, link="")

    assert (report.length, report.limit) == (282, 280)
    assert any(f.code == "too_long" and f.blocking for f in report.findings)


@pytest.mark.django_db
@pytest.mark.parametrize(("kind", "limit"), [("x", 4), ("telegram", 1), ("bluesky", 4)])
def test_more_images_than_the_network_takes_are_pointed_out(kind, limit):
    channel = ChannelFactory(kind=kind)
    post = PostFactory(channels=[channel])
    variant = post.variants.get()

    within = check_post(post, library_images=limit)[variant.pk]
    beyond = check_post(post, library_images=limit + 1)[variant.pk]

    assert "too_many_images" not in {f.code for f in within}
    [finding] = [f for f in beyond if f.code == "too_many_images"]
    assert f"al massimo {limit} immagin" in finding.message and not finding.blocking
