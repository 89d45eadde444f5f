"""``python ui.py [--port 7860] …`` from a source checkout: the browser chat of :mod:`rag.app.webapp`."""
from rag.app.webapp import main

if __name__ == "__main__":
    raise SystemExit(main())
