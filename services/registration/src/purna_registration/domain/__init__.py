"""Registration rules as plain functions and classes: no I/O, no framework imports."""
