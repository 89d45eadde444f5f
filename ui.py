"""``python ui.py [--port 7860] …`` from a source checkout: the browser chat of :mod:`rag.webapp`."""
from rag.webapp import main

if __name__ == "__main__":
    raise SystemExit(main())
