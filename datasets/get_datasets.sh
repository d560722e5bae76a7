#!/usr/bin/env bash
# Download the datasets of the course.
#
#   bash datasets/get_datasets.sh            every dataset the script knows
#   bash datasets/get_datasets.sh cifar10    only CIFAR-10
#   bash datasets/get_datasets.sh coco       only the COCO captioning data (Assignment 3)
#
# Where the data goes: the folder this script lives in, or $COURSE_DATA_DIR if set.
#
# Where it comes from:
#   CIFAR10_URL       full URL of the CIFAR-10 archive (wins over DATASETS_MIRROR)
#   DATASETS_MIRROR   base URL of a mirror; the archive's file name is appended
#   CIFAR10_MD5       expected MD5 of the archive, only for a mirror that repackages it
#   COCO_CAPTIONING_URL  full URL of the captioning archive (wins over DATASETS_MIRROR)
#   COCO_CAPTIONING_MD5  expected MD5 of that archive; without it (none is published)
#                     the zip is tested and must hold every file of the dataset
#
# Every archive is checked (a checksum, or the list of files it must hold) before it
# is unpacked. A download that breaks off is resumed; one that fails its check is
# deleted and fetched once more from the start. Archives are unpacked into a
# temporary folder that is renamed into place only when it is complete, so there is
# never a half-unpacked dataset, even after Ctrl-C. A dataset that is already
# complete is left alone without touching the network. Each dataset asked for is tried
# even when an earlier one failed; the script then names those that failed, says
# that the notebooks run on the generated stand-in data meanwhile, and exits 1.
#
# Plain bash 3.2 (the one macOS ships) is enough: no associative arrays, no GNU-only
# options. The functions below can be sourced one by one for testing.

if [ -z "${BASH_VERSION:-}" ]; then
    echo "get_datasets.sh: run it with bash: bash datasets/get_datasets.sh" >&2
    exit 2
fi
set -euo pipefail

PROG=get_datasets.sh
SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEST=${COURSE_DATA_DIR:-$SCRIPT_DIR}
KNOWN_DATASETS="cifar10 coco"

CIFAR10_DEFAULT_URL=https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz
CIFAR10_PUBLISHED_MD5=c58f30108f718f92721af3b95e74349a
COCO_CAPTIONING_DEFAULT_URL=https://cs231n.stanford.edu/coco_captioning.zip

# How often one download may break off and be resumed before the script gives up.
MAX_RESUMES=5

DOWNLOADER=""      # curl or wget, chosen when the first download starts
EXTRACT_TMP=""     # the temporary folder of the unpacking in progress
VERIFY_PROBLEM=""  # why the last verify call failed
GET_STATUS=0       # exit status of the last get_one

say() { printf '%s\n' "$*"; }
warn() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() { warn "$*"; exit 1; }

usage() {
    cat <<EOF
Usage: bash datasets/get_datasets.sh [DATASET...]

Datasets: $KNOWN_DATASETS (default: all of them)

Installs into $DEST
(the folder of this script, or \$COURSE_DATA_DIR if set).

Environment:
  DATASETS_MIRROR  base URL of a mirror holding the same archive files
  CIFAR10_URL      full URL of the CIFAR-10 archive (wins over DATASETS_MIRROR)
  CIFAR10_MD5      expected MD5 of that archive, for a mirror that repackages it
  COCO_CAPTIONING_URL  full URL of the captioning archive (wins over DATASETS_MIRROR)
  COCO_CAPTIONING_MD5  expected MD5 of that archive (none is published: without it
                   the zip is tested and must hold every file of the dataset)
EOF
}

cleanup() {
    if [ -n "$EXTRACT_TMP" ] && [ -d "$EXTRACT_TMP" ]; then
        rm -rf "$EXTRACT_TMP"
    fi
}

# ---------------------------------------------------------------- small helpers

# file_size FILE: its size in bytes, 0 if it does not exist.
file_size() {
    if [ -f "$1" ]; then
        wc -c <"$1" | tr -d ' '
    else
        echo 0
    fi
}

python_cmd() {
    if command -v python3 >/dev/null 2>&1; then
        echo python3
    elif command -v python >/dev/null 2>&1; then
        echo python
    else
        return 1
    fi
}

