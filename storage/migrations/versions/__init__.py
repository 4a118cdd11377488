"""One module per schema revision, oldest first (``0001_...``). Never edit a shipped one."""
