"""Checks, one module per rule. Each module defines `CODE` and `check(project, options)`.

Template checks live in `template/`, handler-code checks in `code/`, checks that need both in
`project/`. A check reads the project model and yields `Violation`s; the engine adds everything else.
"""