# md5_of FILE: the MD5 of FILE in lower-case hex.
md5_of() {
    local py
    if command -v md5sum >/dev/null 2>&1; then
        md5sum <"$1" | cut -d' ' -f1
    elif command -v md5 >/dev/null 2>&1; then
        md5 -q "$1"
    elif py=$(python_cmd); then
        "$py" - "$1" <<'EOF'
import hashlib, sys
digest = hashlib.md5()
with open(sys.argv[1], "rb") as f:
    for block in iter(lambda: f.read(1 << 20), b""):
        digest.update(block)
print(digest.hexdigest())
EOF
    else
        die "cannot compute checksums: none of md5sum, md5 or python3 is installed"
    fi
}

# dataset_url OVERRIDE FILE DEFAULT: OVERRIDE if set, else the mirror's copy of FILE
# if DATASETS_MIRROR is set, else DEFAULT.
dataset_url() {
    if [ -n "$1" ]; then
        echo "$1"
    elif [ -n "${DATASETS_MIRROR:-}" ]; then
        echo "${DATASETS_MIRROR%/}/$2"
    else
        echo "$3"
    fi
}

# list_members ARCHIVE: the paths an archive holds, one a line, without a leading ./
# The type comes from the name (a trailing .part is ignored): .zip, else gzipped tar.
list_members() {
    local name=${1%.part} py
    case $name in
        *.zip)
            if command -v unzip >/dev/null 2>&1; then
                unzip -Z1 "$1"
            elif py=$(python_cmd); then
                "$py" -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"
            else
                die "cannot read zip archives: neither unzip nor python3 is installed"
            fi
            ;;
        *)
            tar -tzf "$1"
            ;;
    esac | sed 's|^\./||'
}

# test_archive ARCHIVE: true if every member of a zip ARCHIVE reads back with the right
# CRC (the type as for list_members). A gzipped tar is checked whole by list_members
# already (gzip checks its CRC at the end of the stream), so it passes here.
test_archive() {
    local name=${1%.part} py
    case $name in
        *.zip)
            if command -v unzip >/dev/null 2>&1; then
                unzip -tqq "$1" >/dev/null 2>&1
            elif py=$(python_cmd); then
                "$py" -c 'import sys, zipfile; sys.exit(zipfile.ZipFile(sys.argv[1]).testzip() is not None)' "$1" >/dev/null 2>&1
            else
                die "cannot test zip archives: neither unzip nor python3 is installed"
            fi
            ;;
        *)
            return 0
            ;;
    esac
}

# unpack ARCHIVE DIR: unpack ARCHIVE (type as for list_members) into the folder DIR.
unpack() {
    local name=${1%.part} py
    case $name in
        *.zip)
            if command -v unzip >/dev/null 2>&1; then
                unzip -q "$1" -d "$2"
            elif py=$(python_cmd); then
                "$py" -m zipfile -e "$1" "$2"
            else
                die "cannot unpack zip archives: neither unzip nor python3 is installed"
            fi
            ;;
        *)
            tar -xzf "$1" -C "$2"
            ;;
    esac
}

# dataset_complete MEMBERS: true if every path of the space-separated MEMBERS list
# (relative to $DEST) is a non-empty file.
dataset_complete() {
    local m
    # shellcheck disable=SC2086  # member names never hold spaces
    for m in $1; do
        [ -s "$DEST/$m" ] || return 1
    done
}

# ------------------------------------------------------------- shared steps

# verify FILE md5 HEX          the MD5 of FILE is HEX (any letter case)
# verify FILE members "A B C"  the archive FILE lists every one of the paths A, B, C and
#                              a zip's members all pass their CRC check (for archives
#                              without a published checksum)
# On failure, returns 1 and sets VERIFY_PROBLEM to a one-line reason.
verify() {
    local file=$1 kind=$2 expected=$3 actual listing m missing=""
    VERIFY_PROBLEM=""
    case $kind in
        md5)
            actual=$(md5_of "$file")
            expected=$(printf '%s' "$expected" | tr 'A-F' 'a-f')
            if [ "$actual" != "$expected" ]; then
                VERIFY_PROBLEM="its MD5 is $actual, expected $expected"
                return 1
            fi
            ;;
        members)
            if ! listing=$(list_members "$file" 2>/dev/null); then
                VERIFY_PROBLEM="it is not a readable archive"
                return 1
            fi
            # shellcheck disable=SC2086  # member names never hold spaces
            for m in $expected; do
                if ! printf '%s\n' "$listing" | grep -Fqx -e "$m"; then
                    missing="$missing $m"
                fi
            done
            if [ -n "$missing" ]; then
                VERIFY_PROBLEM="it lacks$missing"
                return 1
            fi
            if ! test_archive "$file"; then
                VERIFY_PROBLEM="it is damaged (a file in it fails its CRC check)"
                return 1
            fi
            ;;
        *)
            die "internal error: unknown check '$kind'"
            ;;
    esac
}

