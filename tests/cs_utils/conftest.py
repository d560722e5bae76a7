"""Session fixtures shared by the cs_utils tests: each generated dataset is made once."""

import pytest

from cs_utils import synthetic, synthetic_captions


@pytest.fixture(scope="session")
def generated_root(tmp_path_factory):
    """A datasets folder holding generated/cifar-10-batches-py at full size."""
    root = tmp_path_factory.mktemp("datasets")
    synthetic.ensure_generated(root / "generated")
    return root


@pytest.fixture(scope="session")
def generated_folder(generated_root):
    return generated_root / "generated" / "cifar-10-batches-py"


@pytest.fixture(scope="session")
def generated_captions_root(tmp_path_factory):
    """A datasets folder holding generated/coco_captioning at full size."""
    root = tmp_path_factory.mktemp("caption_datasets")
    synthetic_captions.ensure_generated(root / "generated")
    return root


@pytest.fixture(scope="session")
def generated_captions_folder(generated_captions_root):
    return generated_captions_root / "generated" / "coco_captioning"
