"""Attachments wherever materials are asked for: stored under random names outside the web root, kept
under the user's own file name, typed by their content, and served only after an access check."""

from .content import (
    CONTENT_TYPES,
    FAMILY_OF_EXTENSION,
    content_type_of,
    matches_extension,
    served_content_type,
    sniff,
)
from .names import clean_filename, content_disposition, extension_of
from .store import UploadRefused, attachments_for, save_upload, storage_path

__all__ = [
    "CONTENT_TYPES", "FAMILY_OF_EXTENSION", "UploadRefused", "attachments_for", "clean_filename",
    "content_disposition", "content_type_of", "extension_of", "matches_extension", "save_upload",
    "served_content_type", "sniff", "storage_path",
]
