"""jsonschema, imported without the optional IRI syntax checker that some installs pull in.

jsonschema registers a checker for the "iri" formats when `rfc3987_syntax` is installed, and that
package builds its grammar when imported: over a second, paid by every command that validates
(settings files, `--format json`). The kit's schemas use no "format" and validate without a
format checker, so the checker is never used; it is kept out for the import only, and a later
`import rfc3987_syntax` elsewhere works as usual.
"""
import sys

SKIPPED = "rfc3987_syntax"


def jsonschema():
    """The jsonschema module (imported on first use)."""
    if "jsonschema" not in sys.modules and SKIPPED not in sys.modules:
        sys.modules[SKIPPED] = None  # `import rfc3987_syntax` raises ImportError, which jsonschema expects
        try:
            import jsonschema as module
        finally:
            if sys.modules.get(SKIPPED, 0) is None:
                del sys.modules[SKIPPED]
        return module
    import jsonschema as module

    return module
