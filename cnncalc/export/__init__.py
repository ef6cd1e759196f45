"""`cnncalc export`: a spec written out as code for a framework (docs/export.md)."""

from cnncalc.export.pytorch import Export, export_pytorch

__all__ = ["Export", "export_pytorch"]
