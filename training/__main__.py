import sys

try:
    from training.cli import main  # imports torch: seconds, and a Ctrl+C may land in them
except KeyboardInterrupt:
    print("python -m training: interrupted before training began", file=sys.stderr)
    sys.exit(130)

sys.exit(main())
