from fanzha.cli.app import main

main()
