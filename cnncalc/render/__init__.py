"""Turning reports into text. Rich's console is imported only by the outputs it draws (compare, verify, layers,
checkerboard): the report table, JSON, CSV and Markdown stay light."""