# transfer URL FILE: one download of URL into FILE, continuing after the bytes FILE
# already holds. Returns 0 when done, 1 when the server could not be reached at all,
# 2 on any other failure (an HTTP error, a broken connection, no resume support).
transfer() {
    local url=$1 out=$2 rc=0
    if [ "$DOWNLOADER" = curl ]; then
        if [ -t 2 ]; then
            curl -fL --progress-bar --connect-timeout 30 -y 60 -Y 1 -C - -o "$out" "$url" || rc=$?
        else
            curl -fL -sS --connect-timeout 30 -y 60 -Y 1 -C - -o "$out" "$url" || rc=$?
        fi
        case $rc in
            0) return 0 ;;
            5 | 6 | 7) return 1 ;;  # proxy or host not resolved, or connection refused
            *) return 2 ;;
        esac
    else
        if [ -t 2 ]; then
            wget -c --tries=1 --timeout=60 -O "$out" "$url" || rc=$?
        else
            wget -c --tries=1 --timeout=60 -nv -O "$out" "$url" || rc=$?
        fi
        case $rc in
            0) return 0 ;;
            4) return 1 ;;  # network failure
            *) return 2 ;;
        esac
    fi
}

# fetch URL FILE: download URL into FILE, continuing what FILE already holds, and
# resuming each time the connection drops after some progress (up to MAX_RESUMES).
# Returns 0 when done, 1 when the server could not be reached, 2 when the server
# refused (an HTTP error, or no support for resuming), 3 when the connection kept
# dropping (FILE then holds what has arrived).
fetch() {
    local url=$1 out=$2 resumes=0 before after rc
    while :; do
        before=$(file_size "$out")
        rc=0
        transfer "$url" "$out" || rc=$?
        if [ "$rc" -eq 0 ]; then
            return 0
        fi
        after=$(file_size "$out")
        if [ "$after" -le "$before" ]; then
            [ "$after" -gt 0 ] || rm -f "$out"
            return "$rc"
        fi
        resumes=$((resumes + 1))
        if [ "$resumes" -gt "$MAX_RESUMES" ]; then
            return 3
        fi
        say "The connection dropped after $after bytes; resuming."
    done
}

