"""Turning reports into text. Only render.table imports rich; the other formats stay light."""
