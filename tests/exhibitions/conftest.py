import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Job files (uploads, exports) go to a temporary MEDIA_ROOT, never the checkout's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"