# download_verified NAME PREFIX URL ARCHIVE CHECK EXPECTED
# Leave in ARCHIVE a copy of URL that passes `verify ARCHIVE CHECK EXPECTED`.
# The bytes arrive in ARCHIVE.part, renamed to ARCHIVE once verified, so a file named
# ARCHIVE has always been checked. A .part left by an earlier run is resumed. A copy
# that fails its check is deleted and fetched once more from the start. PREFIX names
# the dataset's variables in messages (PREFIX_URL, PREFIX_MD5).
download_verified() {
    local name=$1 prefix=$2 url=$3 archive=$4 check=$5 expected=$6
    local part="$archive.part" rc attempt

    if [ -f "$archive" ]; then
        if verify "$archive" "$check" "$expected"; then
            say "Using the $name archive downloaded earlier: $archive"
            return 0
        fi
        rm -f "$archive"
    fi
    if [ -z "$DOWNLOADER" ]; then
        if command -v curl >/dev/null 2>&1; then
            DOWNLOADER=curl
        elif command -v wget >/dev/null 2>&1; then
            DOWNLOADER=wget
        else
            die "neither curl nor wget is installed; install one of them and run this script again"
        fi
    fi

    for attempt in 1 2; do
        if [ "$attempt" -eq 1 ] && [ -s "$part" ]; then
            say "Resuming the download of $name from $url ($(file_size "$part") bytes already here)"
        else
            rm -f "$part"
            say "Downloading $name from $url"
        fi
        rc=0
        fetch "$url" "$part" || rc=$?
        case $rc in
            0)
                if verify "$part" "$check" "$expected"; then
                    mv -f "$part" "$archive"
                    return 0
                fi
                rm -f "$part"
                if [ "$attempt" -eq 1 ]; then
                    say "The $name download is damaged ($VERIFY_PROBLEM); deleting it and downloading again from the start."
                fi
                ;;
            1)
                rm -f "$part"
                die "could not reach $url (no network, or the server is down). $name was not installed.
  Check your internet connection and run this script again. To download from a mirror,
  set DATASETS_MIRROR to its base URL (the file name is appended) or ${prefix}_URL to
  the full URL of the archive, for example:
      DATASETS_MIRROR=https://mirror.example.org/course-data bash datasets/get_datasets.sh"
                ;;
            2)
                # With part of the file here, the refusal was to resume: start over.
                if [ "$attempt" -eq 1 ] && [ -s "$part" ]; then
                    say "The server cannot continue the download; downloading again from the start."
                else
                    rm -f "$part"
                    die "the server refused the download of $url (see the message above). $name was not installed.
  If the address is wrong, set DATASETS_MIRROR (a base URL) or ${prefix}_URL (the full URL)."
                fi
                ;;
            3)
                die "the download of $url kept breaking off. The $(file_size "$part") bytes received so far
  are kept in $part; run this script again to resume from there."
                ;;
        esac
    done

    local hint=""
    if [ "$check" = md5 ]; then
        hint="
  If your mirror repackages the archive on purpose, set ${prefix}_MD5 to the MD5 of its archive."
    fi
    die "the $name download from $url failed its check twice ($VERIFY_PROBLEM).
  The damaged download was deleted and $name was not installed. Try again later or use
  another mirror (DATASETS_MIRROR or ${prefix}_URL).$hint"
}

# extract_atomically ARCHIVE FOLDER MEMBERS
# Unpack ARCHIVE into a temporary folder inside $DEST, check that every path of the
# space-separated MEMBERS list (relative to $DEST, so starting with FOLDER/) is there,
# then rename FOLDER into $DEST. An incomplete FOLDER already there is replaced.
extract_atomically() {
    local archive=$1 folder=$2 members=$3 m missing=""
    EXTRACT_TMP=$(mktemp -d "$DEST/.unpacking.XXXXXX")
    say "Unpacking $(basename "$archive")"
    if ! unpack "$archive" "$EXTRACT_TMP"; then
        die "could not unpack $archive (is the disk full?). $folder was not installed;
  the archive is kept, so the next run does not download it again."
    fi
    # shellcheck disable=SC2086  # member names never hold spaces
    for m in $members; do
        [ -s "$EXTRACT_TMP/$m" ] || missing="$missing $m"
    done
    if [ -n "$missing" ]; then
        rm -f "$archive"
        die "the archive $archive does not hold$missing, so it is not the expected dataset.
  It was deleted and $folder was not installed. Check DATASETS_MIRROR and the *_URL variables."
    fi
    if [ -e "$DEST/$folder" ] || [ -L "$DEST/$folder" ]; then
        say "Replacing the incomplete folder $DEST/$folder"
        mv "$DEST/$folder" "$EXTRACT_TMP/.previous-$folder"
    fi
    mv "$EXTRACT_TMP/$folder" "$DEST/$folder"
    rm -rf "$EXTRACT_TMP"
    EXTRACT_TMP=""
}

# ------------------------------------------------------------------ datasets

get_cifar10() {
    local folder=cifar-10-batches-py file=cifar-10-python.tar.gz
    local members="" m url
    for m in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch batches.meta; do
        members="$members $folder/$m"
    done

    if dataset_complete "$members"; then
        say "CIFAR-10 is already complete in $DEST/$folder; nothing to do."
        return 0
    fi
    url=$(dataset_url "${CIFAR10_URL:-}" "$file" "$CIFAR10_DEFAULT_URL")
    download_verified "CIFAR-10" CIFAR10 "$url" "$DEST/$file" md5 "${CIFAR10_MD5:-$CIFAR10_PUBLISHED_MD5}"
    extract_atomically "$DEST/$file" "$folder" "$members"
    rm -f "$DEST/$file"
    say "CIFAR-10 is ready in $DEST/$folder"
}

