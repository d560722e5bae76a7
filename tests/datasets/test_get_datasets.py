"""datasets/get_datasets.sh against a small archive served from 127.0.0.1.

The archive has the real layout (``cifar-10-batches-py/`` with the seven pickles) but
two images per batch. The server counts requests, honours Range headers and can
misbehave on purpose: drop the first response halfway, ignore Range, serve damaged
bytes. Every run installs into a fresh ``tmp_path`` through ``COURSE_DATA_DIR``.
"""

import hashlib
import io
import os
import pickle
import re
import shutil
import socket
import subprocess
import tarfile
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = REPO_ROOT / "datasets" / "get_datasets.sh"
FOLDER = "cifar-10-batches-py"
ARCHIVE = "cifar-10-python.tar.gz"
MEMBERS = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4",
           "data_batch_5", "test_batch", "batches.meta"]
LABEL_NAMES = [b"airplane", b"automobile", b"bird", b"cat", b"deer",
               b"dog", b"frog", b"horse", b"ship", b"truck"]
IMAGES_PER_BATCH = 2

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


# ------------------------------------------------------------------ the archive

def _batch(label, seed):
    rng = np.random.default_rng(seed)
    return {
        b"batch_label": label.encode(),
        b"labels": [int(v) for v in rng.integers(0, 10, IMAGES_PER_BATCH)],
        b"data": rng.integers(0, 256, (IMAGES_PER_BATCH, 3072), dtype=np.uint8),
        b"filenames": [f"image_{seed}_{i}.png".encode() for i in range(IMAGES_PER_BATCH)],
    }


def _pickles():
    files = {}
    for i in range(1, 6):
        files[f"data_batch_{i}"] = _batch(f"training batch {i} of 5", seed=i)
    files["test_batch"] = _batch("testing batch 1 of 1", seed=99)
    files["batches.meta"] = {b"label_names": LABEL_NAMES,
                             b"num_cases_per_batch": IMAGES_PER_BATCH, b"num_vis": 3072}
    return files


def _tarball(members):
    """A gzipped tar holding FOLDER/<name> for each name of ``members``."""
    contents = _pickles()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        folder = tarfile.TarInfo(FOLDER)
        folder.type = tarfile.DIRTYPE
        folder.mode = 0o755
        tar.addfile(folder)
        for name in members:
            data = pickle.dumps(contents[name], protocol=2)
            info = tarfile.TarInfo(f"{FOLDER}/{name}")
            info.size = len(data)
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.fixture(scope="module")
def archive():
    return _tarball(MEMBERS)


def md5(data):
    return hashlib.md5(data).hexdigest()


# ------------------------------------------------------------------- the server

