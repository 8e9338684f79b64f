import sys

from chroma_desk.cli import main

sys.exit(main())
