try:
    from generator.cli import run
except KeyboardInterrupt:  # Ctrl+C before `generator.cli` runs its own guard (see there): quietly, with 130
    raise SystemExit(130) from None

run()