# The COCO captioning data with VGG-16 features. No checksum is published for it: the
# zip is tested and must hold every file, unless COCO_CAPTIONING_MD5 pins one.
get_coco() {
    local folder=coco_captioning file=coco_captioning.zip
    local members="" m url
    for m in coco2014_captions.h5 coco2014_vocab.json \
        train2014_vgg16_fc7.h5 train2014_vgg16_fc7_pca.h5 train2014_urls.txt \
        val2014_vgg16_fc7.h5 val2014_vgg16_fc7_pca.h5 val2014_urls.txt; do
        members="$members $folder/$m"
    done

    if dataset_complete "$members"; then
        say "The COCO captioning data is already complete in $DEST/$folder; nothing to do."
        return 0
    fi
    url=$(dataset_url "${COCO_CAPTIONING_URL:-}" "$file" "$COCO_CAPTIONING_DEFAULT_URL")
    if [ -n "${COCO_CAPTIONING_MD5:-}" ]; then
        download_verified "COCO captioning" COCO_CAPTIONING "$url" "$DEST/$file" md5 "$COCO_CAPTIONING_MD5"
    else
        download_verified "COCO captioning" COCO_CAPTIONING "$url" "$DEST/$file" members "$members"
    fi
    extract_atomically "$DEST/$file" "$folder" "$members"
    rm -f "$DEST/$file"
    say "The COCO captioning data is ready in $DEST/$folder"
}

# ---------------------------------------------------------------------- main

# dataset_title DATASET: how messages name a dataset.
dataset_title() {
    case $1 in
        cifar10) echo "CIFAR-10" ;;
        coco) echo "the COCO captioning data" ;;
        *) echo "$1" ;;
    esac
}

# get_one DATASET: run get_DATASET in a subshell of its own, so that its failure (die
# exits) ends that dataset only and the next one is still tried; GET_STATUS is set to
# the subshell's exit status. get_one itself always succeeds: called as `get_one ||`,
# bash would ignore set -e inside the subshell too. The subshell removes its own
# temporary folder on every exit, Ctrl-C included, and leaves the messages about an
# interruption to the main script.
get_one() {
    set +e
    (
        set -e
        trap cleanup EXIT
        trap 'exit 130' INT
        trap 'exit 143' TERM
        "get_$1"
    )
    GET_STATUS=$?
    set -e
}

# report_failures "DATASET...": the closing message when some datasets failed.
report_failures() {
    local ds titles="" retry=""
    for ds in $1; do
        titles="$titles${titles:+, }$(dataset_title "$ds")"
        retry="$retry $ds"
    done
    warn "could not install: $titles (the reason is above)."
    warn "Meanwhile the notebooks run on the course's generated stand-in data (drawn scenes
  instead of CIFAR-10, captioned shapes instead of COCO): every notebook says which
  dataset it uses. Run this script again to retry: bash datasets/get_datasets.sh$retry"
}

main() {
    local wanted="" arg ds failed=""
    for arg in "$@"; do
        case $arg in
            -h | --help)
                usage
                return 0
                ;;
            all) wanted="$wanted $KNOWN_DATASETS" ;;
            cifar10 | coco) wanted="$wanted $arg" ;;
            *)
                warn "unknown dataset '$arg'; known datasets: $KNOWN_DATASETS"
                usage >&2
                exit 2
                ;;
        esac
    done
    [ -n "$wanted" ] || wanted=$KNOWN_DATASETS

    mkdir -p "$DEST" 2>/dev/null || die "cannot create the data folder $DEST"
    [ -w "$DEST" ] || die "cannot write to the data folder $DEST"

    for ds in $wanted; do
        get_one "$ds"
        case $GET_STATUS in
            0) ;;
            130) warn "interrupted"; exit 130 ;;
            143) warn "terminated"; exit 143 ;;
            *) failed="$failed $ds" ;;
        esac
    done
    if [ -n "$failed" ]; then
        report_failures "$failed"
        exit 1
    fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    trap cleanup EXIT
    trap 'warn "interrupted"; exit 130' INT
    trap 'warn "terminated"; exit 143' TERM
    main "$@"
fi
