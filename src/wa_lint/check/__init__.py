"""Checks, one module per rule: `CODE` and a `check` marked with its subject kind, as check/contract.py
describes (the one place the contract is written down).

Template checks live in `template/`, handler-code checks in `code/`, checks that need both in
`project/`; the tool rules (WA001, WA002, WA005) in `tool.py`. A check reads the project model and yields
`Violation`s; the check stage (check/stage.py) calls it per subject and contains its failures, and the
report stage adds the message, severity and Lens mapping from the rule's metadata.
"""
