import httpx
import pytest

from apps.publishing.adapters._http import raise_for_status
from apps.publishing.adapters.base import PermanentError, TransientError
from apps.publishing.adapters.telegram import TelegramAdapter, _message, _retry_after
from tests.adapters.conftest import HANG_TIMEOUT, assert_secret_hidden

KIND = "telegram"
adapter = TelegramAdapter()


def test_a_message_is_sent_to_the_channel_and_its_public_link_returned(server, make_request):
    result = adapter.publish(make_request())

    [sent] = server.requests_to("/sendMessage")
    assert sent.path == f"/bot{server.token}/sendMessage"
    assert sent.json == {"chat_id": "@comuneesempio", "text": server.items[0]["text"]}
    message_id = server.items[0]["message_id"]
    assert result.external_id == str(message_id)
    assert result.url == f"https://t.me/comuneesempio/{message_id}"


def test_with_an_image_it_sends_a_photo_with_the_text_as_caption(server, make_request, image):
    adapter.publish(make_request(images=(image,)))

    [sent] = server.requests_to("/sendPhoto")
    assert sent.field("chat_id") == "@comuneesempio"
    assert sent.field("caption").startswith("Lunedì 3 marzo")
    assert sent.files["photo"].data.startswith(b"\xff\xd8")


def test_a_caption_over_1024_characters_is_refused_before_sending(server, make_request, image):
    with pytest.raises(PermanentError, match="1024"):
        adapter.publish(make_request(text="a" * 1100, images=(image,)))

    assert server.requests == []


def test_an_unknown_chat_is_a_permanent_error_with_the_bot_api_description(server, make_request):
    request = make_request(config={**server.config, "chat_id": "@altrocanale"})

    with pytest.raises(PermanentError) as caught:
        adapter.publish(request)

    assert caught.value.status == 400
    assert "chat not found" in str(caught.value)


def test_a_429_whose_retry_hint_is_malformed_is_still_a_plain_transient_error():
    response = httpx.Response(
        429,
        json={"ok": False, "error_code": 429, "parameters": {"retry_after": "presto"}},
        request=httpx.Request("POST", "https://api.telegram.org/botX/sendMessage"),
    )

    with pytest.raises(TransientError) as caught:
        raise_for_status(
            response, secret="X", kind=KIND, message_of=_message, retry_after_of=_retry_after
        )

    assert (caught.value.status, caught.value.retry_after) == (429, None)


def test_delete_removes_the_message(server, make_request):
    result = adapter.publish(make_request())

    adapter.delete(external_id=result.external_id, config=server.config, secret=server.token)

    assert server.items == []


def test_the_bot_token_in_the_path_never_reaches_logs_or_errors(
    server, make_request, all_logs, unreachable_config
):
    errors = []
    for mode in ("500", "429", "hang", "drop"):
        server.fail_next(1, mode)
        with pytest.raises(Exception) as caught:
            adapter.publish(make_request(read_timeout=HANG_TIMEOUT))
        errors.append(caught.value)
    with pytest.raises(TransientError) as caught:
        adapter.publish(make_request(config={**unreachable_config, "chat_id": "@comuneesempio"}))
    errors.append(caught.value)
    adapter.publish(make_request())

    assert any("/bot[segreto]/sendMessage" in r.getMessage() for r in all_logs.records)
    assert_secret_hidden(server.token, all_logs, *errors)
