"""Models to run: the curated catalog, downloads, imports, the registry, folder manifests.

- ``load_catalog``: the entries of ``catalog.toml`` (package data) (plus the user's own).
- ``install_catalog_model``: download one (resumable, verified, atomically installed).
- ``import_model``: add a GGUF from any path, copied or referenced, checked and trial-loaded.
- ``ModelRegistry``: the models Hearth knows, in ``models.json`` under the data folder.
- ``write_manifest`` / ``verify_manifest``: ``SHA256SUMS`` for carrying files across an air gap.
- ``recommend_model``: the largest catalog model that fits this computer's memory.
"""

from importlib import import_module
from typing import TYPE_CHECKING

from desktop.core.catalog._catalog import (
    CATALOG_FILE,
    Catalog,
    CatalogEntry,
    builtin_catalog_path,
    load_catalog,
)
from desktop.core.catalog._errors import (
    ChecksumMismatchError,
    DiskSpaceError,
    DownloadCancelled,
    DownloadError,
    ManifestError,
    OfflineError,
    RegistryError,
    format_bytes,
)
from desktop.core.catalog._files import disk_free, sha256_file
from desktop.core.catalog._importer import import_model
from desktop.core.catalog._installed import (
    InstalledModel,
    installed_chat_models,
    installed_embedding_models,
    quantization_in_name,
)
from desktop.core.catalog._manifest import (
    MANIFEST_FILE,
    ManifestReport,
    verify_manifest,
    write_manifest,
)
from desktop.core.catalog._recommend import Recommendation, recommend_model
from desktop.core.catalog._registry import (
    REGISTRY_FILE,
    ModelRecord,
    ModelRegistry,
    TrustedChecksum,
    models_dir,
)

if TYPE_CHECKING:
    from desktop.core.catalog._download import (
        CancelFlag,
        DownloadProgress,
        FetchResult,
        RetryPolicy,
        fetch,
    )
    from desktop.core.catalog._install import (
        HUGGING_FACE,
        InstallResult,
        install_catalog_model,
        mirrored_url,
        part_path,
    )

# Downloads bring httpx (about 0.1 s to import): loaded on first use, not when the window starts.
_ON_FIRST_USE = {
    "CancelFlag": "_download", "DownloadProgress": "_download", "FetchResult": "_download",
    "RetryPolicy": "_download", "fetch": "_download",
    "HUGGING_FACE": "_install", "InstallResult": "_install",
    "install_catalog_model": "_install", "mirrored_url": "_install", "part_path": "_install",
}


def __getattr__(name: str) -> object:
    """The download and install names, imported when first asked for."""
    module = _ON_FIRST_USE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "CATALOG_FILE",
    "HUGGING_FACE",
    "MANIFEST_FILE",
    "REGISTRY_FILE",
    "CancelFlag",
    "Catalog",
    "CatalogEntry",
    "ChecksumMismatchError",
    "DiskSpaceError",
    "DownloadCancelled",
    "DownloadError",
    "DownloadProgress",
    "FetchResult",
    "InstallResult",
    "InstalledModel",
    "ManifestError",
    "ManifestReport",
    "ModelRecord",
    "ModelRegistry",
    "OfflineError",
    "Recommendation",
    "RegistryError",
    "RetryPolicy",
    "TrustedChecksum",
    "builtin_catalog_path",
    "disk_free",
    "fetch",
    "format_bytes",
    "import_model",
    "installed_chat_models",
    "installed_embedding_models",
    "install_catalog_model",
    "load_catalog",
    "mirrored_url",
    "models_dir",
    "part_path",
    "quantization_in_name",
    "recommend_model",
    "sha256_file",
    "verify_manifest",
    "write_manifest",
]
