from wa_lint.cli import main

main()
