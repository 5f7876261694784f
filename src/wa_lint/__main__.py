from wa_lint.cli import entry

entry()
