"""The running web chat from the outside: the named `chat` API through gradio_client, the
readiness check, and what the server must never serve."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from gradio_client import Client

from tests.web.conftest import healthz

pytestmark = pytest.mark.integration

DISCLAIMER_START = "This is educational information from a technique library, not a diagnosis"


@pytest.fixture(scope="module")
def client(web_app):
    return Client(web_app.url, verbose=False, download_files=False)


def test_chat_endpoint_answers_with_a_cited_card(client):
    answer = client.predict("How do I stretch the QL?", api_name="/chat")
    assert answer.startswith("## QL Hip Hike")
    assert "[1]" in answer and "**Steps**\n1. " in answer
    assert "**Cautions**" in answer and "All work needs to be pain-free." in answer
    assert DISCLAIMER_START in answer


def test_chat_endpoint_takes_the_earlier_questions_for_follow_ups(client):
    answer = client.predict("How long should I hold it?", ["How do I stretch the QL?"], api_name="/chat")
    assert answer.startswith("## QL Hip Hike")


def test_chat_endpoint_refers_red_flags(client):
    answer = client.predict("New loss of bladder control and numbness in the groin. Which stretch?", api_name="/chat")
    assert "refer" in answer.lower() and "**Steps**" not in answer


def test_only_the_chat_endpoint_is_public(client):
    assert list(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == ["/chat"]


def test_readiness_check(web_app):
    status, body = healthz(web_app.url)
    assert status == 200 and body["status"] == "ready" and body["index_version"]


@pytest.mark.parametrize("path", ["/monitoring", "/gradio_api/file={data}/feedback.sqlite", "/gradio_api/file={data}/CURRENT"])
def test_nothing_from_the_data_folder_and_no_monitoring(web_app, path):
    url = web_app.url + path.format(data=web_app.data_dir.resolve())
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(url, timeout=10)
    assert err.value.code in (403, 404)
