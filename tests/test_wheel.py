"""The installed product: a wheel built from the tree serves the web app with no source checkout.

The wheel goes into a fresh venv that sees the packages of the environment running the
tests (so torch and gradio are not installed again; the wheel itself with ``--no-deps``),
and everything runs from a temporary folder, so the only ``rag`` that can be imported is
the installed one — which the test checks before trusting anything else.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.uiapp import free_port

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting'", "ignore:The copy keyword")]

START_TIMEOUT_S = 240


def _clean_env() -> dict[str, str]:
    """This environment without anything pointing Python at the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "RAG_", "VIRTUAL_ENV"))}
    env["HF_HUB_OFFLINE"] = "1"
    return env


def _text(message: dict) -> str:
    """The HTML of a chat message as gradio_client returns it."""
    content = message["content"]
    return "".join(part.get("text", "") for part in content) if isinstance(content, list) else str(content)


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv holding the wheel built from this tree; returns its bin/ folder."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"  # build from a copy: building in place would leave build/ in the tree
    src.mkdir()
    shutil.copytree(ROOT / "rag", src / "rag", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    dist = base / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "-w", str(dist), str(src)], check=True, cwd=base, env=_clean_env(), timeout=300)
    (wheel,) = dist.glob("rag-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "rag/app/webapp.py" in names and "ui.py" not in names
    env_dir = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(env_dir)], check=True, timeout=300)
    bin_dir = env_dir / "bin"
    see_running_environment(bin_dir / "python")
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--no-deps", str(wheel)],
                   check=True, cwd=base, env=_clean_env(), timeout=300)
    return bin_dir


def see_running_environment(python: Path) -> None:
    """Let the venv at ``python`` import what this interpreter can.

    ``--system-site-packages`` reaches the *base* interpreter's packages only: when the
    tests run inside a venv (a newcomer's way), that venv's packages (gradio 6, say) would
    be missing or older.  A ``.pth`` file of plain paths puts this interpreter's site
    folders after the new venv's own, where the wheel is; being plain paths, the ``.pth``
    files inside them (the checkout's editable install of rag) are not run."""
    folders = [p for p in [*site.getsitepackages(), site.getusersitepackages()] if Path(p).is_dir()]
    target = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                            check=True, capture_output=True, text=True, timeout=60).stdout.strip()
    (Path(target) / "running-environment.pth").write_text("\n".join(folders) + "\n", encoding="utf-8")


def test_the_installed_rag_is_the_wheel_not_the_checkout(venv: Path, tmp_path: Path) -> None:
    run = subprocess.run([str(venv / "python"), "-c", "import rag, rag.app.webapp; print(rag.__file__)"],
                         cwd=tmp_path, env=_clean_env(), capture_output=True, text=True, timeout=120, check=True)
    installed = Path(run.stdout.strip())
    assert installed.is_relative_to(venv.parent), installed
    assert not installed.is_relative_to(ROOT)


def test_rag_serve_from_the_wheel_answers_through_gradio_client(venv: Path, tmp_path: Path) -> None:
    from gradio_client import Client

    corpus = tmp_path / "docs"
    corpus.mkdir()
    (corpus / "cost.txt").write_text("大模型的训练成本很高。业界普遍认为入场门票是10亿元人民币。\n第二段讲别的事情。",
                                     encoding="utf-8")
    (corpus / "cloud.txt").write_text("亚马逊占有 48.9% 的市场份额。微软紧随其后。", encoding="utf-8")
    port = free_port()
    log = (tmp_path / "serve.log").open("w+", encoding="utf-8")
    server = subprocess.Popen([str(venv / "rag"), "serve", "--corpus", "docs", "--index", "idx", "--port", str(port)],
                              cwd=tmp_path, env=_clean_env(), stdout=log, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + START_TIMEOUT_S
        client = None
        while client is None:
            if server.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"rag serve did not come up (exit {server.returncode}):\n{log.read()}")
            try:
                client = Client(url, verbose=False)
            except Exception:  # not listening yet
                time.sleep(1)
        messages, _ = client.predict("业界认为入场门票是多少钱？", "extractive", 3, api_name="/chat")
        answer = _text(messages[1])
        assert "10亿元" in answer and 'class="rag-cite"' in answer
        assert "cost.txt" in _text(messages[2])
        assert (tmp_path / "idx").is_dir()  # built on first start, relative to the cwd
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
