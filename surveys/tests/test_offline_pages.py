"""What the service worker needs from the server: /sw.js at the site's root, the offline page, and the
flags the pages carry (which users keep pages on the device, which response counter every page shows)."""

from __future__ import annotations

import json

from units.models import Role


def test_the_service_worker_is_served_from_the_root_with_the_assets_to_keep(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/" and response["Cache-Control"] == "no-cache"
    text = response.content.decode()
    precache = json.loads(text.split("var PRECACHE = ")[1].split(";\n")[0])
    assert "/static/js/queue.js" in precache and "/static/js/entry.js" in precache and "/static/js/calculations.js" in precache and "/static/bootstrap/css/bootstrap.min.css" in precache
    assert 'var OFFLINE_URL = "/ngoai-tuyen/"' in text and 'self.addEventListener("fetch"' in text
    assert client.post("/sw.js").status_code == 405


def test_the_offline_page_carries_no_personal_data_and_no_script(client, make_user, tree):
    client.force_login(make_user("dtv", Role.ENUMERATOR, tree["A1"], first_name="Lan"))
    html = client.get("/ngoai-tuyen/").content.decode()
    assert "Không có mạng" in html and "<script" not in html and "Lan" not in html and "dtv" not in html


def test_only_enumerators_pages_register_the_service_worker_and_every_page_counts_waiting_responses(client, make_user, tree, alice):
    client.force_login(make_user("dtv", Role.ENUMERATOR, tree["A1"]))
    html = client.get("/").content.decode()
    assert 'data-offline="/sw.js"' in html and "js/offline.js" in html and "data-queue-badge" in html
    client.force_login(alice)
    html = client.get("/").content.decode()
    assert "data-offline=" not in html and "js/queue.js" in html and "data-queue-badge" in html