class ArchiveServer:
    """A threaded HTTP server on 127.0.0.1 serving ``files`` (path -> bytes)."""

    def __init__(self, files, cut_first=False, ignore_range=False):
        self.files = dict(files)
        self.cut_first = cut_first          # drop the first response halfway
        self.ignore_range = ignore_range    # answer every request with the whole file
        self.requests = []                  # (path, Range header or None)
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                owner._serve(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def _serve(self, handler):
        range_header = handler.headers.get("Range")
        with self._lock:
            self.requests.append((handler.path, range_header))
            first = len(self.requests) == 1
        data = self.files.get(handler.path)
        if data is None:
            handler.send_error(404)
            return
        start = 0
        match = re.fullmatch(r"bytes=(\d+)-", range_header or "")
        if match and not self.ignore_range:
            start = int(match.group(1))
            if start >= len(data):
                handler.send_response(416)
                handler.send_header("Content-Range", f"bytes */{len(data)}")
                handler.send_header("Content-Length", "0")
                handler.end_headers()
                return
            handler.send_response(206)
            handler.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            handler.send_response(200)
        body = data[start:]
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header("Content-Length", str(len(body)))
        handler.send_header("Accept-Ranges", "none" if self.ignore_range else "bytes")
        handler.end_headers()
        if first and self.cut_first:
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)
            return
        handler.wfile.write(body)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port():
    """A port on 127.0.0.1 with nothing listening on it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ------------------------------------------------------------------ running it

def run_script(data_dir, *args, script=SCRIPT, path=None, cwd=None, **variables):
    env = {k: v for k, v in os.environ.items()
           if k not in {"CIFAR10_URL", "CIFAR10_MD5", "DATASETS_MIRROR", "COURSE_DATA_DIR",
                        "COCO_CAPTIONING_URL", "COCO_CAPTIONING_MD5"}
           and not k.lower().endswith("_proxy")}
    if data_dir is not None:
        env["COURSE_DATA_DIR"] = str(data_dir)
    if path is not None:
        env["PATH"] = path
    env.update(variables)
    return subprocess.run(["bash", str(script), *args], env=env, cwd=cwd or data_dir,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=60)


def run_cifar(data_dir, server, archive, **variables):
    variables.setdefault("CIFAR10_URL", server.url(f"/{ARCHIVE}"))
    variables.setdefault("CIFAR10_MD5", md5(archive))
    return run_script(data_dir, "cifar10", **variables)


def assert_installed(data_dir, keep=()):
    folder = data_dir / FOLDER
    assert sorted(p.name for p in folder.iterdir()) == sorted(MEMBERS)
    expected = _pickles()
    for name in MEMBERS[:-1]:
        with open(folder / name, "rb") as f:
            batch = pickle.load(f, encoding="bytes")
        assert batch[b"data"].dtype == np.uint8
        assert batch[b"data"].shape == (IMAGES_PER_BATCH, 3072)
        np.testing.assert_array_equal(batch[b"data"], expected[name][b"data"])
        assert batch[b"labels"] == expected[name][b"labels"]
    with open(folder / "batches.meta", "rb") as f:
        assert pickle.load(f, encoding="bytes")[b"label_names"] == LABEL_NAMES
    assert_no_leftovers(data_dir, keep)


def assert_no_leftovers(data_dir, keep=()):
    """Nothing but the dataset folder (and the names in ``keep``) in ``data_dir``."""
    allowed = {FOLDER, *keep}
    assert sorted(p.name for p in data_dir.iterdir() if p.name not in allowed) == []


def assert_nothing_installed(data_dir, keep=()):
    assert not (data_dir / FOLDER).exists()
    assert_no_leftovers(data_dir, keep)


# ------------------------------------------------------------------------ tests

def test_download_installs_a_complete_dataset_and_removes_the_archive(tmp_path, archive):
    with ArchiveServer({f"/{ARCHIVE}": archive}) as server:
        result = run_cifar(tmp_path, server, archive)
    assert result.returncode == 0, result.stderr
    assert_installed(tmp_path)
    assert server.requests == [(f"/{ARCHIVE}", None)]
    assert "CIFAR-10 is ready" in result.stdout


def test_second_run_does_nothing_and_makes_no_request(tmp_path, archive):
    with ArchiveServer({f"/{ARCHIVE}": archive}) as server:
        assert run_cifar(tmp_path, server, archive).returncode == 0
        before = {p.name: p.stat().st_mtime_ns for p in (tmp_path / FOLDER).iterdir()}
        second = run_cifar(tmp_path, server, archive)
    assert second.returncode == 0, second.stderr
    assert "already complete" in second.stdout
    assert len(server.requests) == 1
    assert {p.name: p.stat().st_mtime_ns for p in (tmp_path / FOLDER).iterdir()} == before
    # With no server at all it still succeeds: it never looked at the network.
    third = run_script(tmp_path, "cifar10",
                       CIFAR10_URL=f"http://127.0.0.1:{closed_port()}/x.tar.gz")
    assert third.returncode == 0, third.stderr


def test_damaged_archive_fails_after_one_fresh_retry_and_leaves_nothing(tmp_path, archive):
    damaged = bytearray(archive)
    damaged[len(damaged) // 2] ^= 0xFF
    with ArchiveServer({f"/{ARCHIVE}": bytes(damaged)}) as server:
        result = run_cifar(tmp_path, server, archive)
    assert result.returncode != 0
    assert "failed its check twice" in result.stderr
    assert f"its MD5 is {md5(bytes(damaged))}, expected {md5(archive)}" in result.stderr
    assert "CIFAR10_MD5" in result.stderr
    # One download, then one more from the start; never a resume of the damaged copy.
    assert server.requests == [(f"/{ARCHIVE}", None)] * 2
    assert_nothing_installed(tmp_path)


def test_dropped_connection_is_resumed(tmp_path, archive):
    with ArchiveServer({f"/{ARCHIVE}": archive}, cut_first=True) as server:
        result = run_cifar(tmp_path, server, archive)
    assert result.returncode == 0, result.stderr
    assert_installed(tmp_path)
    half = len(archive) // 2
    assert server.requests == [(f"/{ARCHIVE}", None), (f"/{ARCHIVE}", f"bytes={half}-")]
    assert f"dropped after {half} bytes; resuming" in result.stdout


def test_server_without_resume_support_gets_a_fresh_download(tmp_path, archive):
    with ArchiveServer({f"/{ARCHIVE}": archive}, cut_first=True, ignore_range=True) as server:
        result = run_cifar(tmp_path, server, archive)
    assert result.returncode == 0, result.stderr
    assert_installed(tmp_path)
    ranges = [r for _, r in server.requests]
    assert ranges == [None, f"bytes={len(archive) // 2}-", None]


def test_partial_download_from_an_earlier_run_is_resumed(tmp_path, archive):
    third = len(archive) // 3
    (tmp_path / f"{ARCHIVE}.part").write_bytes(archive[:third])
    with ArchiveServer({f"/{ARCHIVE}": archive}) as server:
        result = run_cifar(tmp_path, server, archive)
    assert result.returncode == 0, result.stderr
    assert_installed(tmp_path)
    assert server.requests == [(f"/{ARCHIVE}", f"bytes={third}-")]


def test_resumed_download_that_fails_the_checksum_restarts_from_zero(tmp_path, archive):
    third = len(archive) // 3
    (tmp_path / f"{ARCHIVE}.part").write_bytes(b"\0" * third)
    with ArchiveServer({f"/{ARCHIVE}": archive}) as server:
        result = run_cifar(tmp_path, server, archive)
    assert result.returncode == 0, result.stderr
    assert_installed(tmp_path)
    assert server.requests == [(f"/{ARCHIVE}", f"bytes={third}-"), (f"/{ARCHIVE}", None)]
    assert "downloading again from the start" in result.stdout


def test_offline_fails_with_a_clear_message_and_installs_nothing(tmp_path, archive):
    url = f"http://127.0.0.1:{closed_port()}/{ARCHIVE}"
    result = run_script(tmp_path, "cifar10", CIFAR10_URL=url, CIFAR10_MD5=md5(archive))
    assert result.returncode != 0
    assert f"could not reach {url}" in result.stderr
    assert "DATASETS_MIRROR" in result.stderr and "CIFAR10_URL" in result.stderr
    assert_nothing_installed(tmp_path)


def test_http_error_fails_and_installs_nothing(tmp_path, archive):
    with ArchiveServer({}) as server:
        result = run_cifar(tmp_path, server, archive)
    assert result.returncode != 0
    assert "refused the download" in result.stderr
    assert server.requests == [(f"/{ARCHIVE}", None)]
    assert_nothing_installed(tmp_path)


def test_default_fetches_every_dataset_from_the_mirror(tmp_path, archive, coco_archive):
    files = {f"/course/data/{ARCHIVE}": archive, f"/course/data/{COCO_ARCHIVE}": coco_archive}
    with ArchiveServer(files) as server:
        result = run_script(tmp_path, DATASETS_MIRROR=server.url("/course/data/"),
                            CIFAR10_MD5=md5(archive))
    assert result.returncode == 0, result.stderr
    assert_installed(tmp_path, keep={COCO_FOLDER})
    assert_coco_installed(tmp_path, keep={FOLDER})
    assert server.requests == [(f"/course/data/{ARCHIVE}", None),
                               (f"/course/data/{COCO_ARCHIVE}", None)]


def test_cifar10_url_wins_over_the_mirror(tmp_path, archive):
    with ArchiveServer({"/exact/cifar.tgz": archive}) as server:
        result = run_script(tmp_path, "cifar10", DATASETS_MIRROR=server.url("/mirror"),
                            CIFAR10_URL=server.url("/exact/cifar.tgz"),
                            CIFAR10_MD5=md5(archive))
    assert result.returncode == 0, result.stderr
    assert server.requests == [("/exact/cifar.tgz", None)]


def test_published_checksum_is_expected_without_an_override(tmp_path, archive):
    with ArchiveServer({f"/{ARCHIVE}": archive}) as server:
        result = run_script(tmp_path, "cifar10", CIFAR10_URL=server.url(f"/{ARCHIVE}"))
    assert result.returncode != 0
    assert "expected c58f30108f718f92721af3b95e74349a" in result.stderr
    assert_nothing_installed(tmp_path)


def test_default_destination_is_the_scripts_folder(tmp_path, archive):
    datasets = tmp_path / "course" / "datasets"
    datasets.mkdir(parents=True)
    shutil.copy(SCRIPT, datasets / "get_datasets.sh")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with ArchiveServer({f"/{ARCHIVE}": archive}) as server:
        result = run_script(None, "cifar10", script=datasets / "get_datasets.sh", cwd=elsewhere,
                            CIFAR10_URL=server.url(f"/{ARCHIVE}"), CIFAR10_MD5=md5(archive))
    assert result.returncode == 0, result.stderr
    assert_installed(datasets, keep={"get_datasets.sh"})
    assert list(elsewhere.iterdir()) == []


def test_incomplete_dataset_folder_is_replaced(tmp_path, archive):
    folder = tmp_path / FOLDER
    folder.mkdir()
    (folder / "data_batch_1").write_bytes(b"half-copied")
    with ArchiveServer({f"/{ARCHIVE}": archive}) as server:
        result = run_cifar(tmp_path, server, archive)
    assert result.returncode == 0, result.stderr
    assert_installed(tmp_path)
    assert len(server.requests) == 1


def test_verified_archive_on_disk_is_used_without_the_network(tmp_path, archive):
    (tmp_path / ARCHIVE).write_bytes(archive)
    result = run_script(tmp_path, "cifar10",
                        CIFAR10_URL=f"http://127.0.0.1:{closed_port()}/{ARCHIVE}",
                        CIFAR10_MD5=md5(archive))
    assert result.returncode == 0, result.stderr
    assert_installed(tmp_path)


def test_archive_without_the_expected_files_is_rejected(tmp_path):
    incomplete = _tarball(MEMBERS[:-2])  # no test_batch, no batches.meta
    with ArchiveServer({f"/{ARCHIVE}": incomplete}) as server:
        result = run_cifar(tmp_path, server, incomplete)
    assert result.returncode != 0
    assert f"{FOLDER}/test_batch {FOLDER}/batches.meta" in result.stderr
    assert_nothing_installed(tmp_path)


def test_interrupted_unpacking_leaves_no_half_folder(tmp_path, archive):
    """A tar that finishes unpacking, then the script is killed before the rename."""
    real_tar = shutil.which("tar")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "tar"
    fake.write_text(f'#!/bin/sh\n"{real_tar}" "$@" || exit $?\n'
                    'case "$1" in -x*) kill -TERM "$PPID" ;; esac\n')
    fake.chmod(0o755)
    data = tmp_path / "data"
    data.mkdir()
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    with ArchiveServer({f"/{ARCHIVE}": archive}) as server:
        result = run_cifar(data, server, archive, PATH=path)
    assert result.returncode == 143, result.stderr
    assert "terminated" in result.stderr
    # No dataset folder, no temporary folder; the verified archive is kept for next time.
    assert_nothing_installed(data, keep={ARCHIVE})
    again = run_script(data, "cifar10", CIFAR10_URL=f"http://127.0.0.1:{closed_port()}/{ARCHIVE}",
                       CIFAR10_MD5=md5(archive))
    assert again.returncode == 0, again.stderr
    assert_installed(data)


def _path_without(tmp_path, *names):
    """A PATH of one folder linking every command of $PATH except ``names``."""
    farm = tmp_path / "path-farm"
    farm.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not os.path.isdir(folder):
            continue
        for entry in os.scandir(folder):
            target = farm / entry.name
            if entry.name in names or target.exists() or not os.access(entry.path, os.X_OK):
                continue
            target.symlink_to(entry.path)
    return str(farm)


def test_wget_and_python_checksum_are_used_without_curl_and_md5sum(tmp_path, archive):
    if shutil.which("wget") is None:
        pytest.skip("wget is not installed")
    path = _path_without(tmp_path, "curl", "md5sum", "md5")
    data = tmp_path / "data"
    data.mkdir()
    with ArchiveServer({f"/{ARCHIVE}": archive}, cut_first=True) as server:
        result = run_cifar(data, server, archive, PATH=path)
    assert result.returncode == 0, result.stderr
    assert_installed(data)
    assert [r for _, r in server.requests] == [None, f"bytes={len(archive) // 2}-"]


def test_unknown_dataset_is_a_usage_error(tmp_path):
    result = run_script(tmp_path, "imagenet")
    assert result.returncode == 2
    assert "unknown dataset 'imagenet'" in result.stderr
    assert "known datasets: cifar10 coco" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_help_lists_the_datasets_and_variables(tmp_path):
    result = run_script(tmp_path, "--help")
    assert result.returncode == 0
    for word in ("cifar10", "coco", "DATASETS_MIRROR", "CIFAR10_URL", "CIFAR10_MD5",
                 "COCO_CAPTIONING_URL", "COCO_CAPTIONING_MD5"):
        assert word in result.stdout
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------- the shared helpers, sourced one by one

def _call(function_call, data_dir):
    """Source the script (which then runs nothing) and call one of its functions."""
    script = f'source "{SCRIPT}"; {function_call}'
    env = dict(os.environ, COURSE_DATA_DIR=str(data_dir))
    return subprocess.run(["bash", "-c", script], env=env, capture_output=True,
                          text=True, timeout=30)


@pytest.mark.parametrize("kind", ["tar", "zip"])
def test_verify_members_checks_the_listing_of_tar_and_zip_archives(tmp_path, archive, kind):
    if kind == "tar":
        path = tmp_path / "captions.tar.gz"
        path.write_bytes(archive)
    else:
        path = tmp_path / "captions.zip"
        with zipfile.ZipFile(path, "w") as zf:
            for name in MEMBERS:
                zf.writestr(f"{FOLDER}/{name}", b"x")
    present = f"{FOLDER}/test_batch {FOLDER}/batches.meta"
    ok = _call(f'verify "{path}" members "{present}"', tmp_path)
    assert ok.returncode == 0, ok.stderr
    bad = _call(f'verify "{path}" members "{present} {FOLDER}/captions.h5" '
                '|| { echo "$VERIFY_PROBLEM"; exit 1; }', tmp_path)
    assert bad.returncode == 1
    assert bad.stdout.strip() == f"it lacks {FOLDER}/captions.h5"


def test_verify_members_rejects_a_truncated_archive(tmp_path, archive):
    path = tmp_path / "captions.tar.gz.part"
    path.write_bytes(archive[: len(archive) // 2])
    result = _call(f'verify "{path}" members "{FOLDER}/data_batch_1" '
                   '|| { echo "$VERIFY_PROBLEM"; exit 1; }', tmp_path)
    assert result.returncode == 1
    assert result.stdout.strip() == "it is not a readable archive"


def test_extract_atomically_unpacks_a_zip_dataset(tmp_path):
    path = tmp_path / "captions.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("coco/train.h5", b"train")
        zf.writestr("coco/vocab.json", b"{}")
    result = _call(f'extract_atomically "{path}" coco "coco/train.h5 coco/vocab.json"',
                   tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "coco" / "train.h5").read_bytes() == b"train"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["captions.zip", "coco"]


# ------------------------------------------------------- the COCO captioning data
#
# A zip of the real layout (coco_captioning/ with the eight files), written by the
# captioning tests' fake writer: six training and three validation images.

COCO_FOLDER = "coco_captioning"
COCO_ARCHIVE = "coco_captioning.zip"
COCO_FILES = ["coco2014_captions.h5", "coco2014_vocab.json", "train2014_vgg16_fc7.h5",
              "train2014_vgg16_fc7_pca.h5", "train2014_urls.txt", "val2014_vgg16_fc7.h5",
              "val2014_vgg16_fc7_pca.h5", "val2014_urls.txt"]


def _coco_zip(tmp_path_factory, leave_out=()):
    from tests.cs_utils.test_captioning import write_fake_coco

    source = tmp_path_factory.mktemp("coco_source") / COCO_FOLDER
    write_fake_coco(source)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(f"{COCO_FOLDER}/", b"")
        for name in COCO_FILES:
            if name not in leave_out:
                zf.write(source / name, f"{COCO_FOLDER}/{name}")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def coco_archive(tmp_path_factory):
    return _coco_zip(tmp_path_factory)


def _damaged_zip(data):
    """data with one byte of the first file's compressed bytes flipped; the listing still reads."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        member = next(i for i in zf.infolist() if i.compress_size > 100)
    local_header = data[member.header_offset:member.header_offset + 30]
    name_length = int.from_bytes(local_header[26:28], "little")
    extra_length = int.from_bytes(local_header[28:30], "little")
    start = member.header_offset + 30 + name_length + extra_length
    damaged = bytearray(data)
    damaged[start + member.compress_size // 2] ^= 0xFF
    return bytes(damaged)


def run_coco(data_dir, server, *args, **variables):
    variables.setdefault("COCO_CAPTIONING_URL", server.url(f"/{COCO_ARCHIVE}"))
    return run_script(data_dir, *(args or ("coco",)), **variables)


def assert_coco_installed(data_dir, keep=()):
    from cs_utils.captioning import load_coco_data
    from tests.cs_utils.test_captioning import FAKE_WORDS

    folder = data_dir / COCO_FOLDER
    assert sorted(p.name for p in folder.iterdir()) == sorted(COCO_FILES)
    data = load_coco_data(folder, verbose=False)
    assert data["idx_to_word"] == FAKE_WORDS and data["dataset"] == "COCO 2014 captions"
    assert data["train_features"].shape == (6, 512) and len(data["val_urls"]) == 3
    allowed = {COCO_FOLDER, *keep}
    assert sorted(p.name for p in data_dir.iterdir() if p.name not in allowed) == []


def assert_coco_not_installed(data_dir, keep=()):
    assert sorted(p.name for p in data_dir.iterdir() if p.name not in keep) == []


def test_coco_download_installs_the_dataset_and_removes_the_archive(tmp_path, coco_archive):
    with ArchiveServer({f"/{COCO_ARCHIVE}": coco_archive}) as server:
        result = run_coco(tmp_path, server)
        again = run_coco(tmp_path, server)
    assert result.returncode == 0, result.stderr
    assert "The COCO captioning data is ready" in result.stdout
    assert_coco_installed(tmp_path)
    assert again.returncode == 0 and "already complete" in again.stdout
    assert server.requests == [(f"/{COCO_ARCHIVE}", None)]  # the second run asked nothing


def test_cifar10_alone_leaves_the_captioning_data_alone(tmp_path, archive, coco_archive):
    files = {f"/{ARCHIVE}": archive, f"/{COCO_ARCHIVE}": coco_archive}
    with ArchiveServer(files) as server:
        result = run_cifar(tmp_path, server, archive,
                           COCO_CAPTIONING_URL=server.url(f"/{COCO_ARCHIVE}"))
    assert result.returncode == 0, result.stderr
    assert server.requests == [(f"/{ARCHIVE}", None)]
    assert not (tmp_path / COCO_FOLDER).exists()


def test_damaged_coco_zip_fails_after_one_fresh_retry(tmp_path, coco_archive):
    damaged = _damaged_zip(coco_archive)
    with ArchiveServer({f"/{COCO_ARCHIVE}": damaged}) as server:
        result = run_coco(tmp_path, server)
    assert result.returncode != 0
    assert "failed its check twice (it is damaged" in result.stderr
    assert "COCO_CAPTIONING_URL" in result.stderr
    assert server.requests == [(f"/{COCO_ARCHIVE}", None)] * 2
    assert_coco_not_installed(tmp_path)


def test_coco_zip_without_a_file_is_rejected(tmp_path_factory, tmp_path):
    incomplete = _coco_zip(tmp_path_factory, leave_out=("val2014_urls.txt",))
    with ArchiveServer({f"/{COCO_ARCHIVE}": incomplete}) as server:
        result = run_coco(tmp_path, server)
    assert result.returncode != 0
    assert f"it lacks {COCO_FOLDER}/val2014_urls.txt" in result.stderr
    assert_coco_not_installed(tmp_path)


def test_coco_offline_fails_with_a_clear_message(tmp_path):
    url = f"http://127.0.0.1:{closed_port()}/{COCO_ARCHIVE}"
    result = run_script(tmp_path, "coco", COCO_CAPTIONING_URL=url)
    assert result.returncode != 0
    assert f"could not reach {url}" in result.stderr
    assert "DATASETS_MIRROR" in result.stderr and "COCO_CAPTIONING_URL" in result.stderr
    assert_coco_not_installed(tmp_path)


def test_coco_md5_is_checked_when_pinned(tmp_path, coco_archive):
    wrong = "0" * 32
    with ArchiveServer({f"/{COCO_ARCHIVE}": coco_archive}) as server:
        bad = run_coco(tmp_path, server, COCO_CAPTIONING_MD5=wrong)
        assert_coco_not_installed(tmp_path)
        good = run_coco(tmp_path, server, COCO_CAPTIONING_MD5=md5(coco_archive).upper())
    assert bad.returncode != 0
    assert f"its MD5 is {md5(coco_archive)}, expected {wrong}" in bad.stderr
    assert "COCO_CAPTIONING_MD5" in bad.stderr
    assert good.returncode == 0, good.stderr
    assert_coco_installed(tmp_path)


def test_partial_coco_download_is_resumed(tmp_path, coco_archive):
    third = len(coco_archive) // 3
    (tmp_path / f"{COCO_ARCHIVE}.part").write_bytes(coco_archive[:third])
    with ArchiveServer({f"/{COCO_ARCHIVE}": coco_archive}) as server:
        result = run_coco(tmp_path, server)
    assert result.returncode == 0, result.stderr
    assert server.requests == [(f"/{COCO_ARCHIVE}", f"bytes={third}-")]
    assert_coco_installed(tmp_path)


def test_coco_without_unzip_uses_python(tmp_path, coco_archive):
    path = _path_without(tmp_path, "unzip")
    data = tmp_path / "data"
    data.mkdir()
    with ArchiveServer({f"/{COCO_ARCHIVE}": _damaged_zip(coco_archive),
                        f"/good/{COCO_ARCHIVE}": coco_archive}) as server:
        damaged = run_coco(data, server, PATH=path)
        good = run_coco(data, server, PATH=path,
                        COCO_CAPTIONING_URL=server.url(f"/good/{COCO_ARCHIVE}"))
    assert damaged.returncode != 0 and "it is damaged" in damaged.stderr
    assert good.returncode == 0, good.stderr
    assert_coco_installed(data)


# ------------------------------------------------- one dataset failing, the other not

def test_offline_cifar10_does_not_stop_the_captioning_download(tmp_path, coco_archive):
    cifar_url = f"http://127.0.0.1:{closed_port()}/{ARCHIVE}"
    with ArchiveServer({f"/{COCO_ARCHIVE}": coco_archive}) as server:
        result = run_script(tmp_path, CIFAR10_URL=cifar_url,
                            COCO_CAPTIONING_URL=server.url(f"/{COCO_ARCHIVE}"))
    assert result.returncode == 1
    assert_coco_installed(tmp_path)
    assert server.requests == [(f"/{COCO_ARCHIVE}", None)]
    assert "The COCO captioning data is ready" in result.stdout
    assert f"could not reach {cifar_url}" in result.stderr
    assert "CIFAR-10 was not installed" in result.stderr
    closing = result.stderr[result.stderr.index("could not install:"):]
    assert closing.startswith("could not install: CIFAR-10 (the reason is above).")
    assert "COCO" not in closing.split("\n")[0]
    assert "generated stand-in data" in closing
    assert closing.rstrip().endswith("bash datasets/get_datasets.sh cifar10")


def test_every_failed_dataset_is_named_and_the_one_that_works_is_installed(tmp_path, archive):
    with ArchiveServer({f"/{ARCHIVE}": archive}) as server:  # no captioning archive: 404
        result = run_script(tmp_path, "coco", "cifar10",
                            CIFAR10_URL=server.url(f"/{ARCHIVE}"), CIFAR10_MD5=md5(archive),
                            COCO_CAPTIONING_URL=server.url(f"/{COCO_ARCHIVE}"))
    assert result.returncode == 1
    assert_installed(tmp_path)
    assert server.requests == [(f"/{COCO_ARCHIVE}", None), (f"/{ARCHIVE}", None)]
    assert "refused the download" in result.stderr
    assert "could not install: the COCO captioning data (the reason is above)." in result.stderr
    assert result.stderr.rstrip().endswith("bash datasets/get_datasets.sh coco")


def test_both_datasets_failing_are_both_named(tmp_path):
    port = closed_port()
    result = run_script(tmp_path, CIFAR10_URL=f"http://127.0.0.1:{port}/{ARCHIVE}",
                        COCO_CAPTIONING_URL=f"http://127.0.0.1:{port}/{COCO_ARCHIVE}")
    assert result.returncode == 1
    assert result.stderr.count("could not reach") == 2
    assert ("could not install: CIFAR-10, the COCO captioning data (the reason is above)."
            in result.stderr)
    assert result.stderr.rstrip().endswith("bash datasets/get_datasets.sh cifar10 coco")
    assert list(tmp_path.iterdir()) == []
