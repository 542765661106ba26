from referral_engine.cli import main

main()
