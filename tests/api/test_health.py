from __future__ import annotations

from pathlib import Path

from javumbo.api.app import create_app
from javumbo.settings import Settings


def test_health_answers_json(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path))
    response = app.test_client().get("/health")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
