"""Import: reading CSV / XLSX exports from any CRM into the canonical tables (DESIGN sections 3,
4 and 7). `sniff` reads a file's shape, `propose_mapping` matches its columns to canonical
fields, `import_file` loads it in one transaction, `delete_import` undoes it."""

from alignment.ingest.errors import AmbiguousDateOrderError, IngestError
from alignment.ingest.load import (
    ImportResult,
    delete_import,
    file_sha256,
    import_file,
    import_rejects,
    list_imports,
    upload_memory_limit,
)
from alignment.ingest.mapping import (
    MappingProposal,
    header_signature,
    propose_mapping,
    save_mapping,
    saved_mapping,
    validate_mapping,
)
from alignment.ingest.sniff import SniffedTable, sniff

__all__ = [
    "AmbiguousDateOrderError",
    "ImportResult",
    "IngestError",
    "MappingProposal",
    "SniffedTable",
    "delete_import",
    "file_sha256",
    "header_signature",
    "import_file",
    "import_rejects",
    "list_imports",
    "propose_mapping",
    "save_mapping",
    "saved_mapping",
    "sniff",
    "upload_memory_limit",
    "validate_mapping",
]
