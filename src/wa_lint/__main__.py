from wa_lint.launch import entry

entry()
