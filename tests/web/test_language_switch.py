"""Choosing English: the header's link switches the language and the choice stays for the next pages (it
held for one page only: nothing kept it, and no page offered it)."""

from __future__ import annotations

import re

from .conftest import Browser


def _switch(html: str) -> tuple[str, str]:
    link = re.search(r'<a class="language" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert link, "no language link in the header"
    return link.group(1).replace("&amp;", "&"), link.group(2)


def test_a_person_switches_to_english_and_back_and_it_stays(login):
    browser = login("torch1")
    inbox = browser.get("/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in inbox and "我的待办" in inbox
    url, name = _switch(inbox)
    assert name == "English"
    english = browser.get(url).get_data(as_text=True)
    assert '<html lang="en">' in english and "My tasks" in english
    # the next page, without asking again, is still English, and offers the way back in Chinese
    later = browser.get("/instances?status=running").get_data(as_text=True)
    assert "My tasks" in later and "我的待办" not in later
    url, name = _switch(later)
    assert name == "中文" and "status=running" in url  # the page's own filter is kept
    assert "我的待办" in browser.get(url).get_data(as_text=True)
    assert "我的待办" in browser.get("/").get_data(as_text=True)


def test_the_public_pages_offer_the_switch_too(app, world):
    visitor = Browser(app, None)
    url, name = _switch(visitor.get("/public/spaces").get_data(as_text=True))
    assert name == "English"
    assert '<html lang="en">' in visitor.get(url).get_data(as_text=True)
    assert '<html lang="en">' in visitor.get("/public/notices").get_data(as_text=True)


def test_a_language_the_site_does_not_have_is_not_kept(login):
    browser = login("torch1")
    response = browser.get("/?lang=fr")
    assert "lang=" not in response.headers.get("Set-Cookie", "")
    assert "我的待办" in response.get_data(as_text=True)


def test_the_switch_on_a_crafted_address_stays_on_this_site(app, world):
    """An outside probe: a 404 page for "/%5Cevil.example" offered href="/\\evil.example?lang=en", which a browser
    reads as http://evil.example/ (also a tab or a second leading slash). The link is re-encoded now."""
    from urllib.parse import unquote, urljoin, urlsplit

    visitor = Browser(app, None)
    client = app.test_client()
    for crafted in ("/%5Cevil.example", "/%09/evil.example", "/%5C%5Cevil.example/", "/%2F%2Fevil.example",
                    "/public/%5C%5Cevil.example", "//evil.example"):
        # the path exactly as a browser would send it (the test client reads "//host" as a host of its own)
        page = client.get("/", environ_overrides={"PATH_INFO": unquote(crafted)})
        url, _ = _switch(page.get_data(as_text=True))
        assert "\\" not in url and "\t" not in url and not url.startswith("//"), (crafted, url)
        assert urlsplit(urljoin("http://makerspace.example/", url)).netloc == "makerspace.example", (crafted, url)
    url, _ = _switch(visitor.get("/public/notices?page=2").get_data(as_text=True))
    assert url == "/public/notices?page=2&lang=en"  # an ordinary address is kept as it was
