from purna.cli import main

main()
