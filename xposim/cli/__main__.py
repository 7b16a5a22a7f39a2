"""``python -m xposim.cli`` runs the command line (the same as the ``xposim`` script)."""

from xposim.cli import main

if __name__ == "__main__":  # importing the module (e.g. pkgutil.walk_packages) runs nothing
    main()
