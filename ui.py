"""``python ui.py [--port 7860] …`` from a source checkout: ``rag serve``, the browser chat of
:mod:`rag.app.webapp`, started the same way (settings, the log with secrets masked, one-line errors)."""
import sys

from rag.app.cli import serve_cmd

if __name__ == "__main__":
    serve_cmd.main(sys.argv[1:], prog_name="python ui.py")
