"""Instructor tooling: build the student release, import and autograde submissions,
return feedback and export grades.

Run ``python -m cs_utils.instructor --help`` (or the Makefile targets) to use it. Each
pipeline is a list of small steps that can be read top to bottom and tested alone.
"""
