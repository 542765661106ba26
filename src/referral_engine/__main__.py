from referral_engine.entrypoints.cli.main import main

main()
